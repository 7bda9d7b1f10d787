/** JUnit (validated by a real XML parser), GitHub annotations and Markdown. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { annotation } from '../../src/report/github.js';
import { junitXml, verifyJUnit, xmlEscape } from '../../src/report/junit.js';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

describe('JUnit XML', () => {
  it('escapes everything a server can send, and stays valid XML', () => {
    const nasty = `<script>alert("x")</script> & 'quotes' \u0000\u0007 control \u001b[31m ]]> 😀`;
    const xml = junitXml('suite <1>', [
      { name: nasty, classname: 'a&b', time: 1.5, failure: { message: nasty, type: 'early-404', body: nasty }, systemOut: nasty },
      { name: 'passes', classname: 'a', time: 0 },
    ]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml);
    const suite = doc.testsuites.testsuite;
    expect(suite).toMatchObject({ name: 'suite <1>', tests: '2', failures: '1' });
    expect(suite.testcase[0].name).toBe(`<script>alert("x")</script> & 'quotes'  control [31m ]]> 😀`);
    expect(suite.testcase[0].failure.type).toBe('early-404');
  });

  it('a verify failure carries the outcome summary and hint', () => {
    const xml = verifyJUnit('http://x', 'early-404', '404 on 1 attempt', 0.3, 'report');
    expect(XMLValidator.validate(xml)).toBe(true);
    const tc = parser.parse(xml).testsuites.testsuite.testcase;
    expect(tc.failure.message).toMatch(/^early-404: The stream endpoint answered 404/);
    expect(tc.failure['#text']).toContain('hint: The stream endpoint looks the decision set up once');
    expect(xmlEscape('a\u0001b')).toBe('ab');
  });

  it('a healthy verify has no failure', () => {
    const tc = parser.parse(verifyJUnit('http://x', 'healthy', 'ok', 1, '')).testsuites.testsuite.testcase;
    expect(tc.failure).toBeUndefined();
  });
});

describe('GitHub annotations', () => {
  it('escapes data and properties', () => {
    expect(annotation('error', 'a: b, c', '50% done\nnext')).toBe('::error title=a%3A b%2C c::50%25 done%0Anext');
  });
});
