import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { REFERENCE_FILE, SCHEMA_FILES, scenarioFields, scenarioJsonSchemaText, scenarioReferenceText, type ScenarioKind } from '../../src/app/scenarios/json-schema';
import { MIGRATION_FIELD_DOCS, STORAGE_FIELD_DOCS } from '../../src/app/scenarios/field-docs';
import { parseScenario } from '../../src/domain/scenario/parse-scenario';
import { parseStorageScenario } from '../../src/domain/storage/scenario';
import { ROOT } from './helpers';

const STALE = 'is stale: run `npm run schema` and commit the result';
const read = (relative: string) => readFileSync(join(ROOT, relative), 'utf8');

/** Every example scenario: examples/scenarios and each plugin's own. */
function exampleScenarios(): string[] {
  const scenarios = readdirSync(join(ROOT, 'examples/scenarios')).filter((f) => f.endsWith('.json')).map((f) => join(ROOT, 'examples/scenarios', f));
  const plugins = readdirSync(join(ROOT, 'examples/plugins')).map((d) => join(ROOT, 'examples/plugins', d, 'scenario.json')).filter(existsSync);
  return [...scenarios, ...plugins];
}

describe('scenario JSON Schemas and reference', () => {
  it.each(Object.entries(SCHEMA_FILES))('the committed %s schema is what `npm run schema` generates', (kind, file) => {
    expect({ file, text: read(file) }).toEqual({ file, text: scenarioJsonSchemaText(kind as ScenarioKind) });
  });

  it(`the committed ${REFERENCE_FILE} is what \`npm run schema\` generates`, () => {
    const committed = read(REFERENCE_FILE);
    if (committed !== scenarioReferenceText()) throw new Error(`${REFERENCE_FILE} ${STALE}`);
  });

  it.each(['migration', 'storage'] as const)('every %s field has a meaning, and every meaning a field', (kind) => {
    const rows = scenarioFields(kind);
    expect(rows.filter((row) => !row.meaning).map((row) => row.path)).toEqual([]);
    const docs = kind === 'migration' ? MIGRATION_FIELD_DOCS : STORAGE_FIELD_DOCS;
    const paths = new Set(rows.map((row) => row.path));
    expect(Object.keys(docs).filter((path) => !paths.has(path))).toEqual([]);
  });

  it.each(['migration', 'storage'] as const)('every %s field has a type, and every field that takes a number or a string names its unit', (kind) => {
    const rows = scenarioFields(kind);
    expect(rows.filter((row) => row.type === 'any').map((row) => row.path)).toEqual([]);
    expect(rows.filter((row) => row.type === 'number | string' && row.unit === '').map((row) => row.path)).toEqual([]);
  });

  it.each(['migration', 'storage'] as const)('the %s schema is a well-formed draft 2020-12 object schema listing the top-level keys', (kind) => {
    const schema = JSON.parse(read(SCHEMA_FILES[kind]));
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    const keys = Object.keys(schema.properties);
    expect(keys).toEqual(expect.arrayContaining(kind === 'migration'
      ? ['$schema', 'name', 'plugins', 'seed', 'vm', 'hosts', 'link', 'migration', 'network', 'isolation']
      : ['$schema', 'name', 'plugins', 'seed', 'model', 'hosts', 'arrays', 'fabric', 'multipath', 'pools', 'volumes', 'luns', 'workloads', 'events']));
    expect(schema.required ?? []).toEqual(kind === 'migration' ? [] : ['hosts', 'pools']);
    // Unit fields take numbers or strings, and say which unit.
    const memory = kind === 'migration' ? schema.properties.vm.properties.memory : schema.properties.duration;
    expect(memory.type).toEqual(['number', 'string']);
    expect(memory.description).toMatch(kind === 'migration' ? /Unit: bytes/ : /Unit: ms/);
    // Every node is a JSON object whose keywords are JSON Schema's (no zod leftovers).
    const known = new Set(['$schema', '$id', 'title', 'description', 'type', 'properties', 'required', 'additionalProperties', 'items', 'anyOf', 'oneOf',
      'enum', 'const', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'format']);
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) throw new Error(`${path}: not a schema`);
      for (const [key, value] of Object.entries(node)) {
        if (!known.has(key)) throw new Error(`${path}: unexpected keyword ${key}`);
        if (key === 'properties') for (const [name, child] of Object.entries(value as object)) walk(child, `${path}.${name}`);
        if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) walk(value, `${path}[]`);
        if (key === 'anyOf' || key === 'oneOf') (value as unknown[]).forEach((member, i) => walk(member, `${path}|${i}`));
      }
    };
    walk(schema, kind);
  });

  it.each(exampleScenarios().map((file) => [file.slice(ROOT.length + 1), file]))('%s points at its schema and validates', (_name, file) => {
    const scenario = JSON.parse(readFileSync(file, 'utf8'));
    const storage = Array.isArray(scenario.pools);
    const schemaFile = resolve(dirname(file), scenario.$schema);
    expect(schemaFile).toBe(join(ROOT, storage ? SCHEMA_FILES.storage : SCHEMA_FILES.migration));
    // zod is the judge (the JSON Schema leaves cross-field rules to it).
    if (storage) expect(() => parseStorageScenario(scenario, file)).not.toThrow();
    else expect(() => parseScenario(scenario, file)).not.toThrow();
  });
});
