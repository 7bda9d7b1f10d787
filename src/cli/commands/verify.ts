/** `ssedoctor verify`: one diagnosed enqueue → stream run. */
import { diagnose } from '../../classify/diagnose.js';
import { runProbe } from '../../probe/run-probe.js';
import { chalkFor } from '../../report/format.js';
import { verifyDocument, type VerifyTarget } from '../../report/verify-json.js';
import { verifyText } from '../../report/verify-text.js';
import { startReferenceServer, type ReferenceServer } from '../../server/index.js';
import type { CliContext } from '../context.js';
import { parseBaseUrl } from '../options.js';
import { probeOptionsFromFlags, type ProbeFlags } from '../probe-flags.js';
import { resolveScenarioName } from '../scenario.js';
import { publishVerify } from '../ci-outputs.js';
import { writeFileAtomic } from '../write-file.js';

export interface VerifyFlags extends ProbeFlags {
  url?: string;
  scenario?: string;
  json?: boolean;
  transcript?: boolean;
  out?: string;
  junit?: string;
}

export async function verifyCommand(flags: VerifyFlags, ctx: CliContext): Promise<number> {
  const probe = probeOptionsFromFlags(flags);
  const scenario = resolveScenarioName(flags, 'healthy');
  const baseUrl = flags.url !== undefined ? parseBaseUrl(flags.url) : undefined;

  let server: ReferenceServer | undefined;
  if (!baseUrl) {
    server = await startReferenceServer({ scenario, log: { level: 'off', format: 'text' } });
    ctx.stderr.write(`ssedoctor: started the embedded reference server (scenario ${scenario}) at ${server.url}\n`);
  }
  const target: VerifyTarget = server ? { baseUrl: server.url, embeddedScenario: scenario } : { baseUrl: baseUrl! };
  const transcript = await runProbe({ ...probe, baseUrl: target.baseUrl, signal: ctx.signal }).finally(() => server?.close());

  const diagnosis = diagnose(transcript);
  const doc = verifyDocument(target, diagnosis, transcript, ctx.version);
  if (flags.out) writeFileAtomic(flags.out, `${JSON.stringify(doc, null, 2)}\n`);
  const plain = verifyText(target, diagnosis, transcript, { chalk: chalkFor({}, {}), transcript: true });
  publishVerify(doc, plain, ctx, flags.junit);
  if (flags.json) ctx.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else ctx.stdout.write(verifyText(target, diagnosis, transcript, { chalk: chalkFor(ctx.stdout, ctx.env), transcript: flags.transcript }));
  return diagnosis.outcome.exitCode;
}
