/**
 * The command line a result came from, safe to print in a report: secrets go through the same
 * redaction as everywhere else (credential headers' values, URL userinfo and query values), and
 * arguments are quoted so the line can be pasted back into a POSIX shell.
 */
import { REDACTED, redactHeaders, redactText } from '../probe/redact.js';

/** `-H "Authorization: Bearer x"` → `Authorization: [redacted]`; other headers as given. */
function redactHeaderArg(value: string): string {
  const colon = value.indexOf(':');
  if (colon < 0) return redactText(value);
  const name = value.slice(0, colon).trim();
  const redacted = redactHeaders({ [name]: value.slice(colon + 1).trim() })[name.toLowerCase()];
  return redacted === REDACTED ? `${name}: ${REDACTED}` : redactText(value);
}

/** Quotes one argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * `ssedoctor <args…>` with secrets redacted. `args` are the arguments after the program
 * (process.argv without node and the script).
 */
export function commandLine(args: readonly string[]): string {
  const out: string[] = ['ssedoctor'];
  let headerNext = false;
  for (const arg of args) {
    if (headerNext) {
      out.push(redactHeaderArg(arg));
      headerNext = false;
    } else if (arg === '-H' || arg === '--header') {
      out.push(arg);
      headerNext = true;
    } else if (arg.startsWith('--header=')) {
      out.push(`--header=${redactHeaderArg(arg.slice('--header='.length))}`);
    } else if (/^-H./.test(arg)) {
      out.push(`-H${redactHeaderArg(arg.slice(2))}`);
    } else {
      out.push(redactText(arg));
    }
  }
  return out.map((a, i) => (i === 0 ? a : shellQuote(a))).join(' ');
}
