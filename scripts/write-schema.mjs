// npm run schema: writes the JSON Schemas of scenario files and docs/scenario-reference.md,
// generated from the zod schemas (compiled into dist/ by the build that runs first).
// test/examples/schema.test.ts fails when the committed files differ from what this writes.
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { SCHEMA_FILES, REFERENCE_FILE, scenarioJsonSchemaText, scenarioReferenceText } = require(join(root, 'dist/src/app/scenarios/json-schema.js'));

function writeAtomically(relative, text) {
  const target = join(root, relative);
  const temporary = `${target}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, target);
  console.log(`wrote ${relative}`);
}

for (const [kind, file] of Object.entries(SCHEMA_FILES)) writeAtomically(file, scenarioJsonSchemaText(kind));
writeAtomically(REFERENCE_FILE, scenarioReferenceText());
