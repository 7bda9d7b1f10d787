#!/usr/bin/env node
// The lowest floor: the same two-request flow on raw node:net sockets, one keep-alive socket per
// connection, requests written as prebuilt text, answers read just far enough to find the id and the
// end (Content-Length or the last chunk). What Node's networking alone costs per flow; no HTTP client
// could go below it. Prints {"flows": n, "seconds": s} as JSON. Usage: node bench/net-flow.js URL CONNECTIONS SECONDS
import { connect } from 'node:net';

const [url, connections = '50', seconds = '10'] = process.argv.slice(2);
const { hostname, port, host } = new URL(url);
const body = JSON.stringify({ messages: [{ role: 'user', content: 'bench' }] });
const POST = `POST /api/chat/async HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\naccept: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const get = (id) => `GET /api/streams/${id} HTTP/1.1\r\nhost: ${host}\r\naccept: text/event-stream\r\ncache-control: no-cache\r\n\r\n`;

let flows = 0;
const t0 = performance.now();
const end = t0 + Number(seconds) * 1000;

/** One connection looping POST → GET; `done` once the time is up. */
function lane(done) {
  const socket = connect({ host: hostname, port: Number(port) });
  socket.setNoDelay(true);
  let buf = '';
  let step = 'post';
  socket.on('data', (chunk) => {
    buf += chunk.toString('latin1');
    const head = buf.indexOf('\r\n\r\n');
    if (head < 0) return;
    // Content-Length (nginx), else chunked (node:http): the last chunk ends the answer.
    const length = Number(/content-length: (\d+)/i.exec(buf.slice(0, head))?.[1] ?? -1);
    if (length >= 0 ? buf.length < head + 4 + length : !buf.endsWith('0\r\n\r\n')) return;
    if (step === 'post') {
      const id = JSON.parse(buf.slice(head + 4, head + 4 + length)).decision_set_id;
      buf = '';
      step = 'get';
      socket.write(get(encodeURIComponent(id)));
    } else {
      buf = '';
      step = 'post';
      flows++;
      if (performance.now() >= end) return socket.end(done);
      socket.write(POST);
    }
  });
  socket.on('connect', () => socket.write(POST));
}
await Promise.all(Array.from({ length: Number(connections) }, () => new Promise(lane)));
process.stdout.write(`${JSON.stringify({ flows, seconds: (performance.now() - t0) / 1000 })}\n`);
