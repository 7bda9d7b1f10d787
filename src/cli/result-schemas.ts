/**
 * The published JSON Schemas (draft 2020-12) of every result format, as data. `schemas/*.json`
 * are written from these (`node schemas/generate.mjs` after a build; a test keeps them in step),
 * and `report` validates the files it reads against them. Strict on the core fields, open to
 * additional properties: newer v1 writers add fields, and readers must ignore what they do not know.
 */
import { OUTCOME_CODES } from '../classify/outcomes.js';
import type { JsonSchema } from './json-schema.js';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const BASE = 'https://github.com/ssedoctor/ssedoctor/blob/main/schemas/';

const str = { type: 'string' };
const num = { type: 'number' };
const ms = { type: 'number', minimum: 0, description: 'milliseconds' };
const count = { type: 'integer', minimum: 0 };
const msOrNull = { type: ['number', 'null'], description: 'milliseconds; null when not measured' };
const isoTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T' };
const outcome = { type: 'string', enum: [...OUTCOME_CODES] };
const tool = { type: 'object', required: ['name', 'version'], properties: { name: { const: 'ssedoctor' }, version: str } };
const obj = (required: string[], properties: Record<string, unknown>, extra: Record<string, unknown> = {}): JsonSchema => ({
  type: 'object',
  required,
  properties,
  additionalProperties: true,
  ...extra,
});

/** A load result (`load --json`, `--out`; the `--ndjson` summary line; each step of a reproduce result). */
const loadCore = obj(
  ['schema', 'tool', 'startedAt', 'durationMs', 'stoppedBy', 'target', 'model', 'runs', 'dropped', 'outcomes', 'metrics', 'thresholds', 'generator', 'encoded'],
  {
    schema: { const: 'ssedoctor.load/v1' },
    tool,
    startedAt: isoTime,
    durationMs: ms,
    stoppedBy: str,
    target: obj(['baseUrl'], { baseUrl: { ...str, description: 'redacted: userinfo and query values are [redacted]' }, embeddedScenario: str, windowMs: ms, targetMissRate: { type: 'number', exclusiveMinimum: 0, maximum: 0.5 }, proxy: { ...str, description: 'forward proxy used, redacted' }, localAddresses: { type: 'array', items: str, description: 'source addresses the connections were spread over (--local-address)' } }),
    model: { type: 'object' },
    runs: count,
    dropped: count,
    outcomes: { type: 'array', items: obj(['code', 'count', 'percent'], { code: outcome, count, percent: { type: 'number', minimum: 0 } }) },
    protocols: { type: 'object', additionalProperties: count, description: 'runs per HTTP version of the stream answer (h2, http/1.1)' },
    metrics: {
      type: 'object',
      additionalProperties: obj(['count', 'min', 'mean', 'p50', 'p90', 'p99', 'p999', 'max'], {
        unit: { enum: ['ms', 'count'] },
        count,
        min: num,
        mean: num,
        p50: num,
        p90: num,
        p99: num,
        p999: num,
        max: num,
      }),
    },
    recommendation: obj(['kind', 'text'], { kind: str, text: str, windowMs: ms, suggestedMs: ms }),
    thresholds: {
      type: 'array',
      items: obj(['threshold', 'passed', 'unit'], { threshold: str, passed: { type: 'boolean' }, actual: num, unit: { enum: ['ms', '%', 'count'] } }),
    },
    generator: obj(['loopDelayMs', 'peakInflight', 'saturated'], {
      loopDelayMs: obj(['p50', 'p99', 'max'], { p50: ms, p99: ms, max: ms }),
      scheduleLagMs: obj(['p50', 'p99', 'max'], { p50: ms, p99: ms, max: ms }, { description: 'open model: launch lateness against the schedule' }),
      utilization: { type: 'array', items: { type: 'number', minimum: 0, maximum: 1 }, description: 'busy share of each generator thread' },
      cpu: obj(['ms', 'cores'], { ms, cores: { type: 'number', minimum: 0 } }),
      peakInflight: count,
      threads: count,
      limited: { type: 'boolean', description: 'generator-limited: its timings or pace cannot be trusted' },
      reasons: { type: 'array', items: str },
      saturated: { type: 'boolean', description: 'same as limited (v1 name)' },
    }),
    encoded: obj(['outcomes', 'dropped', 'histograms', 'timeline'], {
      outcomes: { type: 'object', additionalProperties: count },
      dropped: count,
      histograms: { type: 'object', additionalProperties: { type: 'string', description: 'hdr-histogram-js compressed base64 (timings in µs)' } },
      timeline: { type: 'array', items: { type: 'object', additionalProperties: count } },
    }),
    shard: obj(['index', 'count'], { index: { type: 'integer', minimum: 1 }, count: { type: 'integer', minimum: 1 } }),
    mergedFrom: count,
    worst: { type: 'object', additionalProperties: { type: 'array', items: { type: 'object' } } },
    reconnects: obj(['runs', 'reconnected', 'withDuplicates', 'withLost', 'withOutOfOrder', 'resume'], {
      runs: count,
      reconnected: count,
      withDuplicates: count,
      withLost: count,
      withOutOfOrder: count,
      resume: { type: 'object', additionalProperties: count, description: 'runs per resume-check verdict (--cut-after)' },
    }, { description: '--client browser/origin, --cut-after: runs that reconnected and the damage they saw (counts of runs)' }),
    storm: obj(['atMs', 'jitterMs', 'fired', 'cut', 'replies', 'reopened', 'withDuplicates', 'duplicated'], {
      atMs: ms,
      jitterMs: ms,
      fired: { ...count, description: 'generator threads whose storm fired (0: the load ended before --storm-at)' },
      cut: { ...count, description: 'streams open at the storm, and so cut' },
      replies: obj([], Object.fromEntries(['opened', 'not-found', 'server-error', 'timeout', 'failed', 'none'].map((k) => [k, count])), { description: 'how the first request after each cut was answered (streams)' }),
      reopened: { ...count, description: 'cut streams that opened again' },
      withDuplicates: { ...count, description: 'reopened streams that repeated events' },
      duplicated: { ...count, description: 'events repeated in all' },
    }, { description: '--storm-at: the reconnect storm and what the cut streams met; its timings are the storm-* metrics (ms from the cut)' }),
    connectionCap: obj(['tabs', 'limit', 'runs', 'enqueueWaited', 'streamWaited', 'longestMs'], {
      tabs: { type: 'integer', minimum: 1, description: 'runs per simulated browser (--browser-tabs)' },
      limit: { type: 'integer', minimum: 1, description: 'connections a browser opens per origin over HTTP/1.1' },
      runs: count,
      enqueueWaited: { ...count, description: 'runs whose enqueue POST waited for a free connection' },
      streamWaited: { ...count, description: 'runs whose stream requests waited for a free connection' },
      longestMs: ms,
      longestWhat: { enum: ['enqueue', 'stream'] },
    }, { description: '--browser-tabs: waits for a free connection in simulated browsers; the per-run longest wait is the connection-wait metric' }),
  },
);

