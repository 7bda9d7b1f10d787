/**
 * Entry point. `--version` is answered before anything else loads, so it costs little more than
 * Node's own start-up; everything else loads the command-line program lazily.
 */
import { readFileSync } from 'node:fs';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const first = process.argv[2];

if (first === '--version' || first === '-v') {
  process.stdout.write(`${version}\n`);
} else {
  const { run } = await import('./program.js');
  await run(process.argv, version);
}
