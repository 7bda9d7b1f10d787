/**
 * A small JSON Schema (draft 2020-12) checker for the subset the published result schemas use:
 * type (with integer and lists of types), const, enum, required, properties,
 * additionalProperties (boolean or schema), items, minimum, pattern, anyOf, allOf and local
 * `$ref`s into `$defs`. Enough to validate result files on read without a dependency.
 */

/** A JSON Schema as a plain object. */
export type JsonSchema = { [key: string]: unknown };

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function matchesType(v: unknown, type: string): boolean {
  if (type === 'integer') return typeof v === 'number' && Number.isInteger(v);
  if (type === 'number') return typeof v === 'number' && Number.isFinite(v);
  return typeOf(v) === type;
}

function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part];
  if (!node || typeof node !== 'object') throw new Error(`unresolved $ref ${ref}`);
  return node as JsonSchema;
}

/** Problems of `value` against `schema`, each `path: what is wrong`; empty when it conforms. */
export function schemaProblems(value: unknown, schema: JsonSchema, root: JsonSchema = schema, path = '$', limit = 20): string[] {
  const out: string[] = [];
  const add = (p: string, why: string): void => {
    if (out.length < limit) out.push(`${p}: ${why}`);
  };
  if (typeof schema.$ref === 'string') out.push(...schemaProblems(value, resolveRef(root, schema.$ref), root, path, limit));
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf as JsonSchema[]) out.push(...schemaProblems(value, s, root, path, limit));
  if (Array.isArray(schema.anyOf)) {
    const tries = (schema.anyOf as JsonSchema[]).map((s) => schemaProblems(value, s, root, path, limit));
    if (!tries.some((t) => t.length === 0)) out.push(...(tries.sort((a, b) => a.length - b.length)[0] ?? []));
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => matchesType(value, t))) {
      add(path, `expected ${types.join(' or ')}, found ${typeOf(value)}`);
      return out;
    }
  }
  if ('const' in schema && value !== schema.const) add(path, `expected ${JSON.stringify(schema.const)}, found ${JSON.stringify(value)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) add(path, `${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) add(path, `${value} is below ${schema.minimum}`);
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
    add(path, `"${value.slice(0, 40)}" does not match ${schema.pattern}`);
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in obj)) add(`${path}.${key}`, 'missing');
    const props = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
    for (const [key, v] of Object.entries(obj)) {
      const sub = props[key] ?? (typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as JsonSchema) : undefined);
      if (sub) out.push(...schemaProblems(v, sub, root, `${path}.${key}`, limit));
      else if (!(key in props) && schema.additionalProperties === false) add(`${path}.${key}`, 'is not allowed');
    }
  }
  if (Array.isArray(value) && schema.items && typeof schema.items === 'object') {
    value.forEach((v, i) => out.push(...schemaProblems(v, schema.items as JsonSchema, root, `${path}[${i}]`, limit)));
  }
  return out.slice(0, limit);
}
