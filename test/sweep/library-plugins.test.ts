import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeDir, tempDir, tinyScenario } from './helpers';

const ROOT = resolve(__dirname, '../..');
const PLUGIN = join(ROOT, 'test/plugins/fixtures/marks-worker-runs.cjs');

/**
 * Runs library code in a child node process on the compiled package: worker
 * threads start dist/'s migration-worker.js, and jest cannot import() a plugin.
 */
function library(code: string, mark: string): unknown {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import { compareStrategiesInParallel, createRegistry, loadPlugin, sweep } from ${JSON.stringify(join(ROOT, 'dist/src/index.js'))};
    ${code}
  `], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, VIRTSIM_TEST_WORKER_MARK: mark } });
  if (run.status !== 0) throw new Error(`node exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

describe('a registry with plugins, given to the library with jobs > 1', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => removeDir(dir));

  const registryWithPlugin = `const registry = createRegistry(); await loadPlugin(${JSON.stringify(PLUGIN)}, registry);`;

  it("sweep: worker threads load the registry's plugin files, without `plugins`", () => {
    const mark = join(dir, 'worker-runs');
    const statuses = library(`${registryWithPlugin}
      const rows = await sweep({ registry, scenario: ${JSON.stringify(tinyScenario())}, vary: ['vm.workload.dirty-rate=1000,2000,3000,4000'],
        strategies: ['marked-a'], jobs: 2 });
      console.log(JSON.stringify(rows.map((row) => row.figures.status)));
    `, mark);
    expect(statuses).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(existsSync(mark) && readFileSync(mark, 'utf8')).toMatch(/^marked-a\n/);
  });

  it("compareStrategiesInParallel: the same, each strategy's result as with jobs: 1", () => {
    const mark = join(dir, 'worker-runs');
    const results = library(`${registryWithPlugin}
      const options = { registry, scenario: ${JSON.stringify(tinyScenario())}, strategies: ['marked-a', 'marked-b'] };
      const parallel = await compareStrategiesInParallel({ ...options, jobs: 2 });
      const alone = await compareStrategiesInParallel({ ...options, jobs: 1 });
      console.log(JSON.stringify({ parallel, alone }));
    `, mark) as { parallel: unknown; alone: unknown };
    expect(results.parallel).toEqual(results.alone);
    expect(existsSync(mark) && readFileSync(mark, 'utf8')).toMatch(/^marked-[ab]\n$/);
  });
});
