/**
 * The load metrics by name: what each measures and its unit (timings in ms, counts). The names are
 * the threshold names and the report rows; the aggregate (metrics.ts) records them.
 */

/** Timing metrics, recorded in microseconds, reported in ms. Names are the threshold names. */
export const TIMING_METRICS = {
  'first-meaningful-event': 'enqueue sent → first meaningful event (not a comment or heartbeat) on the stream that opened',
  enqueue: 'enqueue request → its response head',
  headers: 'enqueue sent → stream response head',
  'server-wait': 'server lookup wait on the attempt that opened the stream (x-lookup-wait-ms, else GET → head)',
  'not-found-wait': 'server lookup wait before it answered a decision-set 404 (x-lookup-wait-ms, else GET → head)',
  'first-event': 'enqueue sent → first event of any type',
  'first-node-event': 'enqueue sent → first node-start/node-complete',
  terminal: 'enqueue sent → terminal event',
  'longest-stall': 'longest interval with no meaningful event between the stream head and its end',
  total: 'whole run, from its scheduled start',
  'schedule-lag': 'open model: how late the run was launched against its schedule (generator accuracy)',
  'storm-reconnect': 'reconnect storm (--storm-at): the cut → the next stream request sent',
  'storm-back': 'reconnect storm: the cut → the head of the stream that reopened',
  'storm-first-event': 'reconnect storm: the cut → the first meaningful event after it',
  'connection-wait': 'simulated browsers (--browser-tabs): the run\'s longest wait for a free connection (6 per origin over HTTP/1.1)',
} as const;
export type TimingMetric = keyof typeof TIMING_METRICS;

/** Count metrics, recorded as plain integers. */
export const COUNT_METRICS = {
  'client-attempts': 'stream requests per run (1 = no reconnect)',
  'server-lookups': 'server decision-set lookups per run (x-lookup-attempts)',
  reconnects: 'streams re-established per run after an open stream ended, broke or was cut (--client browser, --cut-after)',
} as const;
export type CountMetric = keyof typeof COUNT_METRICS;
export type MetricName = TimingMetric | CountMetric;

export const METRIC_NAMES = [...Object.keys(TIMING_METRICS), ...Object.keys(COUNT_METRICS)] as MetricName[];

/** Wait metrics whose values may be inferred from GET → head when the server sends no lookup headers. */
export const WAIT_METRICS = ['server-wait', 'not-found-wait'] as const;
export type WaitMetric = (typeof WAIT_METRICS)[number];
