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

/** Parses and validates a ChatRequest body; returns the request or the 422 issues. */
export function validateChatRequest(raw: string): { ok: true; value: ChatRequest } | { ok: false; issues: ValidationIssue[] } {
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
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, issues: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }] };
  }
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

/** FastAPI's bool query parsing: 1/0/true/false/yes/no/on/off, any case; undefined when invalid. */
export function parseBoolQuery(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (['1', 'true', 'yes', 'on', 't', 'y'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', 'f', 'n'].includes(v)) return false;
  return undefined;
}
