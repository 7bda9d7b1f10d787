/**
 * Output files are checked before any work starts: an unwritable `--out` found after a 20 s load
 * would lose the run. Every option whose value names a file to write is covered, on every command.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command, Option } from 'commander';
import { usageError } from '../errors.js';

/** Flags whose value is a file ssedoctor writes (or appends to). */
export const OUTPUT_FLAGS: readonly string[] = ['--out', '--html', '--junit', '--log-file'];

/** Why `path` cannot be written, or undefined when it can (nothing is created or changed). */
export function unwritableReason(path: string): string | undefined {
  if (path.trim() === '') return 'is empty';
  const full = resolve(path);
  try {
    if (statSync(full).isDirectory()) return 'is a directory';
    accessSync(full, constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOTDIR') return `cannot be created: "${dirname(path)}" is not a directory`;
    if (code !== 'ENOENT') return `cannot be written (${code ?? 'error'})`;
  }
  const dir = dirname(full);
  try {
    if (!statSync(dir).isDirectory()) return `cannot be created: "${dirname(path)}" is not a directory`;
    accessSync(dir, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === 'ENOENT' ? `cannot be created: the directory "${dirname(path)}" does not exist` : `cannot be created in "${dirname(path)}" (${code ?? 'error'})`;
  }
}

/** Throws a one-line usage error (exit 2) for the first output flag of `cmd` that cannot be written. */
export function checkOutputPaths(cmd: Command): void {
  const seen = new Map<string, string>();
  for (const option of cmd.options as readonly Option[]) {
    const flag = option.long;
    if (!flag || !OUTPUT_FLAGS.includes(flag)) continue;
    const value = cmd.getOptionValue(option.attributeName()) as unknown;
    if (typeof value !== 'string') continue;
    const why = unwritableReason(value);
    if (why) throw usageError('unwritable-file', `${flag}: "${value}" ${why}`);
    const full = resolve(value);
    const other = seen.get(full);
    if (other) throw usageError('same-file', `${other} and ${flag} both name "${value}"; one would overwrite the other`);
    seen.set(full, flag);
  }
}
