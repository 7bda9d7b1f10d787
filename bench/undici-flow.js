#!/usr/bin/env node
// The floor: the same two-request flow (POST enqueue, JSON id, GET the stream to its end) on a bare
// undici Agent through its dispatch API, the transport ssedoctor load uses, with nothing else: no
// timings, no parsing of events, no classification. What ssedoctor costs above this is its own.
// Prints {"flows": n, "seconds": s} as JSON. Usage: node bench/undici-flow.js URL CONNECTIONS SECONDS
import { Agent } from 'undici';

const [url, connections = '50', seconds = '10'] = process.argv.slice(2);
const agent = new Agent({ connections: Number(connections), bodyTimeout: 0, headersTimeout: 15_000, connectTimeout: 15_000, keepAliveTimeout: 4000 });
const { origin } = new URL(url);
const body = JSON.stringify({ messages: [{ role: 'user', content: 'bench' }] });

/** One request, its body collected as text. */
function request(method, path, headers, payload) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let status = 0;
    agent.dispatch(
      { origin, path, method, headers, body: payload },
      {
        onRequestStart: () => undefined,
        onResponseStart: (_c, s) => (status = s),
        onResponseData: (_c, chunk) => chunks.push(chunk),
        onResponseEnd: () => resolve({ status, text: Buffer.concat(chunks).toString('utf8') }),
        onResponseError: (_c, err) => reject(err),
      },
    );
  });
}

let flows = 0;
const t0 = performance.now();
const end = t0 + Number(seconds) * 1000;
async function loop() {
  while (performance.now() < end) {
    const enq = await request('POST', '/api/chat/async', { 'content-type': 'application/json', accept: 'application/json' }, body);
    const id = JSON.parse(enq.text).decision_set_id;
    const stream = await request('GET', `/api/streams/${encodeURIComponent(id)}`, { accept: 'text/event-stream', 'cache-control': 'no-cache' });
    if (stream.status === 200) flows++;
  }
}
await Promise.all(Array.from({ length: Number(connections) }, loop));
process.stdout.write(`${JSON.stringify({ flows, seconds: (performance.now() - t0) / 1000 })}\n`);
await agent.close();
