import 'reflect-metadata';
import { injectable } from 'inversify';
import { createRegistry } from '../../src/infrastructure/container/built-ins';
import type { MigrationContext, MigrationStrategy } from '../../src/strategies/migration/context';
import { migrate, replayed, scenario } from './helpers';

/** A plugin-style strategy that never ends: it reschedules itself `stepNs` later, forever. */
function endless(name: string, stepNs: number) {
  @injectable()
  class Endless implements MigrationStrategy {
    readonly name = name;
    readonly version = '1.0.0';
    readonly description = 'never completes';

    start(ctx: MigrationContext): void {
      ctx.begin();
      const step = (): void => ctx.at(ctx.now + stepNs, step);
      step();
    }
  }
  return Endless;
}

describe('a strategy that never ends', () => {
  const registry = createRegistry();
  registry.register('migration-strategy', endless('endless', 1_000_000), 'test-plugin@1.0.0');
  registry.register('migration-strategy', endless('spinning', 0), 'test-plugin@1.0.0');

  it('is failed by the runtime once it schedules work past migration.max-duration, and the log says why', () => {
    const run = migrate({ registry, scenario: scenario({ migration: { 'max-duration': 50 } }), strategy: 'endless' });
    expect(run.result.status).toBe('failed');
    expect(run.result.reason).toBe('the strategy scheduled work past migration.max-duration (50 ms)');
    expect(run.result['total-time']).toBeLessThanOrEqual(50 + 1000);
    expect(run.result.verification.consistent).toBe(true);
    expect(replayed(run)).toEqual(run.result);
  });

  it('is judged by its own scheduling only: faults the runtime schedules past max-duration do not stop a run', () => {
    // The link comes back at 15 s, past max-duration + 1 s: the runtime schedules that, not the strategy.
    const faults = { 'max-duration': 10_000, faults: [{ kind: 'link-down', at: 5000, duration: 10_000 }] };
    const builtIn = migrate({ scenario: scenario({ migration: faults }), strategy: 'pre-copy' });
    expect(builtIn.result.status).toBe('completed');
    const plugin = migrate({ registry, scenario: scenario({ migration: { ...faults, 'max-duration': 50 } }), strategy: 'endless' });
    expect(plugin.result.reason).toBe('the strategy scheduled work past migration.max-duration (50 ms)');
    expect(plugin.result['total-time']).toBeGreaterThan(50);
  });

  it('does not hold the built-in strategies, which may end past max-duration by design', () => {
    // A suspend timeout pauses the guest and finishes by stop-and-copy on a slow link, well past max-duration.
    const suspended = migrate({
      scenario: scenario({ vm: { memory: '256MiB' }, link: { bandwidth: '100Mbit/s' }, migration: { timeout: 5000, 'timeout-action': 'suspend', 'max-duration': 10_000, parameters: { 'max-bandwidth': '100Mbit/s' } } }),
      strategy: 'pre-copy',
    });
    expect(suspended.result.status).toBe('completed');
    expect(suspended.result['total-time']).toBeGreaterThan(11_000);
  });

  it('is failed when it keeps scheduling work without letting time pass', () => {
    const run = migrate({ registry, scenario: scenario(), strategy: 'spinning' });
    expect(run.result.status).toBe('failed');
    expect(run.result.reason).toMatch(/more than 1000000 actions at one instant/);
  });
});
