// Record a run's event log, then replay it: the log alone gives back the same result.
//   npm ci && node examples/library/replay-log.mjs [LOG]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay, replayAny, runMigration } from '../../dist/src/index.js';

const given = process.argv[2];
const dir = given ? null : mkdtempSync(join(tmpdir(), 'virtsim-example-'));
const log = given ?? join(dir, 'run.ndjson');
try {
  let live = null;
  if (!given) {
    // eventsPath writes the NDJSON log atomically (temp file + rename).
    live = runMigration({ scenario: { vm: { memory: '128MiB' } }, strategy: 'post-copy', eventsPath: log }).result;
  }
  // replay() verifies the hash chain and folds the events through the same projection; it runs no strategy.
  const again = given ? replayAny(log) : { kind: 'migration', ...replay(log) };
  console.log(JSON.stringify({
    kind: again.kind,
    strategy: again.header.strategies['migration-strategy']?.name ?? again.header.strategies['storage-model']?.name,
    events: again.result.log.events,
    sha256: again.result.log.sha256,
    consistent: again.result.verification.consistent,
    'same-as-live': live === null ? null : JSON.stringify(live) === JSON.stringify(again.result),
  }, null, 2));
} finally {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
