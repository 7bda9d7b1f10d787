/**
 * Real peers nobody here wrote, for tests: the FastAPI origin app (`test/peers/origin_app.py`) under
 * Debian's uvicorn, and Debian's nginx in front of it with one of the classic SSE configurations
 * (`test/peers/nginx/*.conf`). Both run as foreground child processes on free loopback ports, with
 * every file they write inside a temporary directory, and stop on `close()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { ssedoctor } from './cli.js';

/** Debian's interpreter: python3-fastapi and python3-uvicorn live there, not in a pyenv `python3`. */
export const PYTHON = process.env.PEERS_PYTHON ?? '/usr/bin/python3';
export const NGINX = process.env.PEERS_NGINX ?? '/usr/sbin/nginx';
const PEERS_DIR = new URL('../peers/', import.meta.url).pathname;

/** A running peer process. */
export interface Peer {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Everything the process wrote to stderr so far (uvicorn's and the app's logs; nginx's errors). */
  stderr(): string;
  close(): Promise<void>;
}

/** Which peer programs a test file needs. */
export type PeerProgram = 'nginx' | 'uvicorn';

/** What is missing of `needs`, or undefined when every one can run. */
export function missingPeers(needs: PeerProgram[] = ['nginx', 'uvicorn']): string | undefined {
  const missing: string[] = [];
  if (needs.includes('nginx') && !existsSync(NGINX)) missing.push(`no nginx at ${NGINX} (apt-get install nginx)`);
  if (needs.includes('uvicorn') && !existsSync(PYTHON)) missing.push(`no ${PYTHON}`);
  else if (needs.includes('uvicorn')) {
    const probe = spawnSync(PYTHON, ['-c', 'import fastapi, uvicorn'], { stdio: 'ignore', timeout: 20_000 });
    if (probe.status !== 0) missing.push(`${PYTHON} cannot import fastapi and uvicorn (apt-get install python3-fastapi python3-uvicorn)`);
  }
  return missing.length > 0 ? missing.join('; ') : undefined;
}

/** A free loopback TCP port (closed again at once; the peer binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Peer processes still running: killed if the test worker exits without closing them (a crash, a timeout). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The environment without the app's knobs, so a developer's exported STREAM_DECISION_SET_MAX_WAIT cannot leak in. */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(PEER_|STREAM_DECISION_SET_)/.test(name)));
}

/** Starts `cmd`, keeps its stderr, and waits until `ready()` answers true (polled every 50 ms). */
async function startProcess(
  name: string,
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> },
  port: number,
  ready: () => Promise<boolean>,
  cleanup: () => void = () => undefined,
): Promise<Peer> {
  const child: ChildProcess = spawn(cmd, args, { cwd: options.cwd, env: { ...inheritedEnv(), ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.on('exit', () => live.delete(child));
  let stderr = '';
  child.stdout?.on('data', (c) => (stderr += c));
  child.stderr?.on('data', (c) => (stderr += c));
  let exited: number | string | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = code ?? signal;
      resolve();
    }),
  );
  const close = async (): Promise<void> => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(killer);
    }
    cleanup();
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited !== undefined) {
      cleanup();
      throw new Error(`${name} exited (${exited}) before it answered:\n${stderr}`);
    }
    if (await ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`${name} did not answer within 20 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, port, stderr: () => stderr, close };
}

async function answers(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.status === 200;
}

/**
 * Knobs of the origin app (see the header of `test/peers/origin_app.py`): `PEER_*` and the origin's own
 * `STREAM_DECISION_SET_RETRY_DELAY` / `STREAM_DECISION_SET_MAX_WAIT`, as strings.
 */
export type OriginKnobs = Partial<
  Record<
    | 'STREAM_DECISION_SET_RETRY_DELAY'
    | 'STREAM_DECISION_SET_MAX_WAIT'
    | 'PEER_PERSIST_DELAY'
    | 'PEER_WORKER_DELAY'
    | 'PEER_NODES'
    | 'PEER_NODE_DURATION'
    | 'PEER_HOLD_HEAD'
    | 'PEER_ACCEL_HEADER'
    | 'PEER_PING_INTERVAL'
    | 'PEER_HEARTBEAT_INTERVAL'
    | 'PEER_STALL_AFTER'
    | 'PEER_END_AFTER_COMPLETE'
    | 'PEER_GZIP',
    string
  >
>;

/**
 * Runs `start` on a free port, again on another one (up to 3 tries) when the port was taken between
 * `freePort()` and the peer's bind — other tests pick ports the same way at the same time.
 */
async function onFreePort(start: (port: number) => Promise<Peer>): Promise<Peer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      if (attempt >= 3 || !/address already in use|errno 98/i.test(String(err))) throw err;
    }
  }
}

/** Starts the FastAPI origin app under uvicorn on a free port; resolves once `GET /` answers 200. */
export function startUvicorn(knobs: OriginKnobs = {}): Promise<Peer> {
  return onFreePort((port) => startProcess(
    'uvicorn',
    PYTHON,
    ['-m', 'uvicorn', 'origin_app:app', '--host', '127.0.0.1', '--port', String(port), '--no-access-log'],
    { cwd: PEERS_DIR, env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', ...knobs } },
    port,
    () => answers(`http://127.0.0.1:${port}/`),
  ));
}

