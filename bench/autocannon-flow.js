#!/usr/bin/env node
// The peer: autocannon timing the same two-request flow (POST enqueue, then GET the stream until the
// server ends it), chained with its request hooks. Prints {"flows": n, "seconds": s} as JSON.
// Usage: node bench/autocannon-flow.js URL CONNECTIONS SECONDS
import autocannon from 'autocannon';

const [url, connections = '50', seconds = '10'] = process.argv.slice(2);
let flows = 0;
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  requests: [
    {
      method: 'POST',
      path: '/api/chat/async',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'bench' }] }),
      onResponse: (status, body, context) => {
        context.id = JSON.parse(body).decision_set_id;
      },
    },
    {
      method: 'GET',
      setupRequest: (req, context) => ({ ...req, path: `/api/streams/${context.id}`, headers: { accept: 'text/event-stream' } }),
      onResponse: (status) => {
        if (status === 200) flows++;
      },
    },
  ],
});
process.stdout.write(`${JSON.stringify({ flows, seconds: result.duration, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx })}\n`);
