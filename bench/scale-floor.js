#!/usr/bin/env node
// The floor under ssedoctor's memory per open stream: N heartbeat-only streams held by a bare client
// that keeps nothing (the same enqueue → stream flow, same server), measured as scale-client.js does
// (gc, then RSS and heap used at full count minus before, per stream). Two floors:
//   undici  undici's dispatch API, one Agent (what ssedoctor is built on): undici's per-connection
//           state plus Node's socket;
//   net     raw node:net sockets writing the two requests by hand: Node's socket alone.
// Usage: node --expose-gc bench/scale-floor.js URL N undici|net. Prints JSON.
import { connect } from 'node:net';
import { readdirSync } from 'node:fs';
import { Agent } from 'undici';

const [url, n = '10000', mode = 'undici'] = process.argv.slice(2);
const streams = Number(n);
const RATE = 1000; // streams opened per second, as scale-client.js
const base = new URL(url);
const body = JSON.stringify({ messages: [{ role: 'user', content: 'ssedoctor probe' }] });
const fds = () => readdirSync('/proc/self/fd').length;
const kib = (b) => b / 1024;

/** undici: POST, read the id, GET the stream and drop every byte. */
function undiciStream(agent, done) {
  const chunks = [];
  agent.dispatch(
    { origin: base.origin, path: '/api/chat/async', method: 'POST', headers: { 'content-type': 'application/json' }, body },
    {
      onRequestStart() {},
      onResponseStart() {},
      onResponseData(_c, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        const id = JSON.parse(Buffer.concat(chunks).toString()).decision_set_id;
        agent.dispatch(
          { origin: base.origin, path: `/api/streams/${id}`, method: 'GET', headers: { accept: 'text/event-stream' } },
          { onRequestStart() {}, onResponseStart: () => done(), onResponseData() {}, onResponseEnd() {}, onResponseError() {} },
        );
      },
      onResponseError: (_c, err) => done(err),
    },
  );
}

/** net: both requests written by hand on one keep-alive socket; the stream's bytes are dropped. */
function netStream(sockets, done) {
  const socket = connect(Number(base.port), base.hostname);
  sockets.push(socket);
  let text = '';
  const onHead = (chunk) => {
    text += chunk.toString('latin1');
    const m = /"decision_set_id"\s*:\s*"([^"]+)"/.exec(text);
    if (!m) return;
    socket.off('data', onHead);
    socket.on('data', () => {}); // the stream: dropped
    socket.write(`GET /api/streams/${m[1]} HTTP/1.1\r\nHost: ${base.host}\r\nAccept: text/event-stream\r\n\r\n`);
    done();
  };
  socket.on('data', onHead);
  socket.on('error', (err) => done(err));
  socket.write(`POST /api/chat/async HTTP/1.1\r\nHost: ${base.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

globalThis.gc();
const before = process.memoryUsage();
const fds0 = fds();
const agent = new Agent({ connections: streams, bodyTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 4000 });
const sockets = [];
let opened = 0;
let failed = 0;
const done = (err) => (err ? failed++ : opened++);
const t0 = performance.now();
for (let i = 0; i < streams; i++) {
  const wait = t0 + (i * 1000) / RATE - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  if (mode === 'net') netStream(sockets, done);
  else undiciStream(agent, done);
}
await new Promise((r) => setTimeout(r, 1500));
globalThis.gc();
const full = process.memoryUsage();
const open = fds() - fds0;
process.stdout.write(
  `${JSON.stringify({
    mode,
    streams,
    opened,
    failed,
    openSockets: open,
    rssKiBPerStream: kib(full.rss - before.rss) / open,
    heapKiBPerStream: kib(full.heapUsed - before.heapUsed) / open,
    externalKiBPerStream: kib(full.external - before.external) / open,
    rssMiB: full.rss / 2 ** 20,
  })}\n`,
);
for (const s of sockets) s.destroy();
await agent.destroy();
process.exit(0);
