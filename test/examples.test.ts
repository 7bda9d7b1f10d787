/** The shipped examples only use flags that exist (checked against the built binary's --help). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ssedoctor } from './helpers/cli.js';

const examples = ['examples/kubernetes/indexed-job.yaml', 'examples/github-actions/sharded-load.yml'];

/** Every `ssedoctor <command> …` invocation, YAML folding and k8s args lists joined. */
function invocations(text: string): { command: string; flags: string[] }[] {
  const joined = text.replace(/>\s*\n\s+/g, ' ').replace(/\n\s+- (?=--|\/)/g, ' ');
  const out: { command: string; flags: string[] }[] = [];
  for (const m of joined.matchAll(/ssedoctor (verify|load|report|reproduce|serve)\b([^\n]*)/g)) {
    out.push({ command: m[1]!, flags: [...m[2]!.matchAll(/(?:^|\s)(--[a-z-]+|-[a-zA-Z])\b/g)].map((f) => f[1]!) });
  }
  // Kubernetes args lists: `- load` followed by `- --flag=...` lines.
  for (const m of text.matchAll(/args:\n((?:\s+- .*\n)+)/g)) {
    const items = [...m[1]!.matchAll(/- (\S+)/g)].map((i) => i[1]!);
    out.push({ command: items[0]!, flags: items.slice(1).filter((i) => i.startsWith('-')).map((i) => i.split('=')[0]!) });
  }
  return out;
}

describe('examples', () => {
  it.each(examples)('%s: every ssedoctor flag exists and the shards are merged by report', async (file) => {
    const text = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
    const calls = invocations(text);
    expect(calls.some((c) => c.command === 'report')).toBe(true);
    expect(calls.some((c) => c.command === 'load' && c.flags.includes('--shard'))).toBe(true);
    for (const call of calls) {
      const help = (await ssedoctor([call.command, '--help'])).stdout;
      for (const flag of call.flags) expect(help, `${call.command} ${flag}`).toContain(flag);
    }
  });
});
