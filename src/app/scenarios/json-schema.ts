import { z } from 'zod';
import { scenarioSchema } from '../../domain/scenario/schema';
import { storageScenarioSchema } from '../../domain/storage/scenario';
import { MIGRATION_FIELD_DOCS, STORAGE_FIELD_DOCS } from './field-docs';

export type ScenarioKind = 'migration' | 'storage';

/** Where the generated files live in the repository (`npm run schema` writes them). */
export const SCHEMA_FILES = {
  migration: 'schema/scenario.schema.json',
  storage: 'schema/storage-scenario.schema.json',
} as const satisfies Record<ScenarioKind, string>;
export const REFERENCE_FILE = 'docs/scenario-reference.md';

const SOURCES: Record<ScenarioKind, string> = { migration: 'src/domain/scenario/schema.ts', storage: 'src/domain/storage/scenario.ts' };
const DOCS: Record<ScenarioKind, Readonly<Record<string, string>>> = { migration: MIGRATION_FIELD_DOCS, storage: STORAGE_FIELD_DOCS };

type Unit = 'bytes' | 'rate' | 'time';
const UNIT_TEXT: Record<Unit, string> = {
  bytes: 'bytes: a number, or a string with a unit such as "4GiB", "512KiB", "1e9"',
  rate: 'bytes/s: a number, or a string with a unit such as "10Gbit/s", "128MiB/s"; a lowercase b is bits ("1Gb/s", "1Gbps"), an uppercase B bytes ("1GB/s")',
  time: 'ms: a number, or a string with a unit such as "300ms", "1.5s", "100us"',
};
const UNIT_SHORT: Record<Unit, string> = { bytes: 'bytes', rate: 'bytes/s', time: 'ms' };

/** A unit-bearing field accepts exactly one of these spellings (the others throw in its unit parser). */
function unitOf(schema: z.ZodType): Unit | undefined {
  if (schema.safeParse('2KiB').success) return 'bytes';
  if (schema.safeParse('1Gbit/s').success) return 'rate';
  if (schema.safeParse('2ms').success) return 'time';
  return undefined;
}

/** JSON Schema path segments (`properties`, `items`, `anyOf`...) to the dotted form used in docs (`a.b[].c`). */
function dotted(path: readonly (string | number)[]): string {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    if (part === 'properties') {
      out += (out === '' ? '' : '.') + String(path[++i]);
    } else if (part === 'items') {
      out += '[]';
    } else if (part === 'anyOf' || part === 'oneOf' || part === 'allOf') {
      i++;
    }
  }
  return out;
}

const SAFE = Number.MAX_SAFE_INTEGER;

interface Generated {
  readonly schema: Record<string, unknown>;
  readonly units: ReadonlyMap<string, Unit>;
}

function generate(kind: ScenarioKind): Generated {
  const zodSchema = kind === 'migration' ? scenarioSchema : storageScenarioSchema;
  const units = new Map<string, Unit>();
  const generated = z.toJSONSchema(zodSchema, {
    io: 'input',
    target: 'draft-2020-12',
    override: (ctx) => {
      const json = ctx.jsonSchema as Record<string, unknown>;
      // zod's integer type brings Number.MIN/MAX_SAFE_INTEGER bounds: noise for an editor.
      if (json.minimum === -SAFE) delete json.minimum;
      if (json.maximum === SAFE) delete json.maximum;
      const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string; defaultValue?: unknown } } })._zod.def;
      // A default on a unit field (a transform) is dropped in input mode; its parsed value is valid input too.
      if (def.type === 'default' && !('default' in json)) json.default = def.defaultValue;
      if (def.type === 'pipe' || def.type === 'default' || def.type === 'optional') {
        const isQuantity = Array.isArray(json.anyOf) && json.anyOf.length === 2 && json.anyOf.every((member: { type?: string }) => member.type === 'number' || member.type === 'string');
        const unit = isQuantity ? unitOf(ctx.zodSchema as unknown as z.ZodType) : undefined;
        if (unit) units.set(dotted(ctx.path), unit);
      }
    },
  }) as Record<string, unknown>;
  return { schema: generated, units };
}

