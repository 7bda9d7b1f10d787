/** `--target-miss-rate`: the share of runs a recommended STREAM_DECISION_SET_MAX_WAIT may lose. */
import { usageError } from '../errors.js';

/** The flag's declaration, shared by load, reproduce and logs. */
export const TARGET_MISS_RATE_FLAG = [
  '--target-miss-rate <rate>',
  'share of runs the recommended STREAM_DECISION_SET_MAX_WAIT may lose: 0.1%, 1%, 0.0005',
  '0.1%',
] as const;

/** `0.1%` or `0.001` → 0.001; between 0 and 50 % exclusive. */
export function parseMissRate(text: string, flag = '--target-miss-rate'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)(?:e-?\d+)?\s*(%)?\s*$/i.exec(text);
  const value = m ? Number(text.replace('%', '').trim()) / (m[2] ? 100 : 1) : NaN;
  if (!(value > 0 && value < 0.5)) {
    throw usageError('bad-miss-rate', `${flag}: "${text}" is not a miss rate; use a percentage such as 0.1% (or a fraction, 0.001), under 50 %`);
  }
  return value;
}
