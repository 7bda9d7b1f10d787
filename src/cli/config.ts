/**
 * `--config FILE`: a JSON object holding any of a command's flags, so a CI job keeps its probe in
 * the repository. Keys are flag names (`stream-path`) or their camelCase (`streamPath`); flags on
 * the command line win; every problem in the file is reported at once.
 */
import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { SsedoctorError, EXIT } from '../errors.js';
import { parseShard } from '../load/shard.js';
import { parseThreshold } from '../load/thresholds.js';
import { parseDistribution } from '../server/index.js';
import { parseBaseUrl, parseBody, parseDuration, parseHeader, parseInteger, parseSize } from './options.js';

type Check = (value: string, flag: string, env: Record<string, string | undefined>) => void;

const duration: Check = (v, f) => void parseDuration(v, f);
const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (v, f) =>
    void parseInteger(v, f, min, max);
const positive: Check = (v, f) => {
  if (!(Number(v.replace(/\/s$/, '')) > 0)) throw new SsedoctorError('bad-rate', `${f}: "${v}" must be a positive number`);
};

/** Value checks per option attribute, the same parsers the commands use. */
const CHECKS: Record<string, Check> = {
  url: (v, f) => void parseBaseUrl(v, f),
  origin: (v, f) => void parseBaseUrl(v, f),
  body: (v) => void parseBody(v),
  header: (v) => void parseHeader(v),
  threshold: (v) => void parseThreshold(v),
  shard: (v, _f, env) => void parseShard(v, env),
  maxEventSize: (v, f) => void parseSize(v, f),
  bodyLimit: (v, f) => void parseSize(v, f),
  persistDelay: (v, f) => distribution(v, f),
  workerDelay: (v, f) => distribution(v, f),
  nodeDuration: (v, f) => distribution(v, f),
  rate: positive,
  rampTo: positive,
  sweep: (v, f) => v.split(',').forEach((d) => parseDuration(d.trim(), f)),
  attempts: int(0, 100),
  idleHeartbeats: int(1),
  concurrency: int(1, 100_000),
  requests: int(1),
  maxInflight: int(1),
  keepWorst: int(0, 100),
  port: int(0, 65_535),
  fixedRetries: int(0),
  seed: int(0),
  closeAfter: int(1),
  stallAfter: int(0),
  ...Object.fromEntries(['retryDelay', 'timeout', 'observe', 'duration', 'grace', 'maxWait', 'pingInterval', 'heartbeatInterval'].map((k) => [k, duration])),
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