interface FieldInfo {
  readonly path: string;
  readonly node: Record<string, unknown>;
  readonly required: boolean;
  /** The same field in the other members of a union (a discriminated union's tag, fields shared by actions). */
  readonly alternatives: Record<string, unknown>[];
}

/** Every field of the schema, depth first, with array items as `[]` and union members merged. */
function fields(schema: Record<string, unknown>): FieldInfo[] {
  const out: FieldInfo[] = [];
  const seen = new Map<string, FieldInfo>();
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
    const required = new Set((node.required as string[] | undefined) ?? []);
    if (properties) {
      for (const [key, child] of Object.entries(properties)) {
        const path = prefix === '' ? key : `${prefix}.${key}`;
        const known = seen.get(path);
        if (known) known.alternatives.push(child);
        else {
          const info = { path, node: child, required: required.has(key), alternatives: [] };
          seen.set(path, info);
          out.push(info);
        }
        walk(child, path);
      }
    }
    if (node.items && typeof node.items === 'object') walk(node.items as Record<string, unknown>, `${prefix}[]`);
    for (const key of ['anyOf', 'oneOf', 'allOf']) {
      for (const member of (node[key] as Record<string, unknown>[] | undefined) ?? []) walk(member, prefix);
    }
  };
  walk(schema, '');
  return out;
}

/**
 * The JSON Schema of scenario files, generated from the zod schema that
 * validates them. `io: 'input'` describes what a file may contain (units as
 * strings, omitted fields with their defaults), not the parsed result. Each
 * field carries its meaning (field-docs.ts) and unit as `description`.
 * Cross-field checks (memory a multiple of page-size, names that must exist
 * ...) stay in zod: the JSON Schema helps editors, zod is the judge.
 */
export function scenarioJsonSchema(kind: ScenarioKind): Record<string, unknown> {
  const { schema, units } = generate(kind);
  const docs = DOCS[kind];
  for (const field of fields(schema)) {
    const meaning = docs[field.path];
    const unit = units.get(field.path);
    const text = [meaning, unit ? `Unit: ${UNIT_TEXT[unit]}.` : undefined].filter(Boolean).join(' ');
    if (text) field.node.description = text;
  }
  const { $schema, ...rest } = schema;
  return {
    $schema,
    $id: `https://virtsim.dev/${SCHEMA_FILES[kind]}`,
    title: kind === 'migration' ? 'virtsim migration scenario' : 'virtsim storage scenario',
    description: `A ${kind === 'migration' ? 'live-migration scenario (virtsim migrate, compare)' : 'storage-virtualization scenario (virtsim storage)'}. Generated from ${SOURCES[kind]} by \`npm run schema\`; do not edit.`,
    ...rest,
  };
}

/** The schema file's text, exactly as `npm run schema` writes it. */
export function scenarioJsonSchemaText(kind: ScenarioKind): string {
  return `${JSON.stringify(scenarioJsonSchema(kind), null, 2)}\n`;
}

export interface FieldRow {
  readonly path: string;
  readonly type: string;
  readonly unit: string;
  readonly default: string;
  readonly required: boolean;
  readonly meaning: string | undefined;
}

function typeOf(node: Record<string, unknown>, unit: Unit | undefined): string {
  if (unit) return 'number | string';
  if (Array.isArray(node.enum)) return (node.enum as unknown[]).map((v) => JSON.stringify(v)).join(' \\| ');
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (Array.isArray(node.anyOf) || Array.isArray(node.oneOf)) {
    const members = ((node.anyOf ?? node.oneOf) as Record<string, unknown>[]);
    return [...new Set(members.map((m) => typeOf(m, undefined)))].join(' \\| ');
  }
  if (node.type === 'array') {
    const items = node.items as Record<string, unknown> | undefined;
    return `array of ${items ? typeOf(items, undefined) : 'any'}`;
  }
  if (node.type === 'object') return 'object';
  if (typeof node.type === 'string') return node.type;
  return 'any';
}

