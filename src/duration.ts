/**
 * The one duration grammar of ssedoctor, shared by flags (`--timeout 2.5s`), the reference
 * server's delay distributions (`lognormal(1s,0.8)`) and thresholds (`p99(total)<2s`).
 * Dependency-free, so the server (which imports nothing from the client side) can use it too.
 *
 * Grammar: one or more `<number><unit>` terms, units `ms`, `s`, `m`, `h` (`500ms`, `2.5s`, `.5s`,
 * `2m`, `1m30s`); `0` alone needs no unit. A bare number is refused: `--timeout 500` could mean
 * seconds or milliseconds. (The origin's own STREAM_DECISION_SET_* variables are plain seconds,
 * read as the origin reads them; they are not ssedoctor durations.)
 */

/** Milliseconds per unit. */
export const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** One line describing the grammar, for help texts and error messages. */
export const DURATION_GRAMMAR = 'a number with a unit: 500ms, 2.5s, 2m, 1h, 1m30s (0 alone needs none)';

const TERM = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/g;

/** Parses a duration into ms; undefined when `text` does not follow the grammar. */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  const terms = [...s.matchAll(TERM)];
  if (terms.length === 0 || terms.map((t) => t[0]).join('') !== s) return undefined;
  return terms.reduce((total, t) => total + Number(t[1]) * DURATION_UNITS[t[2]!]!, 0);
}
