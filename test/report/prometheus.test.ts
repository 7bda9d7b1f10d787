/** The Prometheus exporter's pure part: state → text, checked by a strict parser and, when installed, by promtool. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OUTCOMES } from '../../src/classify/outcomes.js';
import {
  BUCKETS_SECONDS,
  escapeLabel,
  formatValue,
  newLiveMetrics,
  observe,
  observeRun,
  prometheusText,
} from '../../src/report/prometheus.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';

const PROMTOOL = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool';

describe('histogram buckets', () => {
  it.each([
    [0, 0], // zero lands in the first bucket
    [0.005, 0], // le is inclusive: exactly the bound stays in it
    [0.0051, 1], // just above goes to the next
    [1, 7],
    [2.4, 8],
    [300, BUCKETS_SECONDS.length - 1], // the last finite bound
    [301, BUCKETS_SECONDS.length], // past it: only +Inf
  ])('%s s → bucket index %i', (seconds, index) => {
    const h = { counts: new Array<number>(BUCKETS_SECONDS.length + 1).fill(0), sum: 0, count: 0 };
    observe(h, seconds);
    expect(h.counts.indexOf(1)).toBe(index);
    expect(h.sum).toBe(seconds);
    expect(h.count).toBe(1);
  });
});

describe('values and label escaping', () => {
  it.each([
    [1, '1'],
    [0.25, '0.25'],
    [1e-7, '1e-7'], // Go's ParseFloat reads exponents
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('formatValue(%s) = %s', (v, text) => expect(formatValue(v)).toBe(text));

  it.each([
    ['plain', 'plain'],
    ['a"b', 'a\\"b'], // a quote would end the value
    ['a\\b', 'a\\\\b'], // a backslash would start an escape
    ['a\nb', 'a\\nb'], // a line feed would end the sample line
  ])('escapeLabel(%j) = %j', (v, text) => expect(escapeLabel(v)).toBe(text));
});

describe('prometheusText', () => {
  const build = () => {
    const m = newLiveMetrics('1.2.3-"rc"\\x', 1_700_000_000.5);
    observeRun(m, 'healthy', 3, { enqueueMs: 12, headersMs: 40, firstMeaningfulEventMs: 800, totalMs: 2500, lagMs: 0 });
    observeRun(m, 'healthy', 2, { enqueueMs: 4, headersMs: 1200, firstMeaningfulEventMs: 1300, totalMs: 400_000, lagMs: 3 });
    observeRun(m, 'early-404', 1, { enqueueMs: 5, headersMs: 6, lagMs: 0 }); // no stream: no first event, no total
    observeRun(m, 'timeout', 0); // a run whose generator sent no timings still counts
    m.loopDelay.main = { p99Ms: 12.5, maxMs: 40 };
    m.loopDelay['worker-1'] = { p99Ms: 1, maxMs: 2 };
    return m;
  };

  it('parses strictly, with every outcome, cumulative buckets and +Inf = _count', () => {
    const text = prometheusText(build());
    const families = parsePrometheusText(text);
    expect(families.get('ssedoctor_runs_total')?.type).toBe('counter');
    expect(families.get('ssedoctor_runs_total')?.samples).toHaveLength(OUTCOMES.length); // every outcome, zeros included
    expect(sampleValue(families, 'ssedoctor_runs_total', { outcome: 'healthy' })).toBe(2);
    expect(sampleValue(families, 'ssedoctor_runs_total', { outcome: 'early-404' })).toBe(1);
    expect(sampleValue(families, 'ssedoctor_runs_total', { outcome: 'timeout' })).toBe(1);
    expect(sampleValue(families, 'ssedoctor_runs_total', { outcome: 'stalled' })).toBe(0);
    expect(sampleValue(families, 'ssedoctor_runs_in_flight')).toBe(0); // the last run's figure
    expect(sampleValue(families, 'ssedoctor_build_info', { version: '1.2.3-"rc"\\x' })).toBe(1); // escaped and read back
    expect(sampleValue(families, 'ssedoctor_load_start_time_seconds')).toBe(1_700_000_000.5);
  });

  it('histograms: seconds, counts per step that happened, sums exact', () => {
    const families = parsePrometheusText(prometheusText(build()));
    const v = (name: string, le?: string) => sampleValue(families, name, le ? { le } : {});
    expect(families.get('ssedoctor_first_meaningful_event_seconds')?.type).toBe('histogram');
    expect(v('ssedoctor_enqueue_seconds_count')).toBe(3);
    expect(v('ssedoctor_enqueue_seconds_sum')).toBeCloseTo(0.021, 9);
    expect(v('ssedoctor_enqueue_seconds_bucket', '0.005')).toBe(2); // 4 ms and 5 ms (inclusive)
    expect(v('ssedoctor_enqueue_seconds_bucket', '0.025')).toBe(3);
    expect(v('ssedoctor_first_meaningful_event_seconds_count')).toBe(2); // the 404 run had none
    expect(v('ssedoctor_first_meaningful_event_seconds_bucket', '1')).toBe(1);
    expect(v('ssedoctor_first_meaningful_event_seconds_bucket', '2.5')).toBe(2);
    expect(v('ssedoctor_run_duration_seconds_bucket', '300')).toBe(1); // 400 s is past the last bound
    expect(v('ssedoctor_run_duration_seconds_bucket', '+Inf')).toBe(2);
    expect(v('ssedoctor_schedule_lag_seconds_count')).toBe(3);
    expect(v('ssedoctor_schedule_lag_seconds_sum')).toBeCloseTo(0.003, 9);
  });

  it('generator health per thread, in seconds', () => {
    const families = parsePrometheusText(prometheusText(build()));
    expect(sampleValue(families, 'ssedoctor_event_loop_delay_p99_seconds', { thread: 'main' })).toBe(0.0125);
    expect(sampleValue(families, 'ssedoctor_event_loop_delay_max_seconds', { thread: 'worker-1' })).toBe(0.002);
  });

  it('a fresh state is a valid exposition too (the first scrape comes before any run)', () => {
    const families = parsePrometheusText(prometheusText(newLiveMetrics('0.1.0', 0)));
    expect(sampleValue(families, 'ssedoctor_runs_total', { outcome: 'healthy' })).toBe(0);
    expect(sampleValue(families, 'ssedoctor_run_duration_seconds_bucket', { le: '+Inf' })).toBe(0);
    expect(families.has('ssedoctor_event_loop_delay_p99_seconds')).toBe(false); // nothing measured yet
  });

  it('the strict parser rejects what a scraper would', () => {
    expect(() => parsePrometheusText('x 1\n')).toThrow(/no TYPE/);
    expect(() => parsePrometheusText('# TYPE x counter\nx{a="b} 1\n')).toThrow();
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow(/cumulative/);
    expect(() => parsePrometheusText('# TYPE x counter\nx 1')).toThrow(/line feed/);
  });

  it.skipIf(!existsSync(PROMTOOL))('promtool check metrics accepts it, with no lint problem', () => {
    const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: prometheusText(build()), encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });
});
