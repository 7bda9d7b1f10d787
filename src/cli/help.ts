/**
 * How `--help` reads: descriptions wrapped once (by commander, to the terminal width; the
 * declarations' own line breaks are joined first), defaults shown as a user types them
 * (`default: 2.5s`, not `"2.5s"`; an empty list is no default), and the one duration grammar
 * documented in the program's help footer.
 */
import type { Help, HelpConfiguration, Option } from 'commander';
import { DURATION_GRAMMAR } from '../duration.js';

/** Joins single line breaks of a declaration's text; a blank line stays a paragraph break. */
export function unwrap(text: string): string {
  return text.replace(/([^\n])\n(?!\n)/g, '$1 ');
}

/** An option's help text with its default and choices as a user would type them. */
export function optionHelp(option: Option): string {
  const extra: string[] = [];
  if (option.argChoices) extra.push(`choices: ${option.argChoices.join(', ')}`);
  const d = option.defaultValue as unknown;
  const takesValue = option.required || option.optional;
  if (takesValue && d !== undefined && !(Array.isArray(d) && d.length === 0) && d !== '') {
    extra.push(`default: ${option.defaultValueDescription ?? (Array.isArray(d) ? d.join(', ') : String(d))}`);
  }
  const base = unwrap(option.description);
  return extra.length > 0 ? `${base} (${extra.join('; ')})` : base;
}

/** The help configuration every command inherits. */
export const HELP_CONFIG: HelpConfiguration = {
  optionDescription: (option: Option) => optionHelp(option),
  commandDescription: (cmd) => unwrap(cmd.description()),
  subcommandDescription: (cmd) => unwrap(cmd.summary() || cmd.description()),
} satisfies Partial<Help>;

/** The program's help footer: the grammars every command shares. */
export const HELP_FOOTER = `
Durations, in every flag, delay distribution and threshold:
  ${DURATION_GRAMMAR}
Delay distributions (serve --persist-delay, reproduce): 300ms fixed, 100ms..800ms
  uniform, exp(300ms) exponential mean, lognormal(1s,0.8) median and sigma, never
Exit codes: 0 ok, 1 unhealthy outcome or failed threshold, 2 usage error or
  unwritable output, 3 target unreachable, 130 interrupted
Run "ssedoctor <command> --help" for a command's flags.`;
