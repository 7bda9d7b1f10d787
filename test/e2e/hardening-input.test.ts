/**
 * Bad input, every command, through the built binary: one line on stderr, exit 2, no stack
 * trace, no "internal error", and no work started (no embedded server, nothing written).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ssedoctor } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-input-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) throw new Error('run `npm run build` first (npm test does)');
});

const badConfig = file('bad-config.json', JSON.stringify({ timeout: '5', 'id-field': '', nope: 1 }));
const notJson = file('not-json.json', '{"url": ');
const damaged = file('damaged.json', '{"schema":"ssedoctor.verify/v1"}');
const newer = file('newer.json', '{"schema":"ssedoctor.load/v2","runs":1}');
const truncated = file('truncated.json', '{"schema":"ssedoctor.load/v1","tool":{"name":"ssed');
const same = join(dir, 'same.out');

const CASES: [string[], RegExp][] = [
  // verify: durations, numbers, paths, URLs, headers, files
  [['verify', '--timeout', '5'], /--timeout: "5" is not a duration; use a number with a unit/],
  [['verify', '--observe', '0s'], /--observe: "0s" must be longer than 0/],
  [['verify', '--id-field', ''], /--id-field: "" is not a dotted path/],
  [['verify', '--id-field', 'data..id'], /--id-field: "data\.\.id" is not a dotted path/],
  [['verify', '--attempts', '-1'], /--attempts: "-1" must be a whole number from 0 to 100/],
  [['verify', '--attempts', 'NaN'], /--attempts: "NaN" must be a whole number/],
  [['verify', '--idle-heartbeats', '0'], /--idle-heartbeats: "0" must be a whole number from 1/],
  [['verify', '--url', 'localhost:8000'], /--url: "localhost:8000" must start with http/],
  [['verify', '--url', 'http://'], /--url: "http:\/\/" is not a URL/],
  [['verify', '--origin', 'ftp://x'], /--origin: "ftp:\/\/x" must start with http/],
  [['verify', '-H', 'Content-Length: 5'], /-H: "Content-Length" is set by the HTTP client itself/],
  [['verify', '-H', 'Transfer-Encoding: chunked'], /-H: "Transfer-Encoding" is set by the HTTP client itself/],
  [['verify', '-H', 'Connection: close'], /-H: "Connection" is set by the HTTP client itself/],
  [['verify', '-H', 'no colon here'], /-H: "no…" is not a header/],
  [['verify', '--max-event-size', '0'], /--max-event-size: "0" must be larger than 0/],
  [['verify', '--max-event-size', 'huge'], /--max-event-size: "huge" is not a size/],
  [['verify', '--scenario', 'nope'], /--scenario: unknown scenario "nope"/],
  [['verify', '--body', '{nope'], /--body: the value is not valid JSON/],
  [['verify', '--body', '@/nonexistent/body.json'], /--body: cannot read "\/nonexistent\/body.json" \(ENOENT\)/],
  [['verify', '--stream-path', '/api/x'], /--stream-path: "\/api\/x" must contain \{id\}/],
  [['verify', '--enqueue-path', 'api/chat'], /--enqueue-path: "api\/chat" must start with \//],
  [['verify', '--terminal-event', ''], /--terminal-event: the value is empty/],
  [['verify', '--out', '/nonexistent/dir/result.json'], /--out: "\/nonexistent\/dir\/result.json" cannot be created: the directory/],
  [['verify', '--junit', dir], /--junit: ".*" is a directory/],
  [['verify', '--config', badConfig], /--config: ".*" has 3 problems:/],
  [['verify', '--config', notJson], /--config: ".*" not valid JSON/],
  [['verify', '--config', '/nonexistent/c.json'], /--config: ".*" cannot be read \(ENOENT\)/],
  [['verify', '--nope'], /unknown option '--nope'/],
  // load: the load model, thresholds, shards, outputs
  [['load', '--duration', '0s'], /--duration: "0s" must be longer than 0/],
  [['load', '-c', '0'], /--concurrency: "0" must be a whole number from 1/],
  [['load', '-c', '-5'], /--concurrency: "-5" must be a whole number from 1/],
  [['load', '-n', '1.5'], /--requests: "1.5" must be a whole number/],
  [['load', '--rate', 'abc', '-d', '1s'], /--rate: "abc" must be a positive number/],
  [['load', '--rate', 'Infinity', '-d', '1s'], /--rate: "Infinity" must be a positive number/],
  [['load', '--rate', '5'], /--rate needs --duration/],
  [['load', '-t', 'p99(total)<2'], /--threshold "p99\(total\)<2": total is a duration: give a unit/],
  [['load', '-t', 'rate(early-404)<0.1'], /a rate needs a percentage/],
  [['load', '-t', 'nonsense'], /expected FUNCTION\(NAME\) OP VALUE/],
  [['load', '-t', 'p99(total)<2sec'], /"2sec" is not a number, a percentage or a duration/],
  [['load', '--shard', '5/4'], /--shard "5\/4": i must be from 1 to 4/],
  [['load', '--grace', 'soon'], /--grace: "soon" is not a duration/],
  [['load', '--keep-worst', '-1'], /--keep-worst: "-1" must be a whole number from 0 to 100/],
  [['load', '--html', '/nonexistent/x.html'], /--html: .* cannot be created/],
  [['load', '--out', same, '--html', same], /--out and --html both name/],
  [['load', '--url', 'http://127.0.0.1:9', '--scenario', 'healthy'], /--scenario configures the embedded server; it cannot be used with --url/],
  // reproduce
  [['reproduce', '--persist-delay', '2'], /--persist-delay: bad delay distribution "2"/],
  [['reproduce', '--sweep', ','], /--sweep: give comma-separated durations/],
  [['reproduce', '--sweep', '1s,x'], /--sweep: "x" is not a duration/],
  [['reproduce', '-n', '0'], /--requests: "0" must be a whole number from 1/],
  // report: damaged, newer, truncated files; formats; outputs
  [['report', damaged], /"[^"]*damaged.json" is a damaged verify result: \$\.tool: missing/],
  [['report', newer], /was written by a newer ssedoctor \(schema ssedoctor\.load\/v2\); this version reads ssedoctor\.load\/v1/],
  [['report', truncated], /is not valid JSON/],
  [['report', '/nonexistent/r.json'], /cannot read "\/nonexistent\/r.json" \(ENOENT\)/],
  [['report', damaged, '--format', 'pdf'], /argument 'pdf' is invalid/],
  [['report', damaged, '--out', '/nonexistent/x.md'], /--out: .* cannot be created/],
  // serve: ports, distributions, intervals, sizes, files
  [['serve', '--port', '70000'], /--port: "70000" must be a whole number from 0 to 65535/],
  [['serve', '--port', '-1'], /--port: "-1" must be a whole number from 0 to 65535/],
  [['serve', '--persist-delay', 'lognormal(1s,-1)'], /--persist-delay: bad delay distribution/],
  [['serve', '--ping-interval', '0s'], /--ping-interval: "0s" must be longer than 0/],
  [['serve', '--body-limit', '0'], /--body-limit: "0" must be larger than 0/],
  [['serve', '--log-file', '/nonexistent/s.log'], /--log-file: .* cannot be created/],
  [['serve', '--scenario', 'nope'], /--scenario: unknown scenario "nope"/],
];

describe.concurrent('bad input → one line, exit 2, before any work', () => {
  it.each(CASES)('%j', async (args, message) => {
    const r = await ssedoctor(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error|^\s+at /m); // no stack trace
    expect(r.stderr).not.toContain('started the embedded'); // nothing started
    expect(r.stdout).toBe('');
    // One line (commander adds its usage hint; config files list their problems below the line).
    const lines = r.stderr.trim().split('\n').filter((l) => !/^\(run with --help|^hint: |^ {2}- /.test(l));
    expect(lines, r.stderr).toHaveLength(1);
  });
});

it('a bad --url never echoes its secrets', async () => {
  const r = await ssedoctor(['verify', '--url', 'http://alice:pa55word@:99999/?token=t0ken']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/--url: ".*\[redacted\]@/);
  expect(r.stderr).not.toMatch(/alice|pa55word|t0ken/);
});
