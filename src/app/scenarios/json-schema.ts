import { z } from 'zod';
import { scenarioSchema } from '../../domain/scenario/schema';
import { storageScenarioSchema } from '../../domain/storage/scenario';

/** Where the generated schemas live in the repository (npm run schema writes them). */
export const SCHEMA_FILES = {
  migration: 'schema/scenario.schema.json',
  storage: 'schema/storage-scenario.schema.json',
} as const;

const SCHEMA_BASE = 'https://virtsim.dev/schema/';

/**
 * The JSON Schema of scenario files, generated from the zod schema that
 * validates them. `io: 'input'` describes what a file may contain (units as
 * strings, omitted fields with their defaults), not the parsed result.
 * Cross-field checks (memory a multiple of page-size, names that must
 * exist...) stay in zod: the JSON Schema is for editors, zod is the judge.
 */
export function scenarioJsonSchema(kind: keyof typeof SCHEMA_FILES): Record<string, unknown> {
  const schema = kind === 'migration' ? scenarioSchema : storageScenarioSchema;
  const generated = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: `${SCHEMA_BASE}${SCHEMA_FILES[kind].replace('schema/', '')}`,
    title: kind === 'migration' ? 'virtsim migration scenario' : 'virtsim storage scenario',
    description: kind === 'migration'
      ? 'A live-migration scenario for `virtsim migrate` / `compare`. Generated from src/domain/scenario/schema.ts by `npm run schema`; do not edit.'
      : 'A storage-virtualization scenario for `virtsim storage`. Generated from src/domain/storage/scenario.ts by `npm run schema`; do not edit.',
    ...rest,
  };
}

/** The file's text, exactly as `npm run schema` writes it. */
export function scenarioJsonSchemaText(kind: keyof typeof SCHEMA_FILES): string {
  return `${JSON.stringify(scenarioJsonSchema(kind), null, 2)}\n`;
}
