/**
 * Live verify output: each probe step printed on stderr as it happens, with its time since T0,
 * like `curl -N`. Results stay on stdout. `-v` adds request and response heads, error bodies and
 * event payloads; every URL and header in a step is already redacted by the probe.
 */
import type { ChalkInstance } from 'chalk';
import type { ProbeStep } from '../probe/steps.js';

export interface LiveOptions {
  chalk: ChalkInstance;
  verbose: boolean;
  /** Prefix for every line, e.g. `a ` / `b ` when two paths are compared. */
  label?: string;
}

/**
 * Whether live output is on: `--live`/`--no-live` win; otherwise on when stderr is a terminal or
 * the run is in CI logs (`CI=true`, `GITHUB_ACTIONS=true`), where a step-by-step log is what
 * a reader needs when a job hangs.
 */
export function liveEnabled(flag: boolean | undefined, stderr: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  if (flag !== undefined) return flag;
  const ci = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
  return Boolean(stderr.isTTY) || ci(env.CI) || ci(env.GITHUB_ACTIONS);
}

/** Characters of a payload or body shown per line with -v; the rest is cut (the transcript has it). */
const PAYLOAD_CHARS = 400;
/** Response headers shown without -v: the few that explain a stream's timing. */
const KEY_HEADERS = ['content-type', 'content-encoding', 'transfer-encoding', 'content-length', 'x-accel-buffering', 'via', 'server', 'location'];

/** The lines (without newlines) one step prints; pure. */
export function liveLines(step: ProbeStep, opts: LiveOptions): string[] {
  const c = opts.chalk;
  const time = c.dim(`${stamp(step.atMs)}`);
  const tag = `${opts.label ?? ''}${step.run === 'identity-check' ? c.magenta('[identity] ') : ''}`;
  const line = (text: string): string => `${time} ${tag}${text}`;
  const heads = (h: Record<string, string>, arrow: string, only?: string[]): string[] =>
    Object.entries(h)
      .filter(([k]) => !only || only.includes(k))
      .map(([k, v]) => line(c.dim(`${arrow} ${k}: ${v}`)));
  switch (step.kind) {
    case 'enqueue-sent':
      return [line(`${c.cyan('→')} POST ${step.url}`), ...(opts.verbose ? heads(step.headers, '>') : [])];
    case 'enqueue-answered': {
      if (step.error) return [line(`${c.red('✖')} enqueue failed: ${step.error.code} ${c.dim(step.error.message)}`)];
      const what = step.id !== undefined ? `id ${step.id}` : (step.problem ?? 'no id');
      const out = [line(`${c.cyan('←')} ${step.status ?? '—'} enqueue answered: ${what}`)];
      if (opts.verbose) {
        out.push(...heads(step.headers ?? {}, '<'));
        if (step.body) out.push(line(c.dim(`< ${cut(step.body)}`)));
      }
      return out;
    }
    case 'stream-requested':
      return [
        line(`${c.cyan('→')} GET ${step.url} ${c.dim(`(attempt ${step.attempt}, Accept-Encoding: ${step.headers['accept-encoding'] ?? '—'})`)}`),
        ...(opts.verbose ? heads(step.headers, '>') : []),
      ];
    case 'redirect': {
      const stop = step.stop === 'loop' ? ' — a loop: not followed' : step.stop === 'limit' ? ' — too many redirects: not followed' : step.stop === 'no-location' ? ' — no usable Location' : '';
      return [line(`${c.yellow('↪')} ${step.status} redirect to ${step.location}${stop}`)];
    }
    case 'head': {
      const ok = step.status === 200;
      const status = ok ? c.green(String(step.status)) : c.red(String(step.status));
      // Only HTTP/2 is named: HTTP/1.1 is what a head is unless said otherwise.
      const h2 = step.protocol === 'h2' ? c.dim(' (h2)') : '';
      return [line(`${c.cyan('←')} ${status} response head${h2}`), ...heads(step.headers, '<', opts.verbose ? undefined : KEY_HEADERS)];
    }
    case 'first-byte':
      return [line(c.dim('first body byte'))];
    case 'record': {
      const r = step.record;
      if (r.kind === 'comment') return [line(c.dim(`: ${cut(r.data)}`))];
      const node = r.node ? ` node=${r.node}` : '';
      const head = `${c.bold(`event ${r.type}`)}${node} ${c.dim(`(read ${r.read})`)}`;
      return [line(head), ...(opts.verbose ? [line(c.dim(`  data: ${cut(r.data)}`))] : [])];
    }
    case 'end': {
      const why = step.error ? ` ${step.error.code}` : '';
      const out = [line(`${step.end === 'terminal' ? c.green('■') : c.yellow('■')} attempt ${step.attempt} ended: ${step.end}${why} ${c.dim(`(${step.reads} reads, ${step.bytes} bytes)`)}`)];
      if (step.body !== undefined && (opts.verbose || step.status === 404)) out.push(line(c.dim(`< ${cut(step.body)}`)));
      return out;
    }
    case 'encoding-check':
      return [line(c.magenta(`${step.reason}: checking with Accept-Encoding: identity on a new job`))];
  }
}

/** A step printer for `onStep`, writing to `out`. */
export function livePrinter(out: { write(s: string): unknown }, opts: LiveOptions): (step: ProbeStep) => void {
  return (step) => {
    out.write(`${liveLines(step, opts).join('\n')}\n`);
  };
}

/** `+   12.3 ms` / `+ 2345.6 ms`: fixed width so the steps line up. */
function stamp(msValue: number): string {
  return `+${msValue.toFixed(1).padStart(9)} ms`;
}

function cut(text: string): string {
  const one = text.replace(/\r?\n/g, '\\n');
  return one.length > PAYLOAD_CHARS ? `${one.slice(0, PAYLOAD_CHARS)}…` : one;
}