const attempts = obj(['client'], { client: count, recoveredOnAttempt: { type: ['integer', 'null'] }, serverLookups: { type: ['integer', 'null'] } });
const timings = { type: 'object', additionalProperties: msOrNull, description: 'every figure in ms, names end in Ms' };

const verdict = { enum: ['resumed', 'replayed', 'restarted', 'silent', 'refused'] };
const reconnectStep = obj(['attempt', 'verdict', 'status', 'delayMs', 'lastEventId', 'duplicated', 'fresh', 'firstEvent'], {
  attempt: { type: 'integer', minimum: 1 },
  verdict,
  status: { type: ['integer', 'null'] },
  delayMs: ms,
  delaySource: { enum: ['retry', 'browser-default', 'retry-delay'] },
  lastEventId: { type: ['string', 'null'] },
  duplicated: count,
  fresh: count,
  firstEvent: { type: ['object', 'null'] },
});
/** `--client browser` / `--cut-after` only: reconnects, their damage and the resume check. */
const reconnectsSchema = obj(['client', 'reconnects', 'stoppedBy', 'duplicated', 'lost', 'lostWhat', 'outOfOrder', 'steps'], {
  client: { enum: ['browser', 'origin', 'probe'] },
  reconnects: count,
  stoppedBy: str,
  duplicated: count,
  lost: count,
  lostWhat: { type: 'array', items: str },
  outOfOrder: count,
  steps: { type: 'array', items: reconnectStep },
  resume: obj(['cutAfterEvents', 'cutAtMs', 'verdict'], {
    cutAfterEvents: count,
    cutAtMs: ms,
    verdict: { enum: [...verdict.enum, 'none'] },
    step: { anyOf: [reconnectStep, { type: 'null' }] },
  }),
});

