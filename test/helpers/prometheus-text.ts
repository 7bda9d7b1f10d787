/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests: it throws on
 * anything a scraper would reject or that breaks the format's rules (a sample before its TYPE,
 * a family split in two, a bad name or escape, histogram buckets that are not cumulative or
 * lack +Inf, +Inf ≠ _count).
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value "${text}" in: ${line}`);
  return Number(text);
}

/** `{a="x",b="y\""}` starting at `i`; returns the labels and the index after `}`. */
function parseLabels(line: string, i: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++; // {
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`label without "=" in: ${line}`);
    const name = line.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`bad label name "${name}" in: ${line}`);
    if (name in labels) throw new Error(`label ${name} twice in: ${line}`);
    if (line[eq + 1] !== '"') throw new Error(`unquoted label value in: ${line}`);
    let value = '';
    let j = eq + 2;
    for (;; j++) {
      const c = line[j];
      if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (c === '"') break;
      if (c === '\\') {
        const n = line[++j];
        if (n === 'n') value += '\n';
        else if (n === '\\' || n === '"') value += n;
        else throw new Error(`bad escape \\${n} in: ${line}`);
      } else value += c;
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`expected "," or "}" in: ${line}`);
  }
  return [labels, i + 1];
}

/** The family a sample name belongs to (a histogram's `_bucket`, `_sum`, `_count`). */
function familyOf(name: string, families: Map<string, PromFamily>): PromFamily | undefined {
  if (families.has(name)) return families.get(name);
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const f = families.get(base);
  return f && (f.type === 'histogram' || f.type === 'summary') ? f : undefined;
}

/** Parses and checks a whole exposition; returns its families by name. */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, PromFamily>();
  const done = new Set<string>();
  let current: PromFamily | undefined;
  for (const line of text.split('\n').slice(0, -1)) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      let f = families.get(name);
      if (!f) {
        if (current) done.add(current.name);
        f = { name, type: 'untyped', samples: [] };
        families.set(name, f);
        current = f;
      } else if (f !== current) throw new Error(`family ${name} split in two`);
      if (kind === 'TYPE') {
        if (f.samples.length > 0) throw new Error(`TYPE after samples of ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type in: ${line}`);
        f.type = rest as PromFamily['type'];
      } else f.help = rest;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const name = m[1]!;
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') [labels, i] = parseLabels(line, i);
    if (line[i] !== ' ') throw new Error(`expected a space before the value in: ${line}`);
    const [valueText, timestamp, extra] = line.slice(i + 1).split(' ');
    if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new Error(`bad timestamp in: ${line}`);
    const value = parseValue(valueText ?? '', line);
    const f = familyOf(name, families);
    if (!f) throw new Error(`sample ${name} has no TYPE line before it`);
    if (f !== current || done.has(f.name)) throw new Error(`sample ${name} outside its family's block`);
    f.samples.push({ name, labels, value });
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** Buckets per label set: `le` ascending, counts cumulative, `+Inf` last and equal to `_count`. */
function checkHistogram(f: PromFamily): void {
  const key = (l: Record<string, string>): string => JSON.stringify(Object.entries(l).filter(([k]) => k !== 'le').sort());
  const groups = new Map<string, PromSample[]>();
  for (const s of f.samples.filter((s) => s.name === `${f.name}_bucket`)) {
    if (!('le' in s.labels)) throw new Error(`${f.name}_bucket without le`);
    const list = groups.get(key(s.labels)) ?? [];
    list.push(s);
    groups.set(key(s.labels), list);
  }
  if (groups.size === 0) throw new Error(`histogram ${f.name} has no buckets`);
  for (const [k, buckets] of groups) {
    const les = buckets.map((b) => parseValue(b.labels.le!, `${f.name} le`));
    for (let i = 1; i < buckets.length; i++) {
      if (!(les[i]! > les[i - 1]!)) throw new Error(`${f.name}: le not ascending`);
      if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${f.name}: buckets not cumulative`);
    }
    if (les.at(-1) !== Infinity) throw new Error(`${f.name}: no +Inf bucket`);
    const count = f.samples.find((s) => s.name === `${f.name}_count` && key(s.labels) === k);
    const sum = f.samples.find((s) => s.name === `${f.name}_sum` && key(s.labels) === k);
    if (!count || !sum) throw new Error(`${f.name}: _count or _sum missing`);
    if (count.value !== buckets.at(-1)!.value) throw new Error(`${f.name}: +Inf bucket ${buckets.at(-1)!.value} ≠ _count ${count.value}`);
  }
}

/** The value of `name` with exactly these labels (a subset match on the given ones); undefined when absent. */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
