/**
 * `ssedoctor logs FILE`: the backend's own view of its streams, from its log lines, read one
 * line at a time (memory grows with connections, not lines); optionally joined with client results.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { EXIT, usageError } from '../../errors.js';
import { chalkFor } from '../../report/format.js';
import { logsText } from '../../report/logs-text.js';
import { clientRunsFromText, joinViews } from '../../serverlog/join.js';
import { logsReport } from '../../serverlog/logs-report.js';
import { parseLogLine } from '../../serverlog/parse-line.js';
import { StreamLog } from '../../serverlog/streams.js';
import type { CliContext } from '../context.js';
import { parseMissRate } from '../miss-rate.js';
import { writeFileAtomic } from '../write-file.js';

export interface LogsFlags {
  join?: string;
  targetMissRate: string;
  json?: boolean;
  out?: string;
}

const unreadable = (path: string, err: unknown) =>
  usageError('unreadable-file', `cannot read "${path}" (${(err as { code?: string }).code ?? (err as Error).message ?? 'error'})`);

/** Feeds every line of `input` to a StreamLog. */
async function readLog(input: Readable, path: string): Promise<StreamLog> {
  const log = new StreamLog();
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      log.add(parseLogLine(line), lineNo);
    }
  } catch (err) {
    throw unreadable(path, err);
  }
  return log;
}

export async function logsCommand(file: string, flags: LogsFlags, ctx: CliContext): Promise<number> {
  const targetMissRate = parseMissRate(flags.targetMissRate);
  let joinText: string | undefined;
  if (flags.join) {
    try {
      joinText = readFileSync(flags.join, 'utf8');
    } catch (err) {
      throw unreadable(flags.join, err);
    }
  }
  const input = file === '-' ? process.stdin : createReadStream(file);
  const log = await readLog(input, file === '-' ? 'stdin' : file);
  const doc = logsReport(log, { source: file === '-' ? 'stdin' : file, version: ctx.version, targetMissRate });
  if (joinText !== undefined && flags.join) {
    const { runs, unusable } = clientRunsFromText(joinText);
    if (runs.length === 0) {
      throw usageError('nothing-to-join', `--join: "${flags.join}" has no client run with a decision-set id (use load --ndjson output or verify --out documents)`);
    }
    doc.join = { source: flags.join, unusable, ...joinViews(log.connections, runs) };
  }
  if (flags.out) writeFileAtomic(flags.out, `${JSON.stringify(doc)}\n`);
  if (flags.json) ctx.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else ctx.stdout.write(logsText(doc, chalkFor(ctx.stdout, ctx.env)));
  return EXIT.ok;
}