/**
 * nginx configurations in `test/peers/nginx/` (each one `location /` block):
 * - `sane`: `proxy_buffering off`, HTTP/1.1 upstream;
 * - `buffering-ignored`: buffering on with `proxy_ignore_headers X-Accel-Buffering` (HTTP/1.0 upstream);
 * - `buffering-http11`: the same with `proxy_http_version 1.1`;
 * - `gzip`: `gzip on; gzip_types text/event-stream;`, otherwise nginx's defaults;
 * - `short-read-timeout`: the sane block with `proxy_read_timeout 2s`;
 * - `default`: nothing set (buffering on, X-Accel-Buffering honoured).
 */
export type NginxConfig = 'sane' | 'buffering-ignored' | 'buffering-http11' | 'gzip' | 'short-read-timeout' | 'default' | 'proxy-auth-407';

/**
 * Starts Debian's nginx in the foreground (`-p <tmpdir> -c <conf> -g 'daemon off;'`), proxying to
 * `upstream` (a base URL); pid, logs and temp paths stay in the temporary directory. Resolves once
 * nginx answers `GET /` through to the upstream.
 */
export function startNginx(config: NginxConfig, upstream: string): Promise<Peer> {
  return onFreePort((port) => startNginxOn(config, upstream, port));
}

async function startNginxOn(config: NginxConfig, upstream: string, port: number): Promise<Peer> {
  const prefix = mkdtempSync(join(tmpdir(), 'ssedoctor-nginx-'));
  // As root, nginx's workers run as `nobody`: they must be able to reach the prefix and write temp files.
  chmodSync(prefix, 0o755);
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(prefix, dir));
    chmodSync(join(prefix, dir), 0o777);
  }
  const location = readFileSync(join(PEERS_DIR, 'nginx', `${config}.conf`), 'utf8');
  const conf = readFileSync(join(PEERS_DIR, 'nginx', 'base.conf.template'), 'utf8')
    .replaceAll('{{PREFIX}}', prefix)
    .replaceAll('{{PORT}}', String(port))
    .replaceAll('{{UPSTREAM}}', new URL(upstream).host)
    .replace('{{LOCATION}}', location);
  const confPath = join(prefix, 'nginx.conf');
  writeFileSync(confPath, conf);
  const peer = await startProcess(
    'nginx',
    NGINX,
    ['-p', prefix, '-c', confPath, '-e', 'stderr', '-g', 'daemon off;'],
    {},
    port,
    () => answers(`http://127.0.0.1:${port}/`),
    () => rmSync(prefix, { recursive: true, force: true }),
  );
  const errorLog = join(prefix, 'error.log');
  return {
    ...peer,
    // nginx writes its errors (e.g. "upstream timed out") to the log file, not to stderr.
    stderr: () => peer.stderr() + (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''),
  };
}

/**
 * Decides whether a peers test file runs. With nginx and uvicorn present: true. Without them, in CI
 * (`CI` or `SSEDOCTOR_REQUIRE_PEERS` set; `.ci/run` sets the latter) the file gets one failing test,
 * because CI must not pass silently; elsewhere it skips with a loud warning. Call at the top level of
 * a test file.
 */
export function peersAvailable(file: string, needs: PeerProgram[] = ['nginx', 'uvicorn']): boolean {
  const missing = missingPeers(needs);
  if (missing === undefined) return true;
  if (process.env.CI || process.env.SSEDOCTOR_REQUIRE_PEERS) {
    it(`${needs.join(' and ')} installed (CI must run the peers tests)`, () => {
      throw new Error(`${file}: ${missing}; .ci/run installs them`);
    });
  } else {
    console.warn(`${file}: SKIPPED, ${missing}`);
  }
  return false;
}

/** The parts of a verify `--json` document these tests read (the full document has more). */
export interface VerifyDoc {
  outcome: string;
  summary: string;
  detail: string;
  hint: string | null;
  timings: Record<string, number | null | undefined>;
  findings: { code: string; message: string; evidence?: Record<string, unknown>; layer?: string }[];
  transcript: {
    attempts: { status?: number; headers?: Record<string, string>; headersMs?: number; requestedMs: number; firstByteMs?: number; lastByteMs?: number; endMs?: number; end?: string; acceptEncoding?: string; counts: Record<string, number> }[];
    encodingCheck?: { acceptEncoding: string; transcript: { attempts: { counts: Record<string, number>; headers?: Record<string, string> }[] } };
  };
  [key: string]: unknown;
}

