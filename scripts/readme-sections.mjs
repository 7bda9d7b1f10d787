// The generated README sections, keyed by marker name: <!-- name:start --> ... <!-- name:end -->.
export async function readmeSections() {
  const { outcomeTableMarkdown } = await import('../dist/report/markdown-tables.js');
  const { SCENARIOS } = await import('../dist/server/index.js');
  const scenarios = [
    '| scenario | what it reproduces |',
    '|---|---|',
    ...SCENARIOS.map((s) => `| \`${s.name}\` | ${s.description.replace(/\|/g, '\\|')} |`),
  ].join('\n');
  return { outcomes: outcomeTableMarkdown(), scenarios };
}

export function replaceSections(text, sections) {
  let out = text;
  for (const [name, body] of Object.entries(sections)) {
    const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`);
    if (!re.test(out)) throw new Error(`README has no ${name} markers`);
    out = out.replace(re, `$1${body}$2`);
  }
  return out;
}
