#!/usr/bin/env node
// Records classifier golden fixtures: one real transcript per reference-server scenario.
// Usage: npm run build && node scripts/record-fixtures.mjs
import { writeFileSync } from 'node:fs';
import { diagnose } from '../dist/classify/diagnose.js';
import { runProbe } from '../dist/probe/run-probe.js';
import { startReferenceServer } from '../dist/server/index.js';

const cases = [
  ['healthy', 'healthy', {}],
  ['early-404-recovered', 'early-404', { retryDelayMs: 700 }],
  ['early-404-never', 'early-404', { attempts: 0 }],
  ['heartbeat-only', 'heartbeat-only', {}],
  ['stalled', 'stalled', {}],
  ['error-event', 'error-event', {}],
  ['closed-early', 'closed-early', {}],
  ['not-sse', 'not-sse', {}],
  ['headers-held', 'headers-held', {}],
];
for (const [file, scenario, probe] of cases) {
  const server = await startReferenceServer({ scenario, log: { level: 'off', format: 'text' } });
  const transcript = await runProbe({ baseUrl: server.url, maxRecords: 60, ...probe });
  await server.close();
  // Ports change per run; fixtures keep a stable placeholder.
  const text = JSON.stringify(transcript, null, 1).replaceAll(server.url, 'http://127.0.0.1:PORT');
  const expect = diagnose(transcript).outcome.code;
  writeFileSync(`fixtures/transcripts/${file}.json`, `{"scenario": "${scenario}", "expect": "${expect}", "transcript": ${text}}\n`);
  console.log(file, expect);
}