/** One verify run against a peer stack: the JSON document and the text report of that one run, the exit code, stderr and the peers' logs. */
export interface PeerRun {
  doc: VerifyDoc;
  /** The text report verify printed on stdout. */
  text: string;
  code: number | null;
  stderr: string;
  logs: string;
}

/**
 * Starts the origin app with `knobs` (and nginx with `nginx` in front of it, when given), runs
 * `ssedoctor verify --url <front> --out <file> --attempts 0 …args` (the text report on stdout, the
 * JSON document in the file, from one run), stops both, and returns the run. Throws with the CLI's
 * and the peers' output when the document cannot be read. With `mode: 'compare'`, verify runs against
 * the app directly and `--compare`s the path through nginx.
 */
export async function verifyPeers(knobs: OriginKnobs, nginx: NginxConfig | undefined, args: string[] = [], mode: 'front' | 'compare' = 'front'): Promise<PeerRun> {
  const app = await startUvicorn(knobs);
  let proxy: Peer | undefined;
  try {
    proxy = nginx ? await startNginx(nginx, app.url) : undefined;
    const out = join(mkdtempSync(join(tmpdir(), 'ssedoctor-peers-')), 'verify.json');
    const target = mode === 'compare' && proxy ? ['--url', app.url, '--compare', proxy.url] : ['--url', (proxy ?? app).url];
    const r = await ssedoctor(['verify', ...target, '--out', out, '--attempts', '0', ...args], { NO_COLOR: '1' });
    const logs = `--- uvicorn ---\n${app.stderr()}${proxy ? `--- nginx ---\n${proxy.stderr()}` : ''}`;
    try {
      const doc = JSON.parse(readFileSync(out, 'utf8')) as VerifyDoc;
      return { doc, text: r.stdout, code: r.code, stderr: r.stderr, logs };
    } catch {
      throw new Error(`verify wrote no JSON document (exit ${r.code})\nstdout: ${r.stdout}\nstderr: ${r.stderr}\n${logs}`);
    } finally {
      rmSync(out, { force: true });
    }
  } finally {
    await proxy?.close();
    await app.close();
  }
}

/** A compact account of a run for assertion messages: outcome, timings, findings, and the peers' logs. */
export function explain(run: PeerRun): string {
  const { doc } = run;
  const findings = doc.findings.map((f) => `  ${f.code}${f.layer ? ` [${f.layer}]` : ''}: ${f.message} ${JSON.stringify(f.evidence ?? {})}`);
  return [`outcome ${doc.outcome}: ${doc.summary}`, `detail: ${doc.detail}`, `hint: ${doc.hint}`, `timings: ${JSON.stringify(doc.timings)}`, 'findings:', ...findings, '--- report ---', run.text, run.logs].join('\n');
}

/**
 * The sentences of a run (summary, detail, hint, finding messages, and every line of the text report)
 * that speak of buffering or of a proxy. Negations such as "no proxy" or "without buffering", and the
 * X-Accel-Buffering header's name quoted as evidence, do not count: they claim nothing.
 */
export function buffersOrProxies(run: PeerRun, words = /buffer|proxy|proxies/i): string[] {
  const { doc } = run;
  const texts = [doc.summary, doc.detail, doc.hint ?? '', ...doc.findings.map((f) => `${f.code}: ${f.message}`), ...run.text.split('\n')];
  // A header's name quoted as evidence (xAccelBuffering=no, X-Accel-Buffering) states a fact, not a cause.
  const facts = /x-?accel-?buffering/gi;
  const negations = /\b(no|not a|without|not by a|no sign of a?)\s+(buffering\s+)?(proxy|proxies|buffering)\b/gi;
  return texts.filter((t) => words.test(t.replace(facts, '').replace(negations, '')));
}

/** One `ssedoctor load --json` run against the origin app alone: the document, the exit code, stderr and the app's log. */
export async function loadPeers(knobs: OriginKnobs, args: string[]): Promise<{ doc: Record<string, unknown> & { metrics: Record<string, Record<string, number>> }; code: number | null; explain: string }> {
  const app = await startUvicorn(knobs);
  try {
    const r = await ssedoctor(['load', '--url', app.url, '--json', '--no-progress', ...args], { NO_COLOR: '1' });
    const explain = `exit ${r.code}\nstdout: ${r.stdout.slice(0, 4000)}\nstderr: ${r.stderr}\n--- uvicorn ---\n${app.stderr()}`;
    try {
      return { doc: JSON.parse(r.stdout), code: r.code, explain };
    } catch {
      throw new Error(`load printed no JSON\n${explain}`);
    }
  } finally {
    await app.close();
  }
}
