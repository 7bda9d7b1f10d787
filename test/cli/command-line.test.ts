/** The command line recorded in load results: secrets redacted, quoted for a POSIX shell. */
import { describe, expect, it } from 'vitest';
import { commandLine, shellQuote } from '../../src/cli/command-line.js';

describe('commandLine', () => {
  it.each([
    // [why, args, printed]
    ['plain flags stay as given', ['load', '-n', '40', '--scenario', 'healthy'], 'ssedoctor load -n 40 --scenario healthy'],
    ['a credential header keeps its name only', ['load', '-H', 'Authorization: Bearer s3cret'], `ssedoctor load -H 'Authorization: [redacted]'`],
    ['--header= and -Hvalue forms too', ['load', '--header=Cookie: a=b', '-HX-Api-Key: k'], `ssedoctor load '--header=Cookie: [redacted]' '-HX-Api-Key: [redacted]'`],
    ['other headers stay readable', ['load', '-H', 'X-Tenant: ci'], `ssedoctor load -H 'X-Tenant: ci'`],
    ['URL userinfo and query values', ['load', '--url', 'https://u:pw@api.example.com/?token=abc&t=2'], 'ssedoctor load --url https://[redacted]@api.example.com/?token=[redacted]&t=[redacted]'.replace(/(https:\S+)/, `'$1'`)],
    ['--url= form', ['load', '--url=http://u:p@h:1'], 'ssedoctor load --url=http://[redacted]@h:1'.replace(/(--url=\S+)/, `'$1'`)],
    ['thresholds are quoted, not mangled', ['load', '-t', 'rate(early-404)<0.1%'], `ssedoctor load -t 'rate(early-404)<0.1%'`],
  ])('%s', (_why, args, printed) => {
    expect(commandLine(args)).toBe(printed);
    expect(commandLine(args)).not.toMatch(/s3cret|pw@|abc|a=b|: k/);
  });

  it.each([
    ['abc', 'abc'],
    ["it's", `'it'\\''s'`], // a quote inside single quotes
    ['a b', `'a b'`],
  ])('shellQuote(%j) = %s', (arg, quoted) => expect(shellQuote(arg)).toBe(quoted));
});
