import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { SMALL_CASES, type GoldenHashes } from '../../bench/golden-cases';

/**
 * Performance work must not change a single byte of any event log (issue 7).
 * bench/golden-hashes.json holds the log hashes recorded before the
 * optimisations; the small cases are re-run here. The 64 GiB ones are checked
 * by hand (`node dist/bench/golden.js --large`): this test times nothing.
 */
const golden = JSON.parse(readFileSync(join(__dirname, '..', '..', 'bench', 'golden-hashes.json'), 'utf8')) as GoldenHashes;

describe('event logs stay byte-identical across performance work', () => {
  it('has a recorded hash for every small case', () => {
    expect(Object.keys(golden.small).sort()).toEqual(SMALL_CASES.map((c) => c.name).sort());
  });

  it.each(SMALL_CASES.map((c) => [c.name, c] as const))('%s', (name, goldenCase) => {
    const run = runMigration({ scenario: goldenCase.scenario, strategy: goldenCase.strategy, stopPolicy: goldenCase.stopPolicy, set: goldenCase.set });
    expect(run.result.verification.consistent).toBe(true);
    expect(run.result.log.sha256).toBe(golden.small[name]);
  });
});
