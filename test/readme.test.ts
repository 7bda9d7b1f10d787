/** The README's generated sections must match the code they are rendered from. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper shared with scripts/update-readme.mjs
import { readmeSections, replaceSections } from '../scripts/readme-sections.mjs';

describe('README', () => {
  it('outcome table and scenarios are current (run scripts/update-readme.mjs)', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(replaceSections(readme, await readmeSections())).toBe(readme);
  });

  it('shows the set-up and test commands', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('npm install && npx ssedoctor verify');
    expect(readme).toContain('npm test');
  });
});
