#!/usr/bin/env node
// The bench's target: the smallest server that speaks the enqueue → stream flow, so the load
// generator, not the server, is what saturates. POST /api/chat/async answers an id; GET
// /api/streams/{id} sends a node event and the terminal event, then ends the response (keep-alive).
// Prints its URL on stdout. Usage: node bench/flow-server.js [port]
import { createServer } from 'node:http';

const EVENTS =
  'event: node-complete\r\ndata: {"type": "node-complete", "data": {"node": "intake_extract"}}\r\n\r\n' +
  'event: workflow-complete\r\ndata: {"type": "workflow-complete", "data": {}}\r\n\r\n';
const STREAM_HEAD = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
let next = 0;

const server = createServer((req, res) => {
  if (req.method === 'POST') {
    req.resume();
    req.on('end', () => {
      const body = `{"decision_set_id": "ds-${++next}", "thread_id": "t", "job_id": "j", "status": "queued"}`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    return;
  }
  if (req.url.startsWith('/api/streams/')) {
    res.writeHead(200, STREAM_HEAD);
    res.end(EVENTS);
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json', 'content-length': 22 });
  res.end('{"detail":"Not Found"}');
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
