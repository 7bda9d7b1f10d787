/** The job-status lookup is bounded by --timeout as a whole: a body that never ends cannot hold the run. */
import { expect, it } from 'vitest';
import { runProbe } from '../../src/probe/run-probe.js';
import { chunk, enqueueThen, sseHead, startRawServer } from '../helpers/raw-server.js';

it('a job-status answer that never ends is cut off after --timeout and recorded as an error', async () => {
  const server = await startRawServer(
    enqueueThen((req, socket) => {
      if (req.path.startsWith('/api/jobs/')) {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
        socket.write(chunk('{"status": "run')); // ...and nothing more
        return;
      }
      socket.write(sseHead());
      socket.write(chunk(': ping\r\n\r\n'));
    }),
  );
  const started = performance.now();
  const t = await runProbe({ baseUrl: server.url, timeoutMs: 800, observeMs: 500, attempts: 0 }).finally(() => server.close());
  expect(performance.now() - started).toBeLessThan(5000);
  expect(t.jobStatus?.error?.code).toBe('SSEDOCTOR_TIMEOUT');
});
