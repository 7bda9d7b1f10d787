import { renameSync, writeFileSync } from 'node:fs';
import { SsedoctorError, EXIT } from '../errors.js';

/** Writes `data` to `path` via a temp file and a rename, so a reader never sees half a file. */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'error';
    throw new SsedoctorError('unwritable-file', `cannot write "${path}" (${code})`, { exitCode: EXIT.usage, cause: err });
  }
}
