import 'reflect-metadata';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/domain/errors';
import type { MigrationResult } from '../../src/domain/migration/result';
import { compareStrategies } from '../../src/app/use-cases/compare';
import { replay } from '../../src/app/use-cases/replay';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { migrate, recordedWrites, replayed, scenario } from './helpers';

const STRATEGIES = ['pre-copy', 'post-copy', 'hybrid'];
/**
 * 32 MiB, 20k writes/s: every strategy completes in well under a second of
 * simulated time; postcopy-preempt keeps post-copy's faults short, so its
 * guest gets through thousands of writes too.
 */
const SMALL = scenario({ vm: { memory: '32MiB' }, migration: { capabilities: { 'postcopy-preempt': true } } });
const SET = ['vm.workload.read-rate=2000'];

describe('compare', () => {
  let dir: string;
  let results: Record<string, MigrationResult>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtsim-compare-'));
    results = compareStrategies({ scenario: SMALL, set: SET, strategies: STRATEGIES, eventsDir: dir });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns one result per strategy, in the order asked', () => {
    expect(Object.keys(results)).toEqual(STRATEGIES);
    for (const name of STRATEGIES) expect(results[name].strategy).toBe(name);
  });

  it("each strategy's row equals its own migrate run on the same scenario", () => {
    for (const name of STRATEGIES) {
      const own = runMigration({ scenario: SMALL, set: SET, strategy: name });
      expect(results[name]).toEqual(own.result);
    }
  });

  it('with an events directory, writes one log per strategy that replays to the same row', () => {
    expect(readdirSync(dir).sort()).toEqual(STRATEGIES.map((name) => `${name}.ndjson`).sort());
    for (const name of STRATEGIES) expect(replay(join(dir, `${name}.ndjson`)).result).toEqual(results[name]);
  });

  it('runs every strategy on the same trace: their recorded writes agree on the common prefix', () => {
    const traces = STRATEGIES.map((name) => recordedWrites(readFileSync(join(dir, `${name}.ndjson`), 'utf8')));
    for (const trace of traces) expect(trace.length).toBeGreaterThan(1000);
    for (let a = 0; a < traces.length; a++) {
      for (let b = a + 1; b < traces.length; b++) {
        const common = Math.min(traces[a].length, traces[b].length);
        expect(traces[a].slice(0, common)).toEqual(traces[b].slice(0, common));
      }
    }
    // The strategies really differ: pre-copy re-sends, post-copy pulls.
    expect(results['pre-copy'].ram['postcopy-requests']).toBe(0);
    expect(results['post-copy'].ram['postcopy-requests']).toBeGreaterThan(0);
  });

  it('rejects an unknown or repeated strategy before running anything', () => {
    expect(() => compareStrategies({ scenario: SMALL, strategies: ['pre-copy', 'warp-drive'] })).toThrow(InputError);
    expect(() => compareStrategies({ scenario: SMALL, strategies: ['pre-copy', 'warp-drive'] })).toThrow(/known: hybrid, post-copy, pre-copy/);
    expect(() => compareStrategies({ scenario: SMALL, strategies: ['hybrid', 'hybrid'] })).toThrow(/listed twice/);
    expect(() => compareStrategies({ scenario: SMALL, strategies: [] })).toThrow(InputError);
  });
});

describe('the trace workload (migrate --workload-from LOG)', () => {
  let dir: string;
  let recordedPath: string;
  let recorded: { readonly logText: string; readonly result: MigrationResult };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtsim-trace-'));
    recordedPath = join(dir, 'recorded.ndjson');
    runMigration({ scenario: SMALL, strategy: 'pre-copy', eventsPath: recordedPath });
    recorded = { logText: readFileSync(recordedPath, 'utf8'), result: replay(recordedPath).result };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fromLog = () => [`vm.workload=${JSON.stringify({ model: 'trace', from: recordedPath })}`];

  it('reproduces the recorded writes exactly under the strategy that recorded them', () => {
    expect(existsSync(recordedPath)).toBe(true);
    const again = migrate({ scenario: SMALL, set: fromLog(), strategy: 'pre-copy' });
    expect(recordedWrites(again.logText)).toEqual(recordedWrites(recorded.logText));
    expect(again.result.ram).toEqual(recorded.result.ram);
    expect(again.result['total-time']).toBe(recorded.result['total-time']);
    expect(again.result.verification.consistent).toBe(true);
    expect(replayed(again)).toEqual(again.result);
  });

  it('replays a prefix of the recorded writes under another strategy', () => {
    const writes = recordedWrites(recorded.logText);
    for (const name of ['post-copy', 'hybrid']) {
      const run = migrate({ scenario: SMALL, set: fromLog(), strategy: name });
      const replayedWrites = recordedWrites(run.logText);
      expect(replayedWrites.length).toBeGreaterThan(0);
      expect(replayedWrites).toEqual(writes.slice(0, replayedWrites.length));
      expect(run.result.verification.consistent).toBe(true);
    }
  });

  it('replays writes that changed part of a page as recorded (the log\'s write-size), so xbzrle sees the same deltas', () => {
    const xbzrle = 'migration.capabilities.xbzrle=true';
    const partialPath = join(dir, 'partial-writes.ndjson');
    const original = runMigration({ scenario: SMALL, set: [xbzrle, 'vm.workload.write-size=256'], eventsPath: partialPath }).result;
    const trace = (fields: Record<string, unknown> = {}) => [xbzrle, `vm.workload=${JSON.stringify({ model: 'trace', from: partialPath, ...fields })}`];
    const again = migrate({ scenario: SMALL, set: trace() });
    expect(original['xbzrle-cache']?.pages).toBeGreaterThan(0);
    expect({ ...again.result, log: null }).toEqual({ ...original, log: null });
    const workloadOf = (logText: string) => JSON.parse(logText.slice(0, logText.indexOf('\n'))).scenario.vm.workload;
    expect(workloadOf(again.logText)['write-size']).toBe(256);
    // Given in the scenario, it wins, as dirty-rate does.
    expect(workloadOf(migrate({ scenario: SMALL, set: trace({ 'write-size': 1024 }) }).logText)['write-size']).toBe(1024);
  });

  it('compare on a recorded trace still gives each strategy its own migrate result', () => {
    const rows = compareStrategies({ scenario: SMALL, set: fromLog(), strategies: ['pre-copy', 'post-copy'] });
    for (const name of ['pre-copy', 'post-copy']) {
      expect(rows[name]).toEqual(runMigration({ scenario: SMALL, set: fromLog(), strategy: name }).result);
    }
  });
});
