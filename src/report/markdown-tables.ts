/** Markdown renderings of the outcome table and exit codes, used by the README (and CI summaries). */
import { OUTCOMES } from '../classify/outcomes.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The outcome table as Markdown: code, exit code, summary, hint. */
export function outcomeTableMarkdown(): string {
  const rows = OUTCOMES.map((o) => `| \`${o.code}\` | ${o.exitCode} | ${cell(o.summary)} | ${cell(o.hint)} |`);
  return ['| outcome | exit | what happened | likely cause and fix |', '|---|---|---|---|', ...rows].join('\n');
}
