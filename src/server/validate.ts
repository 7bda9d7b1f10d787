/**
 * Request validation with FastAPI / pydantic-v2 error bodies: `{"detail": [{type, loc, msg, input}]}`.
 */

export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export interface ChatRequest {
  messages: { role: string; content: string }[];
  thread_id?: string | null;
}

const ROLES = ['user', 'assistant', 'system', 'tool'];

/**
 * Whether FastAPI reads a body with this Content-Type as JSON: none at all, or `application/json`
 * and `application/*+json` (fastapi/routing.py, which reads the type through `email.message`:
 * case-insensitive, parameters ignored, a value without a slash counted as text/plain).
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const essence = contentType.split(';', 1)[0]!.trim().toLowerCase();
  const slash = essence.indexOf('/');
  if (slash < 0 || essence.slice(0, slash) !== 'application') return false;
  const subtype = essence.slice(slash + 1);
  return subtype === 'json' || subtype.endsWith('+json');
}

/**
 * Parses and validates a ChatRequest body; returns the request or the 422 issues. `contentType`
 * decides how FastAPI reads the body: an empty body is a missing body, a body sent with a
 * non-JSON type is validated as a string (so it is not an object), anything else is JSON.
 */
export function validateChatRequest(
  raw: string,
  contentType?: string,
): { ok: true; value: ChatRequest } | { ok: false; issues: ValidationIssue[] } {
  if (raw === '') return { ok: false, issues: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] };
  if (!isJsonContentType(contentType)) return { ok: false, issues: [notAnObject(raw)] };
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (err) {
    const pos = /position (\d+)/.exec(String(err))?.[1];
    return {
      ok: false,
      issues: [{ type: 'json_invalid', loc: ['body', Number(pos ?? 0)], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } }],
    };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, issues: [notAnObject(body)] };
  const obj = body as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  if (!('messages' in obj)) {
    issues.push({ type: 'missing', loc: ['body', 'messages'], msg: 'Field required', input: obj });
  } else if (!Array.isArray(obj.messages)) {
    issues.push({ type: 'list_type', loc: ['body', 'messages'], msg: 'Input should be a valid list', input: obj.messages });
  } else {
    obj.messages.forEach((m: unknown, i) => {
      if (typeof m !== 'object' || m === null || Array.isArray(m)) {
        issues.push({ type: 'model_type', loc: ['body', 'messages', i], msg: 'Input should be a valid dictionary or instance of Message', input: m });
        return;
      }
      const msg = m as Record<string, unknown>;
      if (!('role' in msg)) issues.push({ type: 'missing', loc: ['body', 'messages', i, 'role'], msg: 'Field required', input: msg });
      else if (typeof msg.role !== 'string' || !ROLES.includes(msg.role)) {
        issues.push({
          type: 'literal_error',
          loc: ['body', 'messages', i, 'role'],
          msg: "Input should be 'user', 'assistant', 'system' or 'tool'",
          input: msg.role,
          ctx: { expected: "'user', 'assistant', 'system' or 'tool'" },
        });
      }
      if (!('content' in msg)) issues.push({ type: 'missing', loc: ['body', 'messages', i, 'content'], msg: 'Field required', input: msg });
      else if (typeof msg.content !== 'string') {
        issues.push({ type: 'string_type', loc: ['body', 'messages', i, 'content'], msg: 'Input should be a valid string', input: msg.content });
      }
    });
  }
  if (obj.thread_id !== undefined && obj.thread_id !== null && typeof obj.thread_id !== 'string') {
    issues.push({ type: 'string_type', loc: ['body', 'thread_id'], msg: 'Input should be a valid string', input: obj.thread_id });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: obj as unknown as ChatRequest };
}

/** pydantic v2's answer to a body that is not a dict (a JSON scalar or list, or raw text). */
function notAnObject(input: unknown): ValidationIssue {
  return { type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input };
}

/** FastAPI's bool query parsing: 1/0/true/false/yes/no/on/off, any case; undefined when invalid. */
export function parseBoolQuery(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (['1', 'true', 'yes', 'on', 't', 'y'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', 'f', 'n'].includes(v)) return false;
  return undefined;
}
