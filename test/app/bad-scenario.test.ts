import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listDir, removeDir, tempDir, virtsim, writeJson } from '../support/cli';
import { smallScenario } from '../support/scenarios';

interface BadCase {
  readonly name: string;
  /** Scenario file contents (text) or a JSON value. */
  readonly scenario: unknown;
  readonly extraArgs?: readonly string[];
  /** What stderr must say: the field (or file) and the reason. */
  readonly message: RegExp;
}

/** One fault, so migration.faults has one element (index 0). */
const withFault = { ...smallScenario(), migration: { ...smallScenario().migration, faults: [{ kind: 'link-down', at: 50, duration: 100 }] } };

const BAD_CASES: readonly BadCase[] = [
  { name: 'a file that is not JSON', scenario: '{ "vm": { "memory": 16MiB } }', message: /scenario\.json: not valid JSON/ },
  { name: 'an unknown migration strategy', scenario: smallScenario({ strategy: 'teleport' }), message: /migration\.strategy: unknown migration-strategy "teleport"; known: .*pre-copy/ },
  { name: 'an unknown stop policy', scenario: smallScenario({ stopPolicy: 'never' }), message: /migration\.stop-policy: unknown stop-policy "never"; known: .*pass-threshold.*qemu.*xen/ },
  { name: 'an unknown workload model', scenario: smallScenario({ workload: { model: 'chaos' } }), message: /vm\.workload\.model: unknown workload "chaos"; known: .*hot-cold.*idle.*trace.*uniform/ },
  { name: 'an unknown strategy given as a flag', scenario: smallScenario(), extraArgs: ['--strategy', 'warp'], message: /migration\.strategy: unknown migration-strategy "warp"; known: .*pre-copy/ },
  { name: 'a negative size with a unit', scenario: { ...smallScenario(), vm: { memory: '-16MiB' } }, message: /vm\.memory: "-16MiB" is not a size/ },
  { name: 'a negative size in bytes', scenario: { ...smallScenario(), vm: { memory: -16777216 } }, message: /vm\.memory: must be positive/ },
  { name: 'a negative working set', scenario: smallScenario({ workload: { model: 'uniform', 'working-set': -4096 } }), message: /vm\.workload\.working-set: must be positive/ },
  { name: 'an unknown size unit', scenario: { ...smallScenario(), vm: { memory: '16MeB' } }, message: /vm\.memory: unknown unit "MeB" in "16MeB"; known: .*mib/ },
  { name: 'an unknown rate unit', scenario: smallScenario({ bandwidth: '1Gbit/h' }), message: /link\.bandwidth: unknown unit "Gbit\/h"/ },
  { name: 'an unknown time unit', scenario: smallScenario({ latency: '3 fortnights' }), message: /link\.latency: / },
  { name: 'an unknown field', scenario: { ...smallScenario(), link: { bandwidth: '1Gbit/s', jitter: '1ms' } }, message: /link\.jitter: unknown field/ },
  { name: 'an unknown workload field', scenario: smallScenario({ workload: { model: 'uniform', 'dirty-rte': 5 } }), message: /vm\.workload\.dirty-rte: unknown field/ },
  { name: 'memory that is not a whole number of pages', scenario: smallScenario({ memory: 16 * 1024 * 1024 + 100 }), message: /vm\.memory: must be a multiple of page-size/ },
  { name: 'a bad --set override', scenario: smallScenario(), extraArgs: ['--set', 'vm.memory=-1'], message: /^virtsim: vm\.memory: must be positive \(from --set vm\.memory=-1\)$/m },
  { name: 'an unknown field from --set, not blamed on the file', scenario: smallScenario(), extraArgs: ['--set', 'vm.memroy=1GiB'], message: /^virtsim: vm\.memroy: unknown field \(from --set vm\.memroy=1GiB\)$/m },
  { name: 'a --seed out of range', scenario: smallScenario(), extraArgs: ['--seed', '99999999999999999999'], message: /^virtsim: seed: .*\(from --seed 100000000000000000000\)$/m },
  { name: 'a --set reaching Object.prototype', scenario: smallScenario(), extraArgs: ['--set', '__proto__.polluted=1'], message: /--set: __proto__\.polluted: "__proto__" is not a scenario field/ },
  { name: 'a --set whose JSON value is cut short', scenario: smallScenario(), extraArgs: ['--set', 'vm={"memory":'], message: /--set: vm: the value is not valid JSON/ },
  { name: 'a model switched with --set, keeping the old model\'s fields', scenario: smallScenario({ workload: { model: 'uniform', 'dirty-rate': 5 } }), extraArgs: ['--set', 'vm.workload.model=idle'], message: /vm\.workload\.dirty-rate: unknown field for model "idle": .*--set 'vm\.workload=\{"model":"idle"\}'/ },
  { name: 'a --set index past the end of a list', scenario: withFault, extraArgs: ['--set', 'migration.faults.1.at=5'], message: /^virtsim: --set: migration\.faults\.1\.at: migration\.faults has 1 element \(0\), so 1 is out of range; --set changes existing elements only: add elements in the scenario file, or set the whole list: --set 'migration\.faults=\[\.\.\.\]'$/m },
  { name: 'a --set with a negative index', scenario: withFault, extraArgs: ['--set', 'migration.faults.-1.at=5'], message: /^virtsim: --set: migration\.faults\.-1\.at: "-1" is not an index of migration\.faults, which has 1 element \(0\): an index is a whole number from 0, written without sign or leading zeros$/m },
  { name: 'a --set with a zero-padded index', scenario: withFault, extraArgs: ['--set', 'migration.faults.00.at=5'], message: /^virtsim: --set: migration\.faults\.00\.at: "00" is not an index of migration\.faults/m },
  { name: 'a --set naming a list element by a field', scenario: withFault, extraArgs: ['--set', 'migration.faults.link-down.at=5'], message: /^virtsim: --set: migration\.faults\.link-down\.at: migration\.faults is a list with 1 element \(0\): pick an element by its index, not "link-down"$/m },
  { name: 'a --set index into an object', scenario: withFault, extraArgs: ['--set', 'migration.parameters.0=5'], message: /^virtsim: --set: migration\.parameters\.0: migration\.parameters is an object, not a list, and has no field "0"$/m },
  { name: 'a --set index into a list the scenario does not have', scenario: smallScenario(), extraArgs: ['--set', 'network.clients.0.app-timeout=1s'], message: /^virtsim: --set: network\.clients\.0\.app-timeout: network\.clients is not in the scenario, so it has no element 0; add the list in the scenario file, or set it whole: --set 'network\.clients=\[\.\.\.\]'$/m },
  { name: 'a bad value set into a list element, blamed on the flag', scenario: withFault, extraArgs: ['--set', 'migration.faults.0.at=soon'], message: /^virtsim: migration\.faults\.0\.at: .*\(from --set migration\.faults\.0\.at=soon\)$/m },
  { name: 'a size too large for a whole number of bytes', scenario: { ...smallScenario(), vm: { memory: '1e30GiB' } }, message: /vm\.memory: too large/ },
  { name: 'a scenario file holding null', scenario: 'null', message: /scenario\.json: a scenario is a JSON object, not null/ },
];

