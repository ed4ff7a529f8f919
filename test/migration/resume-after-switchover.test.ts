import 'reflect-metadata';
import { injectable } from 'inversify';
import { InputError } from '../../src/domain/errors';
import { createRegistry } from '../../src/infrastructure/container/built-ins';
import type { MigrationContext, MigrationStrategy } from '../../src/strategies/migration/context';
import { eventsOfType, migrate, replayed, scenario } from './helpers';

/**
 * Plugin-style strategies that send everything, resume the VM on the
 * destination, pause it there, then `after(ctx)`. Replay refuses a log in
 * which the VM resumes on the source once it ran on the destination, so no
 * run may write one.
 */
function switchingBack(name: string, after: (ctx: MigrationContext) => void) {
  @injectable()
  class SwitchingBack implements MigrationStrategy {
    readonly name = name;
    readonly version = '1.0.0';
    readonly description = 'pauses the VM again after switchover';

    start(ctx: MigrationContext): void {
      ctx.begin();
      ctx.markAllDirty();
      ctx.guest.pause('stop-and-copy');
      ctx.sendDirty('stop-and-copy', Number.POSITIVE_INFINITY);
      ctx.at(ctx.now + 1_000_000, () => {
        ctx.guest.resume(ctx.destination);
        ctx.guest.pause('paused again on the destination');
        after(ctx);
      });
    }
  }
  return SwitchingBack;
}

describe('a VM that ran on the destination', () => {
  const registry = createRegistry();
  registry.register('migration-strategy', switchingBack('back-to-source', (ctx) => ctx.guest.resume(ctx.source)), 'test-plugin@1.0.0');
  registry.register('migration-strategy', switchingBack('cancel-while-paused', (ctx) => ctx.cancel('changed its mind')), 'test-plugin@1.0.0');

  it('cannot be resumed on the source by a strategy: the run fails, blaming the plugin', () => {
    let thrown: unknown;
    try {
      migrate({ registry, scenario: scenario({ vm: { memory: '4MiB' } }), strategy: 'back-to-source' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).message).toBe(
      'migration-strategy "back-to-source" from test-plugin@1.0.0 threw while running: cannot resume the VM on the source (host-a) after it ran on the destination: the source\'s memory is stale',
    );
  });

  it('resumes on the destination when the migration ends with it paused there, and the log replays', () => {
    const run = migrate({ registry, scenario: scenario({ vm: { memory: '4MiB' } }), strategy: 'cancel-while-paused' });
    expect(run.result.status).toBe('cancelled');
    expect(eventsOfType(run.logText, 'VmResumed').map((resumed) => resumed.data.host)).toEqual(['host-b', 'host-b']);
    expect(replayed(run)).toEqual(run.result);
  });
});
