/**
 * Memory per held stream, on the wire: a child process (test/helpers/hold-streams.mjs) holds 1,000
 * heartbeat-only streams of the reference server with the load runner, and reports its heap used
 * per stream after a forced GC. The bound guards the per-stream state the load keeps (the stream
 * watcher, the run's frames and transcript): before it was cut, this measured 9.4 KB; now about 7.0
 * (the figure includes the process's share of code compiled during the load, ≈ 0.5 KB at 1,000).
 * `npm run bench` measures RSS at 19,000 and 50,000 streams.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../src/server/index.js';

const CHILD = fileURLToPath(new URL('../helpers/hold-streams.mjs', import.meta.url));
const STREAMS = 1000;
const HEAP_BOUND_BYTES = 8 * 1024;

let server: ReferenceServer;
beforeAll(async () => {
  // No byte after the head for a minute: every stream stays open and quiet while it is measured.
  server = await startReferenceServer({ log: { level: 'off', format: 'text' }, scenario: 'heartbeat-only', pingIntervalMs: 60_000, heartbeatIntervalMs: 60_000 });
});
afterAll(() => server.close());

it(`holds ${STREAMS} streams in under ${HEAP_BOUND_BYTES / 1024} KiB of heap each`, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', CHILD, server.url, String(STREAMS)], { timeout: 30_000 });
  const r = JSON.parse(stdout) as { heapPerStreamBytes: number; openedFds: number; runs: number };
  expect(r.openedFds).toBeGreaterThanOrEqual(STREAMS); // all open when measured
  expect(r.runs).toBe(STREAMS);
  expect(r.heapPerStreamBytes).toBeLessThan(HEAP_BOUND_BYTES);
}, 40_000);
