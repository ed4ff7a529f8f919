import 'reflect-metadata';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runMigration } from '../src/app/use-cases/run-migration';
import { readScenarioFile } from '../src/app/use-cases/scenario-input';
import { LARGE_CASES, SMALL_CASES, type GoldenCase, type GoldenHashes } from './golden-cases';

/**
 * Records or checks the golden event-log hashes (bench/golden-hashes.json).
 *   node dist/bench/golden.js            check the small cases
 *   node dist/bench/golden.js --large    check the small and the large (64 GiB) cases
 *   node dist/bench/golden.js --record   record both (only before an optimisation, never to "fix" a mismatch)
 */
const ROOT = resolve(process.env.VIRTSIM_ROOT ?? process.cwd());
const HASHES = join(ROOT, 'bench', 'golden-hashes.json');

function logHash(golden: GoldenCase): string {
  const scenario = typeof golden.scenario === 'string' ? readScenarioFile(join(ROOT, 'bench', 'scenarios', golden.scenario)) : golden.scenario;
  const run = runMigration({ scenario, strategy: golden.strategy, stopPolicy: golden.stopPolicy, set: golden.set });
  return run.result.log.sha256;
}

function main(argv: readonly string[]): number {
  const record = argv.includes('--record');
  const large = record || argv.includes('--large');
  const hashes: { small: Record<string, string>; large: Record<string, string> } = { small: {}, large: {} };
  const known = record ? null : (JSON.parse(readFileSync(HASHES, 'utf8')) as GoldenHashes);
  let failures = 0;
  const groups: Array<['small' | 'large', readonly GoldenCase[]]> = [['small', SMALL_CASES]];
  if (large) groups.push(['large', LARGE_CASES]);
  for (const [group, cases] of groups) {
    for (const golden of cases) {
      const hash = logHash(golden);
      hashes[group][golden.name] = hash;
      const expected = known?.[group][golden.name];
      const verdict = known === null ? 'recorded' : expected === hash ? 'same' : 'CHANGED';
      if (verdict === 'CHANGED') failures++;
      process.stdout.write(`${verdict.padEnd(9)} ${group.padEnd(6)} ${golden.name.padEnd(24)} ${hash}\n`);
    }
  }
  if (record) {
    const out: GoldenHashes = {
      note: 'sha256 of the event log of each case in bench/golden-cases.ts; must never change (issue 7). Small cases: test/performance/log-stability.test.ts; large: node dist/bench/golden.js --large.',
      ...hashes,
    };
    const temp = `${HASHES}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(out, null, 2)}\n`);
    renameSync(temp, HASHES);
  }
  return failures === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
