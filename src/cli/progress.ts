/**
 * Live progress on stderr: a bar with per-outcome counts and the current rate on a TTY
 * (cli-progress), a plain status line every few seconds otherwise. Presentation only.
 */
import cliProgress from 'cli-progress';
import type { Writable } from 'node:stream';

export interface Progress {
  /** Reports finished runs, the counts per outcome and runs in flight. */
  update(done: number, counts: ReadonlyMap<string, number>, inflight?: number): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 5000;

export function createProgress(stream: Writable & { isTTY?: boolean }, total: number | undefined, enabled: boolean): Progress {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const started = performance.now();
  let lastRateAt = started;
  let lastDone = 0;
  let rate = 0;
  const describe = (counts: ReadonlyMap<string, number>): string =>
    [...counts].map(([k, v]) => `${k} ${v}`).join(' · ') || 'starting';
  const refreshRate = (done: number): void => {
    const now = performance.now();
    if (now - lastRateAt >= 1000) {
      rate = ((done - lastDone) * 1000) / (now - lastRateAt);
      lastRateAt = now;
      lastDone = done;
    }
  };

  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WriteStream,
        format: total ? '{bar} {value}/{total} runs | {rate}/s | {counts}' : '{value} runs | {rate}/s | {counts}',
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total ?? 0, 0, { rate: '0.0', counts: 'starting' });
    return {
      update(done, counts) {
        refreshRate(done);
        bar.update(done, { rate: rate.toFixed(1), counts: describe(counts) });
      },
      stop: () => bar.stop(),
    };
  }

  let lastPrint = started;
  return {
    update(done, counts, inflight) {
      refreshRate(done);
      const now = performance.now();
      if (now - lastPrint < PLAIN_EVERY_MS) return;
      lastPrint = now;
      const secs = ((now - started) / 1000).toFixed(0);
      const of = total ? `/${total}` : '';
      const flying = inflight !== undefined ? `, ${inflight} in flight` : '';
      stream.write(`[${secs}s] ${done}${of} runs, ${rate.toFixed(1)}/s${flying}: ${describe(counts)}\n`);
    },
    stop: () => undefined,
  };
}
