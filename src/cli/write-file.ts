/**
 * Writing result files so that nothing the user asked to save is lost: atomically (a reader never
 * sees half a file), and when the path fails after all (disk full, directory removed mid-run),
 * into a fallback file in the OS temp directory, named on stderr.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { SsedoctorError, EXIT } from '../errors.js';

/** Writes that failed in this process, with the fallback written instead; the CLI exits non-zero. */
export const failedWrites: { path: string; fallback: string; code: string }[] = [];

/** Writes `data` to `path` via a temp file and a rename; on failure writes a fallback file instead. */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
    return;
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as { code?: string }).code ?? 'error';
    const fallback = join(tmpdir(), `ssedoctor-${process.pid}-${Date.now()}-${basename(path) || 'result'}`);
    try {
      writeFileSync(fallback, data);
    } catch (err2) {
      const code2 = (err2 as { code?: string }).code ?? 'error';
      throw new SsedoctorError('unwritable-file', `cannot write "${path}" (${code}), nor the fallback "${fallback}" (${code2})`, {
        exitCode: EXIT.usage,
        cause: err,
      });
    }
    failedWrites.push({ path, fallback, code });
    process.stderr.write(`ssedoctor: cannot write "${path}" (${code}); wrote it to "${fallback}" instead\n`);
  }
}
