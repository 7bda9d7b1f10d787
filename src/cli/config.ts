/**
 * `--config FILE`: a JSON object holding any of a command's flags, so a CI job keeps its probe in
 * the repository. Keys are flag names (`stream-path`) or their camelCase (`streamPath`); flags on
 * the command line win; every problem in the file is reported at once.
 */
import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { SsedoctorError, EXIT, usageError } from '../errors.js';
import { parseShard } from '../load/shard.js';
import { parseThreshold } from '../load/thresholds.js';
import { redactUrl } from '../probe/redact.js';
import { findScenario, parseDistribution, SCENARIOS } from '../server/index.js';
import { parseBaseUrl, parseBody, parseDuration, parseHeader, parseInteger, parsePositiveDuration, parseSize } from './options.js';
import { parseMissRate } from './miss-rate.js';

type Check = (value: string, flag: string, env: Record<string, string | undefined>) => void;

const duration: Check = (v, f) => void parseDuration(v, f);
const positiveDuration: Check = (v, f) => void parsePositiveDuration(v, f);
const nonEmpty: Check = (v, f) => {
  if (v.trim() === '') throw usageError('empty-value', `${f}: the value is empty`);
};
/** `--id-field`: a dotted path of non-empty keys. */
const dottedPath: Check = (v, f) => {
  if (v.split('.').some((k) => k.trim() === '')) throw usageError('bad-id-field', `${f}: "${v}" is not a dotted path, e.g. decision_set_id or data.id`);
};
const endpoint: Check = (v, f) => {
  if (!v.startsWith('/') && !/^https?:\/\//.test(v)) throw usageError('bad-path', `${f}: "${redactUrl(v)}" must start with / (or be an absolute http(s) URL)`);
};
const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (v, f) =>
    void parseInteger(v, f, min, max);
const positive: Check = (v, f) => {
  const n = Number(v.trim().replace(/\/s$/, ''));
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw usageError('bad-rate', `${f}: "${v}" must be a positive number of runs per second, e.g. 50 or 50/s`);
};
const positiveSize: Check = (v, f) => {
  if (parseSize(v, f) <= 0) throw usageError('bad-size', `${f}: "${v}" must be larger than 0`);
};
const scenario: Check = (v, f) => {
  if (!findScenario(v)) throw usageError('unknown-scenario', `${f}: unknown scenario "${v}" (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
};

/** Value checks per option attribute, the same parsers the commands use. */
const CHECKS: Record<string, Check> = {
  url: (v, f) => void parseBaseUrl(v, f),
  origin: (v, f) => void parseBaseUrl(v, f),
  compare: (v, f) => void parseBaseUrl(v, f),
  body: (v) => void parseBody(v),
  header: (v) => void parseHeader(v),
  threshold: (v) => void parseThreshold(v),
  shard: (v, _f, env) => void parseShard(v, env),
  maxEventSize: positiveSize,
  bodyLimit: positiveSize,
  idField: dottedPath,
  enqueuePath: endpoint,
  streamPath: endpoint,
  jobStatusPath: (v, f, e) => (v === '' ? undefined : endpoint(v, f, e)),
  terminalEvent: nonEmpty,
  heartbeatEvent: nonEmpty,
  errorNode: nonEmpty,
  contentType: nonEmpty,
  host: nonEmpty,
  scenario,
  persistDelay: (v, f) => distribution(v, f),
  workerDelay: (v, f) => distribution(v, f),
  nodeDuration: (v, f) => distribution(v, f),
  rate: positive,
  rampTo: positive,
  sweep: (v, f) => {
    const parts = v.split(',').map((d) => d.trim()).filter((d) => d !== '');
    if (parts.length === 0) throw usageError('bad-sweep', `${f}: give comma-separated durations, e.g. 1s,2s,4s,6s`);
    parts.forEach((d) => parseDuration(d, f));
  },
  attempts: int(0, 100),
  idleHeartbeats: int(1),
  concurrency: int(1, 100_000),
  requests: int(1),
  maxInflight: int(1),
  keepWorst: int(0, 100),
  workers: int(1, 256),
  targetMissRate: (v, f) => void parseMissRate(v, f),
  port: int(0, 65_535),
  metricsPort: int(0, 65_535),
  metricsHost: nonEmpty,
  fixedRetries: int(0),
  seed: int(0),
  closeAfter: int(1),
  stallAfter: int(0),
  ...Object.fromEntries(['retryDelay', 'grace', 'maxWait'].map((k) => [k, duration])),
  // Zero would run nothing (duration), time out at once (timeout, observe) or spin a timer (intervals).
  ...Object.fromEntries(['timeout', 'observe', 'duration', 'pingInterval', 'heartbeatInterval'].map((k) => [k, positiveDuration])),
};

function distribution(v: string, flag: string): void {
  try {
    parseDistribution(v);
  } catch (err) {
    throw new SsedoctorError('bad-distribution', `${flag}: ${(err as Error).message}`);
  }
}

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Applies the file named by `--config` to `cmd`'s options; throws one error listing every problem. */
export function applyConfig(cmd: Command, env: Record<string, string | undefined>): void {
  const file = cmd.getOptionValue('config') as string | undefined;
  if (file === undefined) return;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = err instanceof SyntaxError ? `not valid JSON (${err.message})` : `cannot be read (${(err as { code?: string }).code ?? 'error'})`;
    throw new SsedoctorError('bad-config', `--config: "${file}" ${why}`, { exitCode: EXIT.usage });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SsedoctorError('bad-config', `--config: "${file}" must hold a JSON object of flags`, { exitCode: EXIT.usage });
  }

  const problems: string[] = [];
  const options = cmd.options as readonly Option[];
  for (const [key, value] of Object.entries(raw)) {
    const option = options.find((o) => o.attributeName() === camel(key) || o.long === `--${key}`);
    if (!option || option.long === '--config') {
      problems.push(`"${key}" is not a flag of ${cmd.name()}`);
      continue;
    }
    const attr = option.attributeName();
    const flag = option.long ?? attr;
    const takesValue = option.required || option.optional;
    const repeatable = Array.isArray(option.defaultValue);
    let normalised: unknown;
    if (!takesValue) {
      if (typeof value !== 'boolean') {
        problems.push(`"${key}" is a switch: use true or false`);
        continue;
      }
      // `"no-progress": true` and `"progress": false` both mean --no-progress.
      normalised = option.negate && key === option.long?.slice(2) ? !value : value;
    } else if (repeatable) {
      const list = Array.isArray(value) ? value : [value];
      if (!list.every((v) => typeof v === 'string' || typeof v === 'number')) {
        problems.push(`"${key}" takes a list of strings`);
        continue;
      }
      normalised = list.map(String);
    } else {
      if (typeof value !== 'string' && typeof value !== 'number') {
        problems.push(`"${key}" takes a string or a number`);
        continue;
      }
      normalised = String(value);
    }
    const values = Array.isArray(normalised) ? (normalised as string[]) : typeof normalised === 'string' ? [normalised] : [];
    let valid = true;
    for (const v of values) {
      if (option.argChoices && !option.argChoices.includes(v)) {
        problems.push(`${flag}: "${v}" is not one of ${option.argChoices.join(', ')}`);
        valid = false;
        continue;
      }
      try {
        CHECKS[attr]?.(v, flag, env);
      } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
        valid = false;
      }
    }
    // The command line wins over the file.
    if (valid && cmd.getOptionValueSource(attr) !== 'cli') cmd.setOptionValueWithSource(attr, normalised, 'config');
  }
  if (problems.length > 0) {
    const list = problems.map((p) => `  - ${p}`).join('\n');
    throw new SsedoctorError('bad-config', `--config: "${file}" has ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n${list}`, {
      exitCode: EXIT.usage,
    });
  }
}

/**
 * Checks every flag value given on the command line with the same parsers, before any work
 * starts: the first bad one ends the command with one line (exit 2). (Values from --config were
 * checked by applyConfig; defaults are valid by construction.)
 */
export function checkFlagValues(cmd: Command, env: Record<string, string | undefined>): void {
  for (const option of cmd.options as readonly Option[]) {
    const attr = option.attributeName();
    if (cmd.getOptionValueSource(attr) !== 'cli') continue;
    const check = CHECKS[attr];
    const value = cmd.getOptionValue(attr) as unknown;
    if (!check || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') check(v, option.long ?? attr, env);
  }
}
