// Writes schemas/*.json from src/cli/result-schemas.ts (run `npm run build` first).
// test/cli/schemas.test.ts fails when the published files and the source differ.
import { writeFileSync } from 'node:fs';
const { PUBLISHED_SCHEMAS } = await import(new URL('../dist/cli/result-schemas.js', import.meta.url).href);
for (const [name, schema] of Object.entries(PUBLISHED_SCHEMAS)) {
  writeFileSync(new URL(name, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`schemas/${name}`);
}
