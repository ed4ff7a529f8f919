import { join, resolve } from 'node:path';
import type * as WorkerPoolModule from '../../src/app/use-cases/worker-pool';
import type { MigrationTask, MigrationTaskResult } from '../../src/app/use-cases/migration-worker';
import { tinyScenario } from './helpers';

// Worker threads run the compiled worker (dist/, built by the global setup), so the pool is taken from there too.
const ROOT = resolve(__dirname, '../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { WorkerPool } = require(join(ROOT, 'dist/src/app/use-cases/worker-pool')) as typeof WorkerPoolModule;

const task = (index: number, plugins: string[] = []): MigrationTask => ({
  index, scenario: tinyScenario('8MiB', index + 1), strategy: 'pre-copy', plugins, reply: 'figures',
});

describe('worker pool', () => {
  it('a worker drains the shared counter and posts every result it ran', async () => {
    const pool = new WorkerPool(1);
    try {
      const results: MigrationTaskResult[] = [];
      const tasks = [task(0), task(1), task(2)];
      await Promise.all(pool.drainAll({ tasks, counter: new SharedArrayBuffer(8), shareTrace: false }, (result) => results.push(result)));
      expect(results.map((result) => result.index)).toEqual([0, 1, 2]);
      for (const result of results) expect('figures' in result && result.figures.status).toBe('completed');
    } finally {
      await pool.destroy();
    }
  });

  it('rejects, naming the exit code, when a worker thread dies instead of waiting for its results', async () => {
    const pool = new WorkerPool(1);
    try {
      const plugin = join(ROOT, 'test/plugins/fixtures/exits-in-worker.cjs');
      const share = { tasks: [task(0, [plugin])], counter: new SharedArrayBuffer(8), shareTrace: false };
      const results: MigrationTaskResult[] = [];
      const failure = Promise.all(pool.drainAll(share, (result) => results.push(result)));
      await expect(failure).rejects.toThrow('a migration worker exited (code 3) before its runs were done');
      // The plugin it had loaded is named, as bad input.
      await expect(failure).rejects.toMatchObject({ name: 'InputError', problems: [{ path: '--plugin', reason: expect.stringContaining(plugin) }] });
      expect(results).toEqual([]);
      // A dead worker takes no further share.
      await expect(Promise.all(pool.drainAll(share, () => undefined))).rejects.toThrow(/exited \(code 3\)/);
    } finally {
      await pool.destroy();
    }
  });
});
