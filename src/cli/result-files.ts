/**
 * Reading saved results back (`report`): a JSON document, or NDJSON whose summary line is the
 * document. Each is checked before use: the schema name and version first (a newer version is
 * named as such), then its structure against the published schema, then that its encoded
 * histograms decode. Every problem is one line and exit 2, never an internal error.
 */
import { readFileSync } from 'node:fs';
import { usageError } from '../errors.js';
import { LoadMetrics } from '../load/metrics.js';
import type { LoadSummary } from '../load/summary.js';
import { redactUrl } from '../probe/redact.js';
import type { ReproduceDocument } from '../report/reproduce-text.js';
import type { VerifyDocumentShape } from '../report/verify-json.js';
import { schemaProblems, type JsonSchema } from './json-schema.js';
import { LOAD_V1, REPRODUCE_V1, VERIFY_V1 } from './result-schemas.js';

export type Saved =
  | { kind: 'load'; doc: LoadSummary }
  | { kind: 'verify'; doc: VerifyDocumentShape }
  | { kind: 'reproduce'; doc: ReproduceDocument };

/** The result kinds this version reads, with the one schema version it knows. */
const KNOWN: Record<Saved['kind'], { version: number; schema: JsonSchema }> = {
  verify: { version: 1, schema: VERIFY_V1 },
  load: { version: 1, schema: LOAD_V1 },
  reproduce: { version: 1, schema: REPRODUCE_V1 },
};

const WRITTEN_BY = 'written by verify --out, load --out or --ndjson, reproduce --out';

/** Parses the text of a result file: one JSON document, or NDJSON ending in a summary line. */
function parseText(path: string, text: string): { schema?: unknown } {
  try {
    const doc = JSON.parse(text) as unknown;
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) return doc as { schema?: unknown };
    throw usageError('not-a-result', `"${path}" holds JSON but not a result object (${WRITTEN_BY})`);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const parsed = lines.map((l) => {
    try {
      return JSON.parse(l) as { type?: unknown; schema?: unknown };
    } catch {
      return undefined;
    }
  });
  if (lines.length > 1 && parsed.some((l) => l !== undefined)) {
    const summary = parsed.findLast((l) => l?.type === 'summary');
    if (summary) return summary;
    const runs = parsed.filter((l) => l?.type === 'run').length;
    throw usageError('no-summary', `"${path}" has ${runs} NDJSON run line${runs === 1 ? '' : 's'} but no summary line: the run was cut off before it finished`);
  }
  throw usageError('bad-json', `"${path}" is not valid JSON (truncated or damaged?)`);
}

/** Reads and checks one saved result; throws a one-line usage error naming the file and the problem. */
export function readSaved(path: string): Saved {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError('unreadable-file', `cannot read "${path}" (${(err as { code?: string }).code ?? 'error'})`);
  }
  const doc = parseText(path, text);
  const m = typeof doc.schema === 'string' ? /^ssedoctor\.(verify|load|reproduce)\/v(\d+)$/.exec(doc.schema) : null;
  if (!m) {
    const named = typeof doc.schema === 'string' ? ` (schema "${doc.schema.slice(0, 60)}")` : '';
    throw usageError('not-a-result', `"${path}" is not an ssedoctor result${named} (${WRITTEN_BY})`);
  }
  const kind = m[1] as Saved['kind'];
  const version = Number(m[2]);
  const known = KNOWN[kind];
  if (version !== known.version) {
    const reads = `ssedoctor.${kind}/v${known.version}`;
    throw usageError(
      'schema-version',
      version > known.version
        ? `"${path}" was written by a newer ssedoctor (schema ${doc.schema as string}); this version reads ${reads}`
        : `"${path}" has schema ${doc.schema as string}, which this version does not read (it reads ${reads})`,
      'upgrade ssedoctor (npm install ssedoctor@latest) to read it',
    );
  }
  const problems = schemaProblems(doc, known.schema);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw usageError('damaged-result', `"${path}" is a damaged ${kind} result: ${problems[0]}${more}`);
  }
  const summaries = kind === 'load' ? [doc as LoadSummary] : kind === 'reproduce' ? reproduceSummaries(doc as ReproduceDocument) : [];
  for (const s of summaries) checkHistograms(path, s);
  // Files written before redaction was on everywhere may hold a secret in the URL: re-renders do not.
  for (const s of [doc as { target?: { baseUrl?: unknown } }, ...summaries]) {
    if (typeof s.target?.baseUrl === 'string') s.target.baseUrl = redactUrl(s.target.baseUrl);
  }
  return { kind, doc } as Saved;
}

function reproduceSummaries(doc: ReproduceDocument): LoadSummary[] {
  return [...doc.strategies.map((s) => s.summary), ...doc.sweep.map((s) => s.summary)];
}

/** The encoded histograms must decode and agree with the counts, or merging would be wrong. */
function checkHistograms(path: string, s: LoadSummary): void {
  try {
    const m = new LoadMetrics();
    m.merge(s.encoded);
    if (m.runs !== s.runs) throw new Error(`the outcome counts add up to ${m.runs}, the file says ${s.runs} runs`);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 120) : String(err);
    throw usageError('damaged-result', `"${path}" is a damaged load result: its encoded histograms do not decode (${why})`);
  }
}
