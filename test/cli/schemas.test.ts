/** The published JSON Schemas: in step with their source, and real outputs of the built binary conform. */
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { schemaProblems, type JsonSchema } from '../../src/cli/json-schema.js';
import { PUBLISHED_SCHEMAS } from '../../src/cli/result-schemas.js';
import { ssedoctor } from '../helpers/cli.js';

const published = (name: string): JsonSchema => JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as JsonSchema;

beforeAll(() => {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) throw new Error('run `npm run build` first (npm test does)');
});

describe('published schemas', () => {
  it.each(Object.keys(PUBLISHED_SCHEMAS))('schemas/%s matches src/cli/result-schemas.ts (regenerate: node schemas/generate.mjs)', (name) => {
    expect(published(name)).toEqual(PUBLISHED_SCHEMAS[name]);
    expect(published(name).$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
});

describe('the checker', () => {
  const schema: JsonSchema = {
    type: 'object',
    required: ['a'],
    properties: { a: { type: 'integer', minimum: 0 }, b: { enum: ['x'] }, c: { $ref: '#/$defs/c' } },
    additionalProperties: true,
    $defs: { c: { type: ['string', 'null'] } },
  };
  it.each([
    [{ a: 1, extra: true }, []], // additional properties are allowed
    [{}, ['$.a: missing']], // required
    [{ a: -1 }, ['$.a: -1 is below 0']], // minimum
    [{ a: 1.5 }, ['$.a: expected integer, found number']], // integer
    [{ a: 1, b: 'y' }, ['$.b: "y" is not one of x']], // enum
    [{ a: 1, c: 3 }, ['$.c: expected string or null, found number']], // $ref into $defs
    [[], ['$: expected object, found array']], // wrong root type
  ])('%j', (value, want) => expect(schemaProblems(value, schema)).toEqual(want));
});

describe('real outputs conform', () => {
  it('verify --json', async () => {
    const r = await ssedoctor(['verify', '--json', '--transcript']);
    expect(schemaProblems(JSON.parse(r.stdout), published('verify.v1.json'))).toEqual([]);
  });

  it('load --json (percentiles clamped)', async () => {
    const r = await ssedoctor(['load', '--scenario', 'healthy', '-n', '6', '-c', '3', '--json', '-t', 'p99(total)<1m']);
    const doc = JSON.parse(r.stdout);
    expect(schemaProblems(doc, published('load.v1.json'))).toEqual([]);
    // p99.9 never above max, in the unit the metric names
    for (const m of Object.values(doc.metrics) as { p999: number; max: number; min: number; p50: number }[]) {
      expect(m.p999).toBeLessThanOrEqual(m.max);
      expect(m.p50).toBeGreaterThanOrEqual(m.min);
    }
    // a damaged document does not conform (the check can fail)
    expect(schemaProblems({ ...doc, runs: 'six' }, published('load.v1.json'))).not.toEqual([]);
  });

  it('load --ndjson: every line, run and summary', async () => {
    const r = await ssedoctor(['load', '--scenario', 'healthy', '-n', '5', '-c', '5', '--ndjson']);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; schema: string });
    expect(lines.filter((l) => l.type === 'run')).toHaveLength(5);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', schema: 'ssedoctor.load/v1' });
    for (const line of lines) expect(schemaProblems(line, published('ndjson-run.v1.json'))).toEqual([]);
    expect(lines[0]!.schema).toBe('ssedoctor.load-run/v1');
  });

  it('reproduce --json', async () => {
    const r = await ssedoctor(['reproduce', '--persist-delay', '50ms..150ms', '-n', '6', '-c', '6', '--sweep', '1s', '--json', '--no-progress']);
    expect(r.code).toBe(0);
    expect(schemaProblems(JSON.parse(r.stdout), published('reproduce.v1.json'))).toEqual([]);
  }, 60_000);
});