function bounds(node: Record<string, unknown>): string {
  const parts: string[] = [];
  if (node.minimum !== undefined) parts.push(`>= ${String(node.minimum)}`);
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${String(node.exclusiveMinimum)}`);
  if (node.maximum !== undefined) parts.push(`<= ${String(node.maximum)}`);
  if (node.minItems !== undefined) parts.push(`at least ${String(node.minItems)}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function defaultText(node: Record<string, unknown>): string {
  if (!('default' in node)) return '';
  const value = node.default;
  if (value !== null && typeof value === 'object') {
    const text = JSON.stringify(value);
    return text === '[]' || text === '{}' ? text : 'see fields';
  }
  return JSON.stringify(value);
}

/** One row per field: what docs/scenario-reference.md lists. */
export function scenarioFields(kind: ScenarioKind): FieldRow[] {
  const { schema, units } = generate(kind);
  return fields(schema).map((field) => {
    const unit = units.get(field.path);
    const variants = [field.node, ...field.alternatives];
    const tags = variants.every((node) => node.const !== undefined) ? [...new Set(variants.map((node) => JSON.stringify(node.const)))] : [];
    return {
      path: field.path,
      type: tags.length > 1 ? tags.join(' \\| ') : `${typeOf(field.node, unit)}${bounds(field.node)}`,
      unit: unit ? UNIT_SHORT[unit] : '',
      default: defaultText(field.node),
      required: field.required,
      meaning: DOCS[kind][field.path],
    };
  });
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\\\\\|/g, '\\|');

function table(kind: ScenarioKind): string {
  const rows = scenarioFields(kind).map((row) => {
    const fallback = row.required ? '**required**' : '(none)';
    return `| \`${row.path}\` | ${cell(row.type)} | ${row.unit} | ${row.default === '' ? fallback : `\`${row.default}\``} | ${cell(row.meaning ?? '')} |`;
  });
  return ['| field | type | unit | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** docs/scenario-reference.md, generated from the zod schemas and field-docs.ts. */
export function scenarioReferenceText(): string {
  return `<!-- Generated by \`npm run schema\` from the zod schemas and src/app/scenarios/field-docs.ts; do not edit. -->
# Scenario reference

Every field of the two kinds of scenario file, with its type, unit, default
and meaning. Scenario files are JSON with kebab-case keys; an omitted field
takes its default; "(none)" means the field is optional and absent unless
given; "see fields" means an object whose own fields have defaults. Fields
are named by dotted paths, \`[]\` standing for each element of a list.
In migration scenarios, \`--set\` and \`sweep --vary\` take the same paths
with an element's index, from 0, in place of \`[]\`: \`--set network.clients.0.app-timeout=120s\` sets
\`network.clients[].app-timeout\` of the first client. They change elements
the file has and add none (see \`--set\` in the [README](../README.md#commands)).

Units: sizes, rates and times take a number (bytes, bytes/s, ms) or a string
with a unit: \`"4GiB"\`, \`"512KiB"\`, \`"1e9"\` (bytes); \`"10Gbit/s"\`,
\`"128MiB/s"\` (rates); \`"300ms"\`, \`"1.5s"\`, \`"100us"\` (times). Defaults
are shown parsed (bytes, bytes/s, ms).

Editors validate scenario files with the JSON Schemas in \`schema/\`: start a
file with \`"$schema": "../schema/scenario.schema.json"\` (or
\`storage-scenario.schema.json\`), relative to the file. The schemas check
types, ranges and names of fields; cross-field rules (memory a multiple of
page-size, names that must exist, hosts that must differ) are checked by
virtsim itself, which names the field on exit status 2.

Workload models take their own fields under \`vm.workload\`; see
[migration.md](migration.md#workloads). Semantics: [migration.md](migration.md),
[network.md](network.md), [storage.md](storage.md).

## Migration scenarios (\`virtsim migrate\`, \`compare\`)

Schema: [schema/scenario.schema.json](../schema/scenario.schema.json).

${table('migration')}

## Storage scenarios (\`virtsim storage\`)

Schema: [schema/storage-scenario.schema.json](../schema/storage-scenario.schema.json).

${table('storage')}
`;
}
