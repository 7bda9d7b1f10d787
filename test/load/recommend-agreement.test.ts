/**
 * load, reproduce and logs agree: one distribution's waits, fed to each command's own path into
 * the one estimator, give one MAX_WAIT answer.
 */
import { describe, expect, it } from 'vitest';
import { recommendFromGroups, recommendMaxWait, waitGroupOfEncoded } from '../../src/load/recommend.js';
import { logsReport } from '../../src/serverlog/logs-report.js';
import { parseLogLine } from '../../src/serverlog/parse-line.js';
import { StreamLog } from '../../src/serverlog/streams.js';
import type { WaitObservation } from '../../src/load/tail.js';
import { asMetrics, exp, logNormal, serverWaits, type Draw } from './recommend-samples.js';

/** The backend's JSON log lines for these lookups (python-json-logger shape, the origin's messages). */
function backendLog(observations: WaitObservation[]): string {
  const lines: string[] = [];
  observations.forEach((o, i) => {
    const id = `ds-${i}`;
    const at = (ms: number): string => new Date(Date.UTC(2026, 10, 24, 10) + i * 10 + ms).toISOString().replace('T', ' ').replace('.', ',').slice(0, 23);
    const line = (ms: number, level: string, message: string, extra: object = {}): string =>
      JSON.stringify({ asctime: at(ms), levelname: level, name: 'api.main', message, ...extra });
    lines.push(line(0, 'INFO', 'Job enqueued', { job_id: `job-${i}`, decision_set_id: id }));
    lines.push(line(1, 'INFO', `SSE connection established for decision_set_id: ${id}`));
    const misses = Math.round(o.ms / 200);
    if (o.censored) lines.push(line(1 + o.ms, 'WARNING', 'Decision set not found after waiting', { decision_set_id: id, attempts: misses + 1, wait_seconds: o.ms / 1000 }));
    else if (misses > 0) lines.push(line(1 + o.ms, 'INFO', 'Decision set lookup succeeded after retries', { decision_set_id: id, attempts: misses, wait_seconds: o.ms / 1000 }));
  });
  return lines.join('\n');
}

function fromLogs(observations: WaitObservation[]): number | undefined {
  const log = new StreamLog();
  backendLog(observations)
    .split('\n')
    .forEach((l, i) => log.add(parseLogLine(l), i + 1));
  return logsReport(log, { source: 'test', version: 't' }).recommendation.suggestedMs;
}

const cases: { name: string; draw: Draw; truthMs: number }[] = [
  // The distribution: exp(800 ms), 99.9 % at ≈ 5.5 s.
  { name: 'exp(800ms)', draw: exp(800), truthMs: 800 * Math.log(1000) },
  // reproduce's default: lognormal(1.2 s, 0.7), 99.9 % at ≈ 10.4 s.
  { name: 'lognormal(1.2s,0.7)', draw: logNormal(1200, 0.7), truthMs: 1200 * Math.exp(0.7 * 3.0902) },
];

describe('one answer from load, reproduce and logs', () => {
  for (const c of cases) {
    it(c.name, () => {
      // load: 1,000 runs behind a 2 s window, through the HDR histograms.
      const load = recommendMaxWait(asMetrics(serverWaits(c.draw, 1000, 2000, { seed: 1 })), 2000).suggestedMs!;
      // reproduce: 400 runs at each of 1, 2, 4 and 6 s, each step's encoded histograms pooled.
      const reproduce = recommendFromGroups(
        [1000, 2000, 4000, 6000].map((w, i) => waitGroupOfEncoded(asMetrics(serverWaits(c.draw, 400, w, { seed: 10 + i })).encode(), w)),
        { pollMs: 200 },
      ).suggestedMs!;
      // logs: 1,000 lookups behind a 2 s window, as the backend logged them.
      const logs = fromLogs(serverWaits(c.draw, 1000, 2000, { seed: 2 }))!;
      for (const answer of [load, reproduce, logs]) expect(Math.abs(answer - c.truthMs) / c.truthMs).toBeLessThan(0.25);
      const all = [load, reproduce, logs];
      expect(Math.max(...all) / Math.min(...all)).toBeLessThanOrEqual(1.25);
    });
  }
});
