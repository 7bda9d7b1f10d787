/** What the rest of the system says about a run: the job's status, and what a browser page's origin would meet. Pure. */
import type { Transcript } from '../model.js';
import { r1, type Finding } from './finding.js';

export function jobStatusFinding(t: Transcript): Finding | undefined {
  const job = t.jobStatus;
  if (!job?.status) return undefined;
  const meaning: Record<string, string> = {
    queued: 'no worker picked the job up (a queued or idle worker; the stream is connected but waiting)',
    running: 'the job is running but nothing reached this client (published in another process or replica, or held back on the way)',
    completed: 'the job completed but its events never reached this client (split-brain across workers or replicas, or held back on the way)',
    failed: 'the job failed without an error event on the stream',
    waiting_approval: 'the job is paused for human approval (HITL interactive mode sends no terminal event)',
  };
  return {
    code: 'job-status',
    message: `job status is "${job.status}": ${meaning[job.status] ?? 'see the job'}`,
    evidence: { jobStatus: job.status, httpStatus: job.httpStatus ?? null, askedAtMs: r1(job.atMs) },
  };
}

/**
 * What a browser page at `t.origin` would meet: without a matching Access-Control-Allow-Origin it
 * cannot read the enqueue answer, and EventSource fails at once, although curl and this tool succeed.
 */
export function corsFindings(t: Transcript): Finding[] {
  if (!t.origin) return [];
  const allowed = (h: Record<string, string> | undefined): boolean => {
    const acao = h?.['access-control-allow-origin'];
    return acao === '*' || acao === t.origin;
  };
  const out: Finding[] = [];
  if (t.enqueue.headers && !allowed(t.enqueue.headers)) {
    out.push({
      code: 'cors',
      message: `the enqueue answer has no Access-Control-Allow-Origin for ${t.origin}: a page there cannot read the job id`,
      evidence: { origin: t.origin, accessControlAllowOrigin: t.enqueue.headers['access-control-allow-origin'] ?? null },
    });
  }
  const stream = t.attempts.find((a) => a.status === 200);
  if (stream && !allowed(stream.headers)) {
    out.push({
      code: 'cors',
      message: `the stream has no Access-Control-Allow-Origin for ${t.origin}: EventSource on that page fails at once`,
      evidence: { origin: t.origin, accessControlAllowOrigin: stream.headers?.['access-control-allow-origin'] ?? null },
    });
  }
  return out;
}

