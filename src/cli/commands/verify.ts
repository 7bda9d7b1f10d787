/** `ssedoctor verify`: one diagnosed enqueue → stream run; with `--compare`, one per path. */
import { comparePaths } from '../../classify/compare.js';
import { diagnose, type Diagnosis } from '../../classify/diagnose.js';
import type { Transcript } from '../../model.js';
import type { ProbeOptions } from '../../probe/options.js';
import { redactUrl } from '../../probe/redact.js';
import { runProbe } from '../../probe/run-probe.js';
import { compareText } from '../../report/compare-text.js';
import { chalkFor } from '../../report/format.js';
import { verifyDocument, type VerifyDocumentShape, type VerifyTarget } from '../../report/verify-json.js';
import { verifyText } from '../../report/verify-text.js';
import { startReferenceServer, type ReferenceServer } from '../../server/index.js';
import type { CliContext } from '../context.js';
import { liveEnabled, livePrinter } from '../live.js';
import { parseBaseUrl } from '../options.js';
import { probeOptionsFromFlags, type ProbeFlags } from '../probe-flags.js';
import { resolveScenarioName } from '../scenario.js';
import { publishVerify } from '../ci-outputs.js';
import { writeFileAtomic } from '../write-file.js';

export interface VerifyFlags extends ProbeFlags {
  url?: string;
  scenario?: string;
  compare?: string;
  live?: boolean;
  verbose?: boolean;
  json?: boolean;
  transcript?: boolean;
  out?: string;
  junit?: string;
}

/** One path's run, diagnosed. */
interface PathRun {
  target: VerifyTarget;
  transcript: Transcript;
  diagnosis: Diagnosis;
  doc: VerifyDocumentShape;
}

export async function verifyCommand(flags: VerifyFlags, ctx: CliContext): Promise<number> {
  // Proxies only for a target the user named: the embedded server is on loopback, never behind one.
  const probe = probeOptionsFromFlags(flags, { encodingCheck: true, env: flags.url !== undefined ? ctx.env : {}, warn: (l) => ctx.stderr.write(l) });
  const scenario = resolveScenarioName(flags, 'healthy');
  const baseUrl = flags.url !== undefined ? parseBaseUrl(flags.url) : undefined;
  const compareUrl = flags.compare !== undefined ? parseBaseUrl(flags.compare, '--compare') : undefined;
  // --verbose asks for the live lines' details, so it turns them on unless --no-live says otherwise.
  const live = liveEnabled(flags.live ?? (flags.verbose ? true : undefined), ctx.stderr, ctx.env);
  const errChalk = chalkFor(ctx.stderr, ctx.env);
  const printer = (label?: string): ProbeOptions['onStep'] =>
    live ? livePrinter(ctx.stderr, { chalk: errChalk, verbose: Boolean(flags.verbose), ...(label ? { label } : {}) }) : undefined;

  let server: ReferenceServer | undefined;
  if (!baseUrl) {
    server = await startReferenceServer({ scenario, log: { level: 'off', format: 'text' } });
    ctx.stderr.write(`ssedoctor: started the embedded reference server (scenario ${scenario}) at ${server.url}\n`);
  }
  const urlA = server ? server.url : baseUrl!;
  // Reports show the URL without its secrets (and without redactUrl's added root slash); the requests use it as given.
  const shown = (url: string): string => redactUrl(url).replace(/\/$/, '');
  const targetA: VerifyTarget = server ? { baseUrl: shown(server.url), embeddedScenario: scenario } : { baseUrl: shown(urlA) };
  const one = async (url: string, target: VerifyTarget, label?: string): Promise<PathRun> => {
    const onStep = printer(label);
    const transcript = await runProbe({ ...probe, baseUrl: url, signal: ctx.signal, ...(onStep ? { onStep } : {}) });
    const diagnosis = diagnose(transcript);
    return { target, transcript, diagnosis, doc: verifyDocument(target, diagnosis, transcript, ctx.version) };
  };

  let a: PathRun;
  let b: PathRun | undefined;
  try {
    if (compareUrl && live) ctx.stderr.write(errChalk.bold(`path a: ${targetA.baseUrl}\n`));
    a = await one(urlA, targetA, compareUrl ? 'a ' : undefined);
    if (compareUrl && !ctx.signal.aborted) {
      // One after the other, never at once: the two runs must not compete for the server.
      if (live) ctx.stderr.write(errChalk.bold(`path b: ${shown(compareUrl)}\n`));
      b = await one(compareUrl, { baseUrl: shown(compareUrl) }, 'b ');
    }
  } finally {
    await server?.close();
  }

  const differences = b ? comparePaths(a.transcript, b.transcript) : undefined;
  const doc = b && differences ? { ...a.doc, compare: { a: a.doc, b: b.doc, differences } } : a.doc;
  if (flags.out) writeFileAtomic(flags.out, `${JSON.stringify(doc, null, 2)}\n`);
  const plain = verifyText(a.target, a.diagnosis, a.transcript, { chalk: chalkFor({}, {}), transcript: true });
  publishVerify(a.doc, plain, ctx, flags.junit);
  if (flags.json) {
    ctx.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    const c = chalkFor(ctx.stdout, ctx.env);
    ctx.stdout.write(verifyText(a.target, a.diagnosis, a.transcript, { chalk: c, transcript: flags.transcript }));
    if (b && differences) {
      ctx.stdout.write(`\n${verifyText(b.target, b.diagnosis, b.transcript, { chalk: c, transcript: flags.transcript })}`);
      const headline = (r: PathRun) => ({ baseUrl: r.target.baseUrl, outcome: r.diagnosis.outcome.code, ok: r.diagnosis.outcome.severity === 'ok', summary: r.diagnosis.outcome.summary });
      ctx.stdout.write(compareText({ a: headline(a), b: headline(b) }, differences, c));
    }
  }
  // The worse of the two: interrupted (130) over unreachable (3) over unhealthy (1) over healthy (0).
  return Math.max(a.diagnosis.outcome.exitCode, b?.diagnosis.outcome.exitCode ?? 0);
}
