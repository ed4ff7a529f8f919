import 'reflect-metadata';
import { join } from 'node:path';
import { injectable } from 'inversify';
import { replayText } from '../../src/app/use-cases/replay';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { createRegistry } from '../../src/infrastructure/container/built-ins';
import type { MigrationContext } from '../../src/strategies/migration/context';
import { PreCopyStrategy } from '../../src/strategies/migration/pre-copy';
import { removeDir, tempDir } from '../support/cli';
import { smallScenario } from '../support/scenarios';

const STOP_POLICIES = ['qemu', 'pass-threshold', 'xen'] as const;

/**
 * A pre-copy whose stop-and-copy "forgets" the last sync: pages written since
 * the previous sync never reach the destination. (When the stop follows a
 * sync at the same instant nothing is lost; a forced stop-and-copy mid-round,
 * as migration.timeout causes, loses them.)
 */
@injectable()
class SkipsFinalSyncPreCopy extends PreCopyStrategy {
  override readonly name: string = 'pre-copy-skipping-final-sync';
  override readonly description: string = 'Broken on purpose: the stop-and-copy skips the final dirty-bitmap sync.';

  protected override stopAndCopy(ctx: MigrationContext, reason: string): void {
    ctx.guest.pause(reason);
    const batch = ctx.sendDirty('stop-and-copy', Number.POSITIVE_INFINITY);
    const downtimeNs = ctx.transferNs(batch.bytes + ctx.sendDeviceState(), ctx.link.linkRateBytesPerS) + ctx.link.latencyNs;
    ctx.at(ctx.now + downtimeNs, () => {
      ctx.guest.resume(ctx.destination);
      ctx.complete();
    });
  }
}

/** A pre-copy that clears 50 dirty pages in its first window without sending them. */
@injectable()
class ForgetsPagesPreCopy extends PreCopyStrategy {
  override readonly name: string = 'pre-copy-dropping-pages';
  override readonly description: string = 'Broken on purpose: clears dirty pages without sending them.';
  private windows = 0;

  protected override window(ctx: MigrationContext): void {
    if (++this.windows === 1) ctx.memory.takeToSend(50 * 4104);
    super.window(ctx);
  }
}

describe('memory verification across strategies', () => {
  let dir: string;
  let recorded: string;

  beforeAll(() => {
    dir = tempDir();
    recorded = join(dir, 'recorded.ndjson');
    runMigration({ scenario: smallScenario({ workload: { model: 'hot-cold', 'dirty-rate': 20000, 'hot-set': '1MiB', 'hot-fraction': 0.7 } }), eventsPath: recorded });
  });
  afterAll(() => removeDir(dir));

  // A function: the trace's log path is known only once beforeAll ran.
  const workloads = (): Record<string, Record<string, unknown>> => ({
    idle: { model: 'idle' },
    uniform: { model: 'uniform', 'dirty-rate': 20000, 'working-set': '4MiB' },
    'hot-cold': { model: 'hot-cold', 'dirty-rate': 20000, 'hot-set': '2MiB', 'hot-fraction': 0.9 },
    trace: { model: 'trace', from: recorded },
  });

  for (const policy of STOP_POLICIES) {
    for (const workload of ['idle', 'uniform', 'hot-cold', 'trace']) {
      it(`is consistent for the ${workload} workload under ${policy}`, () => {
        const { result } = runMigration({
          scenario: smallScenario({ workload: workloads()[workload], stopPolicy: policy, zeroPageRatio: 0.3 }),
        });
        expect(result.status).toBe('completed');
        expect(result.verification).toMatchObject({ consistent: true, 'verified-on': 'destination', 'mismatched-pages': 0 });
        if (workload !== 'idle') {
          // Pages were dirtied after being sent, so the verdict had something to check.
          expect(result.ram.normal + result.ram.duplicate).toBeGreaterThan(result.ram.total / result.ram['page-size']);
        }
      });
    }
  }

  describe('given a strategy registered in a test registry that skips the final sync', () => {
    const registry = createRegistry();
    registry.register('migration-strategy', SkipsFinalSyncPreCopy, 'test');
    // migration.timeout forces the stop-and-copy in mid-round, 50 ms after the first sync.
    const scenario = (strategy: string) => smallScenario({ strategy, workload: { model: 'uniform', 'dirty-rate': 20000 }, timeoutMs: 50, timeoutAction: 'suspend' });
    const run = () => runMigration({ scenario: scenario('pre-copy-skipping-final-sync'), registry, keepLog: true });

    it('reports the migration inconsistent and names pages', () => {
      const { result } = run();
      expect(result.status).toBe('completed');
      expect(result.verification.consistent).toBe(false);
      expect(result.verification['mismatched-pages']).toBeGreaterThan(0);
      expect(result.verification['mismatched-sample'].length).toBeGreaterThan(0);
    });

    it('is caught by a replay of its log too', () => {
      const live = run();
      expect(replayText(live.logText as string).result.verification).toEqual(live.result.verification);
    });

    it('the same scenario with the real pre-copy is consistent', () => {
      const { result } = runMigration({ scenario: scenario('pre-copy'), registry });
      expect(result.status).toBe('completed');
      expect(result.verification.consistent).toBe(true);
    });
  });

  it('catches a strategy that clears dirty pages without sending them', () => {
    const registry = createRegistry();
    registry.register('migration-strategy', ForgetsPagesPreCopy, 'test');
    const { result } = runMigration({
      scenario: smallScenario({ strategy: 'pre-copy-dropping-pages', workload: { model: 'idle' } }),
      registry,
    });
    expect(result.status).toBe('completed');
    expect(result.verification).toMatchObject({ consistent: false, 'mismatched-pages': 50, 'mismatched-sample': [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
  });
});