/** `schemas/verify.v1.json`: `verify --json` and `--out`. */
export const VERIFY_V1: JsonSchema = {
  $schema: DRAFT,
  $id: `${BASE}verify.v1.json`,
  title: 'ssedoctor verify result, v1',
  ...obj(['schema', 'tool', 'startedAt', 'target', 'outcome', 'ok', 'summary', 'detail', 'attempts', 'timings', 'findings'], {
    schema: { const: 'ssedoctor.verify/v1' },
    tool,
    startedAt: isoTime,
    target: obj(['baseUrl'], { baseUrl: str, embeddedScenario: str }),
    outcome,
    ok: { type: 'boolean' },
    summary: str,
    detail: str,
    hint: { type: ['string', 'null'] },
    attempts,
    timings,
    counts: { type: 'object' },
    nodes: { type: 'array', items: { type: 'object' } },
    findings: { type: 'array', items: obj(['code', 'message'], { code: str, message: str }) },
    reconnects: reconnectsSchema,
    network: obj(['protocol', 'proxy'], {
      protocol: { enum: ['h2', 'http/1.1', null], description: 'HTTP version of the last answered stream request; null when none was answered' },
      proxy: { type: ['string', 'null'], description: 'forward proxy used (credentials redacted); null when direct' },
    }),
    transcript: { type: 'object' },
  }),
};

/** `schemas/load.v1.json`: `load --json` and `--out`, and `report --format json` of load results. */
export const LOAD_V1: JsonSchema = { $schema: DRAFT, $id: `${BASE}load.v1.json`, title: 'ssedoctor load result, v1', ...loadCore };

/** `schemas/reproduce.v1.json`: `reproduce --json` and `--out`. */
export const REPRODUCE_V1: JsonSchema = {
  $schema: DRAFT,
  $id: `${BASE}reproduce.v1.json`,
  title: 'ssedoctor reproduce result, v1',
  ...obj(['schema', 'tool', 'persistDelay', 'requests', 'concurrency', 'retryDelayMs', 'seed', 'strategies', 'sweep', 'smallestSafeWindowMs', 'interrupted'], {
    schema: { const: 'ssedoctor.reproduce/v1' },
    tool,
    persistDelay: str,
    requests: count,
    concurrency: count,
    retryDelayMs: ms,
    seed: count,
    strategies: {
      type: 'array',
      items: obj(['lookup', 'windowMs', 'summary'], { lookup: { enum: ['single', 'fixed', 'window'] }, windowMs: ms, summary: { $ref: '#/$defs/load' } }),
    },
    sweep: { type: 'array', items: obj(['windowMs', 'summary'], { windowMs: ms, summary: { $ref: '#/$defs/load' } }) },
    smallestSafeWindowMs: { type: ['number', 'null'] },
    interrupted: { type: 'boolean' },
  }),
  $defs: { load: loadCore },
};

/** One run line of `load --ndjson`. */
const runLine = obj(['schema', 'type', 'n', 'startedAt', 'outcome', 'detail', 'attempts', 'timings'], {
  schema: { const: 'ssedoctor.load-run/v1' },
  type: { const: 'run' },
  n: { type: 'integer', minimum: 1 },
  startedAt: isoTime,
  outcome,
  detail: str,
  scheduledMs: ms,
  lagMs: msOrNull,
  attempts,
  timings,
  id: { type: ['string', 'null'] },
  storm: obj(['reply', 'reopened', 'duplicated'], {
    reply: { enum: ['opened', 'not-found', 'server-error', 'timeout', 'failed', 'none'] },
    reopened: { type: 'boolean' },
    reconnectMs: msOrNull,
    backMs: msOrNull,
    firstEventMs: msOrNull,
    duplicated: count,
  }, { description: '--storm-at, when the storm cut this run\'s stream: the first reply after the cut, times from the cut (ms)' }),
  connectionWait: obj(['enqueueMs', 'streamMs'], { enqueueMs: ms, streamMs: ms }, { description: '--browser-tabs: this run\'s longest waits for a free connection (ms)' }),
});

/** `schemas/ndjson-run.v1.json`: each line of `load --ndjson`: run lines, then one summary line. */
export const NDJSON_RUN_V1: JsonSchema = {
  $schema: DRAFT,
  $id: `${BASE}ndjson-run.v1.json`,
  title: 'ssedoctor load --ndjson line, v1',
  anyOf: [{ $ref: '#/$defs/run' }, { allOf: [{ $ref: '#/$defs/load' }, obj(['type'], { type: { const: 'summary' } })] }],
  $defs: { run: runLine, load: loadCore },
};

/** File name → schema, as published in `schemas/`. */
export const PUBLISHED_SCHEMAS: Record<string, JsonSchema> = {
  'verify.v1.json': VERIFY_V1,
  'load.v1.json': LOAD_V1,
  'reproduce.v1.json': REPRODUCE_V1,
  'ndjson-run.v1.json': NDJSON_RUN_V1,
};