describe('a bad scenario', () => {
  let dir: string;
  beforeAll(() => { dir = tempDir(); });
  afterAll(() => removeDir(dir));

  for (const { name, scenario, extraArgs = [], message } of BAD_CASES) {
    it(`${name}: exits 2 naming the field, prints nothing on stdout and leaves no file behind`, () => {
      const caseDir = join(dir, name.replace(/\W+/g, '-'));
      const outDir = join(caseDir, 'out');
      const scenarioPath = join(caseDir, 'scenario.json');
      mkdirSync(caseDir);
      if (typeof scenario === 'string') writeFileSync(scenarioPath, scenario);
      else writeJson(scenarioPath, scenario);
      const events = join(outDir, 'run.ndjson');
      const run = virtsim(['migrate', '--scenario', scenarioPath, '--events', events, '--json', ...extraArgs]);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(message);
      // Nothing half-written: no log, and no temporary file beside it.
      const left = listDir(caseDir).filter((entry) => entry !== 'scenario.json');
      expect(left.flatMap((entry) => (entry === 'out' ? listDir(outDir).map((f) => `out/${f}`) : [entry]))).toEqual([]);
    });
  }

  it('a run that fails after the log was opened leaves neither the log nor its temporary file', () => {
    // A trace recorded on a 16 MiB VM replayed on a 1 MiB one writes pages the VM does not have.
    const recorded = join(dir, 'big.ndjson');
    const big = writeJson(join(dir, 'big.json'), smallScenario({ workload: { model: 'uniform', 'dirty-rate': 20000 } }));
    expect(virtsim(['migrate', '--scenario', big, '--events', recorded]).status).toBe(0);
    const outDir = join(dir, 'trace-out');
    const small = writeJson(join(dir, 'small.json'), smallScenario({ memory: '1MiB', workload: { model: 'trace', from: recorded } }));
    const run = virtsim(['migrate', '--scenario', small, '--events', join(outDir, 'run.ndjson'), '--json']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/vm\.workload\.from: the trace writes page \d+, beyond this VM's 256 pages/);
    expect(listDir(outDir)).toEqual([]);
  });

  it('a scenario file that does not exist exits 2 naming it', () => {
    const run = virtsim(['migrate', '--scenario', join(dir, 'nope.json')]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/nope\.json: cannot read scenario: ENOENT/);
  });
});
