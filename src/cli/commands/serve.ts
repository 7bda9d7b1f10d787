/** `ssedoctor serve`: the reference server in the foreground until SIGINT/SIGTERM. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { usageError } from '../../errors.js';
import {
  parseDistribution,
  SCENARIOS,
  startReferenceServer,
  type LookupStrategy,
  type ServerOverrides,
} from '../../server/index.js';
import type { CliContext } from '../context.js';
import { parseDuration, parseInteger, parseSize } from '../options.js';

export interface ServeFlags {
  port: string;
  host: string;
  scenario: string;
  listScenarios?: boolean;
  lookup?: LookupStrategy;
  retryDelay?: string;
  maxWait?: string;
  fixedRetries?: string;
  persistDelay?: string;
  workerDelay?: string;
  nodeDuration?: string;
  pingInterval?: string;
  heartbeatInterval?: string;
  worker: boolean;
  errorNode?: string;
  closeAfter?: string;
  closeAbruptly?: boolean;
  stallAfter?: string;
  contentType?: string;
  holdHeaders?: boolean;
  compress?: boolean;
  endOnComplete?: boolean;
  seed?: string;
  bodyLimit: string;
  logLevel: 'debug' | 'info' | 'warning' | 'off';
  logFormat: 'text' | 'json';
  logFile?: string;
  exitWithStdin?: boolean;
}

export async function serveCommand(flags: ServeFlags, ctx: CliContext): Promise<number> {
  if (flags.listScenarios) {
    for (const s of SCENARIOS) ctx.stdout.write(`${s.name.padEnd(18)} ${s.description}\n`);
    return 0;
  }
  const overrides = serverOverrides(flags);
  const logStream = flags.logFile ? createWriteStream(flags.logFile, { flags: 'a' }) : ctx.stderr;
  let server;
  try {
    server = await startReferenceServer({
      ...overrides,
      scenario: flags.scenario,
      env: ctx.env,
      log: { level: flags.logLevel, format: flags.logFormat, stream: logStream },
    });
  } catch (err) {
    throw startError(err, flags);
  }
  const o = server.options;
  ctx.stdout.write(`${server.url}\n`);
  if (!isLoopback(o.host)) {
    ctx.stderr.write(`ssedoctor: warning: listening on ${o.host}, reachable from other machines; the reference server has no authentication\n`);
  }
  ctx.stderr.write(
    `ssedoctor reference server listening on ${server.url} (scenario ${flags.scenario}, lookup ${o.lookup}, ` +
      `retry delay ${o.retryDelayMs} ms, max wait ${o.maxWaitMs} ms, persistence ${o.persistDelay.spec}); Ctrl-C stops it\n`,
  );
  const parentGone = flags.exitWithStdin ? stdinClosed() : new Promise<never>(() => undefined);
  if (ctx.signal.aborted === false) await Promise.race([once(ctx.signal, 'abort'), parentGone]);
  await server.close();
  // A resumed stdin would hold the event loop open after the server has gone.
  if (flags.exitWithStdin) process.stdin.destroy();
  if (logStream !== ctx.stderr) logStream.end();
  ctx.stderr.write('ssedoctor: reference server stopped\n');
  return 0;
}

/** Resolves when stdin ends or errors: the parent that holds its other end has gone. */
function stdinClosed(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.on('data', () => undefined);
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
    process.stdin.once('error', () => resolve());
    process.stdin.resume();
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function serverOverrides(f: ServeFlags): ServerOverrides {
  const duration = (v: string | undefined, flag: string): number | undefined => (v === undefined ? undefined : parseDuration(v, flag));
  const int = (v: string | undefined, flag: string, min = 0): number | undefined =>
    v === undefined ? undefined : parseInteger(v, flag, min);
  const dist = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    try {
      return parseDistribution(v);
    } catch (err) {
      throw usageError('bad-distribution', `${flag}: ${(err as Error).message}`);
    }
  };
  return {
    port: f.port === undefined ? undefined : parseInteger(f.port, '--port', 0, 65535),
    host: f.host,
    lookup: f.lookup,
    retryDelayMs: duration(f.retryDelay, '--retry-delay'),
    maxWaitMs: duration(f.maxWait, '--max-wait'),
    fixedRetries: int(f.fixedRetries, '--fixed-retries'),
    persistDelay: dist(f.persistDelay, '--persist-delay'),
    workerDelay: dist(f.workerDelay, '--worker-delay'),
    nodeDuration: dist(f.nodeDuration, '--node-duration'),
    pingIntervalMs: duration(f.pingInterval, '--ping-interval'),
    heartbeatIntervalMs: duration(f.heartbeatInterval, '--heartbeat-interval'),
    endOnComplete: f.endOnComplete,
    seed: int(f.seed, '--seed'),
    bodyLimitBytes: parseSize(f.bodyLimit, '--body-limit'),
    faults: {
      noWorker: f.worker === false ? true : undefined,
      errorNode: f.errorNode,
      closeAfter: int(f.closeAfter, '--close-after', 1),
      closeAbruptly: f.closeAbruptly,
      stallAfter: int(f.stallAfter, '--stall-after'),
      contentType: f.contentType,
      holdHeaders: f.holdHeaders,
      compress: f.compress,
    },
  };
}

/** Turns start-up failures (bad env, unknown scenario, port in use) into one-line usage errors. */
function startError(err: unknown, flags: ServeFlags): Error {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') return usageError('port-in-use', `--port ${flags.port}: the port is already in use; pick another or use --port 0`);
  if (code === 'EACCES') return usageError('port-denied', `--port ${flags.port}: permission denied`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return usageError('bad-host', `--host ${flags.host}: no such local address`);
  if (err instanceof RangeError) return usageError('bad-config', err.message);
  return err as Error;
}
