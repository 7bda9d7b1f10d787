/** Enforces the dependency table of style-anchors.md by scanning import lines. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = new URL('../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Top-level area of a src file: cli, probe, classify, load, report, server, or the file name at the root. */
function area(path: string): string {
  return relative(src, path).split('/')[0]!.replace(/\.ts$/, '');
}

/** Runtime imports only: `import type` is erased, so reporters may name the shapes they render. */
function imports(path: string): { target: string; text: string }[] {
  const code = readFileSync(path, 'utf8').replace(/^\s*import type [^;]+;/gm, '');
  // `import x from '…'`, `export … from '…'`, bare `import '…'`, and dynamic `import('…')`.
  return [...code.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map((m) => ({
    target: m[1] ?? m[2] ?? m[3]!,
    text: m[0],
  }));
}

/** area → areas it must not import (relative imports inside src). */
const FORBIDDEN: Record<string, string[]> = {
  probe: ['cli', 'load', 'classify', 'report', 'server'],
  classify: ['cli', 'probe', 'load', 'report', 'server'],
  report: ['cli', 'probe', 'load', 'server'],
  load: ['cli', 'report', 'server'],
  server: ['cli', 'probe', 'classify', 'load', 'report', 'model', 'errors', 'wire', 'index'],
  model: ['cli', 'probe', 'classify', 'load', 'report', 'server'],
  errors: ['cli', 'probe', 'classify', 'load', 'report', 'server'],
  index: ['cli'],
  // The one duration grammar is shared by the client side and the server: it imports nothing.
  duration: ['cli', 'probe', 'classify', 'load', 'report', 'server', 'model', 'errors', 'wire', 'index'],
};
/** Which packages an area may import: classify does no I/O; the server uses Node built-ins only. */
const PACKAGE_ALLOWED: Record<string, (pkg: string) => boolean> = {
  classify: (pkg) => !pkg.startsWith('node:') && pkg !== 'undici',
  server: (pkg) => pkg.startsWith('node:'),
  duration: () => false,
};

describe('architecture', () => {
  const all = files(src);
  it.each(all.map((f) => [relative(src, f), f]))('%s respects the dependency table', (_name, file) => {
    const from = area(file);
    for (const { target, text } of imports(file)) {
      if (target.startsWith('.')) {
        const to = area(join(file, '..', target).replace(/\.js$/, '.ts'));
        expect(FORBIDDEN[from] ?? [], `${text}`).not.toContain(to);
      } else {
        expect(PACKAGE_ALLOWED[from]?.(target) ?? true, `${from} may not import ${target}`).toBe(true);
      }
    }
  });
});
