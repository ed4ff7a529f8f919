import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replay, replayText } from '../../src/app/use-cases/replay';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { removeDir, tempDir, virtsim, writeJson } from '../support/cli';
import { smallScenario } from '../support/scenarios';

const STOP_POLICIES = ['qemu', 'pass-threshold', 'xen'];

describe('replaying a log', () => {
  let dir: string;
  let recordedLog: string;

  beforeAll(() => {
    dir = tempDir();
    recordedLog = join(dir, 'recorded.ndjson');
    runMigration({ scenario: smallScenario({ workload: { model: 'uniform', 'dirty-rate': 20000, 'working-set': '4MiB' } }), eventsPath: recordedLog });
  });
  afterAll(() => removeDir(dir));

  // A function: the trace's log path is known only once beforeAll ran.
  const workloadFor = (name: string): Record<string, unknown> => ({
    idle: { model: 'idle' },
    uniform: { model: 'uniform', 'dirty-rate': 20000, 'working-set': '8MiB' },
    'hot-cold': { model: 'hot-cold', 'dirty-rate': 20000, 'hot-set': '2MiB', 'hot-fraction': 0.9 },
    trace: { model: 'trace', from: recordedLog },
  } as Record<string, Record<string, unknown>>)[name];

  for (const policy of STOP_POLICIES) {
    for (const name of ['idle', 'uniform', 'hot-cold', 'trace']) {
      it(`gives the live run's result for the ${name} workload under ${policy}`, () => {
        const workload = workloadFor(name);
        const eventsPath = join(dir, `${policy}-${name}.ndjson`);
        const live = runMigration({ scenario: smallScenario({ workload, stopPolicy: policy, downtimeLimitMs: 5, zeroPageRatio: 0.2 }), eventsPath, keepLog: true });
        expect(live.result.status).toBe('completed');
        expect(replay(eventsPath).result).toEqual(live.result);
        expect(replayText(live.logText as string).result).toEqual(live.result);
        expect(readFileSync(eventsPath, 'utf8')).toBe(live.logText);
      });
    }
  }

  it('reads a trace workload\'s relative `from` beside the scenario file, as plugins are, wherever the command runs', () => {
    const scenarioPath = writeJson(join(dir, 'traced.json'), smallScenario({ workload: { model: 'trace', from: 'recorded.ndjson' } }));
    const run = virtsim(['migrate', '--scenario', scenarioPath, '--json'], '/');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).ram['guest-writes']).toBeGreaterThan(0);
    const missing = virtsim(['migrate', '--workload-from', 'recorded.ndjson'], '/');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/vm\.workload\.from: recorded\.ndjson: no such file/);
  });

  it('replays the trace workload to the same writes the recorded run made', () => {
    const recorded = replay(recordedLog).result;
    const traced = runMigration({ scenario: smallScenario({ workload: { model: 'trace', from: recordedLog } }) }).result;
    // Same scenario, same writes at the same guest times: the same migration.
    expect({ ...traced, log: null }).toEqual({ ...recorded, log: null });
  });

  describe('through the CLI', () => {
    it('prints JSON equal to what migrate printed', () => {
      const scenario = writeJson(join(dir, 'cli-scenario.json'), smallScenario({ workload: { model: 'uniform', 'dirty-rate': 30000 }, downtimeLimitMs: 10 }));
      const events = join(dir, 'cli.ndjson');
      const migrated = virtsim(['migrate', '--scenario', scenario, '--events', events, '--json']);
      expect(migrated.status).toBe(0);
      const replayed = virtsim(['replay', events, '--json']);
      expect(replayed.status).toBe(0);
      expect(replayed.stderr).toBe('');
      expect(JSON.parse(replayed.stdout)).toEqual(JSON.parse(migrated.stdout));
    });

    it('prints the same human summary as migrate', () => {
      const scenario = writeJson(join(dir, 'cli-text.json'), smallScenario({ stopPolicy: 'xen', workload: { model: 'uniform', 'dirty-rate': 30000 }, downtimeLimitMs: 5 }));
      const events = join(dir, 'cli-text.ndjson');
      const migrated = virtsim(['migrate', '--scenario', scenario, '--events', events]);
      const replayed = virtsim(['replay', events]);
      expect(migrated.status).toBe(0);
      expect(replayed.status).toBe(0);
      expect(replayed.stdout).toBe(migrated.stdout);
      expect(replayed.stdout).toMatch(/round/);
    });
  });
});
