/**
 * JUnit XML for CI systems: one testcase per verify run, or per threshold and per outcome class
 * of a load run. Failure messages carry the outcome's summary and hint from the outcome table.
 */
import { outcomeInfo, type OutcomeCode } from '../classify/outcomes.js';
import type { LoadSummary } from '../load/summary.js';
import type { VerifyDocumentShape } from './verify-json.js';

export interface JUnitCase {
  name: string;
  classname: string;
  /** Seconds. */
  time: number;
  failure?: { message: string; type: string; body: string };
  systemOut?: string;
}

/** Escapes text for XML content and attributes; drops characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Renders one test suite. */
export function junitXml(suite: string, cases: JUnitCase[]): string {
  const failures = cases.filter((c) => c.failure).length;
  const time = cases.reduce((t, c) => t + c.time, 0);
  const body = cases.map((c) => {
    const attrs = `name="${xmlEscape(c.name)}" classname="${xmlEscape(c.classname)}" time="${c.time.toFixed(3)}"`;
    const inner = [
      c.failure
        ? `      <failure message="${xmlEscape(c.failure.message)}" type="${xmlEscape(c.failure.type)}">${xmlEscape(c.failure.body)}</failure>`
        : '',
      c.systemOut ? `      <system-out>${xmlEscape(c.systemOut)}</system-out>` : '',
    ].filter(Boolean);
    return inner.length > 0 ? `    <testcase ${attrs}>\n${inner.join('\n')}\n    </testcase>` : `    <testcase ${attrs}/>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ssedoctor" tests="${cases.length}" failures="${failures}" errors="0" time="${time.toFixed(3)}">`,
    `  <testsuite name="${xmlEscape(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${time.toFixed(3)}">`,
    ...body,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** The failure text of an outcome: summary, evidence, hint (the run's own when it has one). */
function outcomeFailure(code: OutcomeCode, detail: string, hint?: string | null): JUnitCase['failure'] {
  const info = outcomeInfo(code);
  return { message: `${code}: ${info.summary}`, type: code, body: `${info.summary}\n${detail}\nhint: ${hint ?? info.hint}` };
}

/** The testcase of one verify run; unhealthy outcomes fail with their summary and hint. */
function verifyCase(name: string, outcome: OutcomeCode, detail: string, seconds: number, report?: string, hint?: string | null): JUnitCase {
  const ok = outcomeInfo(outcome).severity === 'ok';
  return {
    name,
    classname: 'ssedoctor.verify',
    time: seconds,
    ...(report ? { systemOut: report } : {}),
    ...(ok ? {} : { failure: outcomeFailure(outcome, detail, hint) }),
  };
}

/** One testcase for one verify run, with its report as system-out. */
export function verifyJUnit(target: string, outcome: OutcomeCode, detail: string, seconds: number, report: string, hint?: string | null): string {
  return junitXml('ssedoctor verify', [verifyCase(`enqueue then stream: ${target}`, outcome, detail, seconds, report, hint)]);
}

/** One testcase per saved verify document (`report --format junit`). */
export function verifyDocsJUnit(docs: VerifyDocumentShape[]): string {
  return junitXml(
    'ssedoctor verify',
    docs.map((d) => verifyCase(`enqueue then stream: ${d.target.baseUrl} at ${d.startedAt}`, d.outcome, d.detail, (d.timings.totalMs ?? 0) / 1000)),
  );
}

/** A testcase per threshold, then one per outcome class seen (unhealthy classes fail). */
export function loadJUnit(summary: LoadSummary): string {
  const seconds = summary.durationMs / 1000;
  const cases: JUnitCase[] = summary.thresholds.map((t) => ({
    name: `threshold ${t.threshold}`,
    classname: 'ssedoctor.load.thresholds',
    time: 0,
    ...(t.passed
      ? {}
      : {
          failure: {
            message: `threshold failed: ${t.threshold} (actual ${t.actual === undefined ? 'no data' : `${round(t.actual)} ${t.unit}`})`,
            type: 'threshold',
            body: `${t.threshold} did not hold over ${summary.runs} runs`,
          },
        }),
  }));
  for (const o of summary.outcomes) {
    const info = outcomeInfo(o.code);
    const detail = `${o.count} of ${summary.runs} runs (${o.percent.toFixed(2)} %)`;
    cases.push({
      name: `outcome ${o.code}`,
      classname: 'ssedoctor.load.outcomes',
      time: seconds,
      systemOut: detail,
      ...(info.severity === 'ok' ? {} : { failure: outcomeFailure(o.code, detail) }),
    });
  }
  const storm = summary.storm;
  if (storm && storm.cut > 0) {
    // A storm is a check of its own: every stream the storm cut should come back.
    const replies = Object.entries(storm.replies).map(([k, n]) => `${k} ${n}`).join(', ');
    const body = `${storm.reopened} of ${storm.cut} streams cut at ${storm.atMs} ms reopened; first replies: ${replies}`;
    cases.push({
      name: 'reconnect storm: every cut stream reopened',
      classname: 'ssedoctor.load.storm',
      time: 0,
      systemOut: body,
      ...(storm.reopened === storm.cut ? {} : { failure: { message: `${storm.cut - storm.reopened} of ${storm.cut} streams cut by the storm did not reopen`, type: 'storm', body } }),
    });
  }
  return junitXml('ssedoctor load', cases);
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3);
}
