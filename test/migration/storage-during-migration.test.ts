import 'reflect-metadata';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { replayText } from '../../src/app/use-cases/replay';
import { InputError } from '../../src/domain/errors';
import { createRegistry } from '../../src/infrastructure/container/built-ins';
import type { MigrationContext } from '../../src/strategies/migration/context';
import { PreCopyStrategy } from '../../src/strategies/migration/pre-copy';

const base = {
  seed: 3,
  vm: { memory: '64MiB', workload: { model: 'uniform', 'dirty-rate': 2000 } },
  link: { bandwidth: '1Gbit/s', latency: '100us' },
  migration: { parameters: { 'max-bandwidth': '1Gbit/s' } },
};
const mirror = { mode: 'mirror', disk: '256MiB', 'block-size': '64KiB', workload: { 'write-rate': 300 } };

function run(storage: unknown, strategy = 'pre-copy') {
  return runMigration({ scenario: { ...base, storage }, strategy, keepLog: true });
}

describe('storage during migration', () => {
  it.each(['pre-copy', 'post-copy', 'hybrid'])('mirror mode under %s: the destination disk equals the source disk at switchover', (strategy) => {
    const { result } = run(mirror, strategy);
    expect(result.status).toBe('completed');
    expect(result.disk?.mode).toBe('mirror');
    expect(result.disk?.consistent).toBe(true);
    expect(result.disk?.['guest-writes']).toBeGreaterThan(0);
    // Every block crossed at least once, and re-dirtied ones again.
    expect(result.disk?.transferred).toBeGreaterThan(256 * 1024 * 1024);
    expect(result.disk?.['time-to-ready']).not.toBeNull();
    expect(result.verification.consistent).toBe(true);
  });

  it('shared mode sends no disk bytes', () => {
    const { result } = run({ mode: 'shared', disk: '256MiB' });
    expect(result.disk).toMatchObject({ mode: 'shared', share: 'nas0', transferred: 0, 'mirror-bytes': 0, 'downtime-bytes': 0 });
  });

  it('a disk sharing the link changes memory downtime and total time', () => {
    const shared = run({ mode: 'shared', disk: '256MiB' }).result;
    const mirrored = run(mirror).result;
    expect(mirrored['total-time']).toBeGreaterThan(shared['total-time']);
    expect(mirrored.downtime).not.toBe(shared.downtime);
    // The memory stream ran at half the link while the bulk copy was on.
    expect(mirrored.rounds[0].duration).toBeGreaterThan(1.8 * shared.rounds[0].duration);
  });

  it('refuses shared storage the destination cannot reach, naming the field', () => {
    expect(() => run({ mode: 'shared', share: { name: 'nas1', reachable: ['host-a'] } })).toThrow(InputError);
    expect(() => run({ mode: 'shared', share: { name: 'nas1', reachable: ['host-a'] } })).toThrow(/storage\.share\.reachable: host-b cannot reach share nas1/);
  });

  it('a strategy that pivots without flushing the mirror is caught: disk inconsistent', () => {
    class NoFlush extends PreCopyStrategy {
      override readonly name: string = 'no-flush';
      protected override stopAndCopy(ctx: MigrationContext, reason: string): void {
        ctx.guest.pause(reason);
        ctx.sync();
        const batch = ctx.sendDirty('stop-and-copy', Number.POSITIVE_INFINITY);
        ctx.at(ctx.now + ctx.transferNs(batch.bytes, ctx.link.fullRateBytesPerS), () => {
          ctx.guest.resume(ctx.destination);
          ctx.complete();
        });
      }
    }
    const registry = createRegistry();
    registry.register('migration-strategy', NoFlush, 'test');
    const { result } = runMigration({ scenario: { ...base, storage: mirror }, strategy: 'no-flush', registry });
    expect(result.disk?.consistent).toBe(false);
    expect(result.verification.consistent).toBe(false);
  });

  it('replays to the same figures, disk included', () => {
    const { result, logText } = run(mirror, 'hybrid');
    expect(replayText(logText as string).result).toEqual(result);
  });
});
