/**
 * The load report's charts over time: latency (p50, p99) and outcomes per second the runs started
 * or finished in. A long run is drawn in windows of several seconds, counts added exactly.
 */
import { OUTCOMES } from '../classify/outcomes.js';
import { latencyCount, latencyQuantile, mergeLatency, type LatencyCounts } from '../latency-buckets.js';
import type { LoadSummary } from '../load/summary.js';
import { ms } from './format.js';
import { legend, outcomeColour } from './html-page.js';
import { lineChart, stackedChart } from './svg-charts.js';

/** Most marks a time chart draws: a longer run is shown in windows of several seconds. */
const MAX_SLOTS = 240;

/**
 * Per-second slots grouped into windows of `k` seconds (k = 1 up to MAX_SLOTS seconds), counts
 * added exactly, so an hour-long run stays a readable chart and a small page.
 */
function windows<T extends Record<string, number | undefined>>(perSecond: T[], add: (into: T, from: T) => void): { k: number; slots: T[] } {
  const k = Math.max(1, Math.ceil(perSecond.length / MAX_SLOTS));
  if (k === 1) return { k, slots: perSecond };
  const slots = Array.from({ length: Math.ceil(perSecond.length / k) }, () => ({}) as T);
  perSecond.forEach((slot, i) => add(slots[Math.floor(i / k)]!, slot));
  return { k, slots };
}

const addCounts = <T extends Record<string, number | undefined>>(into: T, from: T): void => {
  for (const [key, n] of Object.entries(from)) (into as Record<string, number>)[key] = (into[key] ?? 0) + (n ?? 0);
};
const per = (k: number): string => (k === 1 ? 'second' : `${k} s`);

/** p50 and p99 of first-meaningful-event per second the runs started in (from the mergeable log buckets). */
export function latencySection(s: LoadSummary): string {
  const perSecond = s.encoded.latencyTimeline ?? [];
  if (perSecond.every((c) => latencyCount(c) === 0)) return '<p class="muted">No per-second latency: no run saw a meaningful event (or the result predates it).</p>';
  const { k, slots } = windows<LatencyCounts>(perSecond, mergeLatency);
  const chart = lineChart(
    'latency',
    [
      { name: 'p50', cls: 'p50', values: slots.map((c) => latencyQuantile(c, 0.5)) },
      { name: 'p99', cls: 'p99', dash: '6 4', values: slots.map((c) => latencyQuantile(c, 0.99)) },
    ],
    (i) => `${i * k} s`,
    'first meaningful event, from the run\'s scheduled start',
    `${k === 1 ? 'second' : `${k}-second window`} of the load the runs started in`,
    ms,
  );
  return `${chart}<div class="legend"><span><span class="dash"></span>p50</span><span><span class="dash dashed"></span>p99</span><span class="muted">per ${per(k)} (±9 %: log buckets that merge exactly across files)</span></div>`;
}

/** Runs finished per second (or window), stacked by outcome. */
export function outcomesSection(s: LoadSummary): string {
  const { k, slots: timeline } = windows(s.encoded.timeline as Record<string, number | undefined>[], addCounts);
  const order = OUTCOMES.map((o) => ({ key: o.code as string, colour: outcomeColour(o.code) }));
  return stackedChart('timeline', timeline, order, (i) => `${i * k} s`, `runs finished per ${per(k)}`, k === 1 ? 'second of the load' : `${k}-second window of the load`) + legend(timeline.flatMap((b) => Object.keys(b)));
}
