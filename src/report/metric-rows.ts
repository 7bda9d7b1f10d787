/**
 * The order reports list load metrics in (reporters may not import load/ at run time, only its types).
 * first-meaningful-event leads: it is what a user waits for.
 */
import type { MetricName } from '../load/metric-names.js';

/** Timing metrics (ms), in report order. */
export const TIMING_ROWS: readonly MetricName[] = [
  'first-meaningful-event',
  'enqueue',
  'headers',
  'server-wait',
  'not-found-wait',
  'first-event',
  'first-node-event',
  'terminal',
  'longest-stall',
  'total',
  'schedule-lag',
  // Reconnect storm (--storm-at): one value per stream the storm cut, from the cut.
  'storm-reconnect',
  'storm-back',
  'storm-first-event',
  // Simulated browsers (--browser-tabs): the run's longest wait for a free connection.
  'connection-wait',
];

/** Count metrics, in report order. */
export const COUNT_ROWS: readonly MetricName[] = ['client-attempts', 'server-lookups', 'reconnects'];

/** Wait metrics that may hold values inferred from GET → head. */
export const WAIT_ROWS: readonly MetricName[] = ['server-wait', 'not-found-wait'];
