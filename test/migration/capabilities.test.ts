import 'reflect-metadata';
import { injectable } from 'inversify';
import { planSweep } from '../../src/app/use-cases/sweep';
import { InputError } from '../../src/domain/errors';
import { createRegistry } from '../../src/infrastructure/container/built-ins';
import type { MigrationContext, MigrationStrategy } from '../../src/strategies/migration/context';
import { migrate, scenario } from './helpers';

/** A plugin-style strategy that switches to post-copy at once; `capabilities` decides whether it may. */
function postcopyAtOnce(name: string, capabilities?: readonly 'postcopy-ram'[]) {
  @injectable()
  class PostcopyAtOnce implements MigrationStrategy {
    readonly name = name;
    readonly version = '1.0.0';
    readonly description = 'switches to post-copy at once';
    readonly capabilities = capabilities;

    start(ctx: MigrationContext): void {
      ctx.begin();
      ctx.at(ctx.now + 1_000, () => {
        ctx.completeSetup();
        ctx.markAllDirty();
        ctx.startPostcopy();
        ctx.fail('test strategy stops here');
      });
    }
  }
  return PostcopyAtOnce;
}

const headerCapabilities = (logText: string) => JSON.parse(logText.slice(0, logText.indexOf('\n'))).scenario.migration.capabilities;

describe('postcopy-ram (QEMU refuses post-copy without it)', () => {
  it.each([['pre-copy', false], ['post-copy', true], ['hybrid', true]] as const)('%s runs with postcopy-ram %s, as its log header records', (strategy, on) => {
    const run = migrate({ scenario: scenario(), strategy });
    expect(headerCapabilities(run.logText)['postcopy-ram']).toBe(on);
  });

  it('a scenario that turns it off for a strategy that needs it is bad input naming the field', () => {
    const off = scenario({ migration: { capabilities: { 'postcopy-ram': false } } });
    expect(() => migrate({ scenario: off, strategy: 'hybrid' })).toThrow(InputError);
    expect(() => migrate({ scenario: off, strategy: 'post-copy' })).toThrow(/migration\.capabilities\.postcopy-ram: strategy "post-copy" needs it on/);
    expect(migrate({ scenario: off, strategy: 'pre-copy' }).result.status).toBe('completed');
  });

  it('a strategy that switches to post-copy without listing the capability is refused at the switch; listing it lets it run', () => {
    const registry = createRegistry();
    registry.register('migration-strategy', postcopyAtOnce('undeclared'), 'test-plugin@1.0.0');
    registry.register('migration-strategy', postcopyAtOnce('declared', ['postcopy-ram']), 'test-plugin@1.0.0');
    expect(() => migrate({ registry, scenario: scenario(), strategy: 'undeclared' })).toThrow(/switched to post-copy without migration\.capabilities\.postcopy-ram/);
    const turnedOn = scenario({ migration: { capabilities: { 'postcopy-ram': true } } });
    expect(migrate({ registry, scenario: turnedOn, strategy: 'undeclared' }).result.status).toBe('failed');
    expect(migrate({ registry, scenario: scenario(), strategy: 'declared' }).result.status).toBe('failed');
  });

  it('a strategy listing a capability that does not exist is refused before it runs', () => {
    const registry = createRegistry();
    registry.register('migration-strategy', postcopyAtOnce('typo', ['postcopy-rma' as 'postcopy-ram']), 'test-plugin@1.0.0');
    expect(() => migrate({ registry, scenario: scenario(), strategy: 'typo' })).toThrow(/needs "postcopy-rma", which is not a migration capability/);
  });

  it('a sweep gives each strategy its own capabilities', () => {
    const plan = planSweep({ scenario: scenario(), vary: ['vm.workload.dirty-rate=1000,2000'], strategies: ['pre-copy', 'hybrid'] }, createRegistry());
    for (const run of plan.runs) expect(run.resolved.migration.capabilities['postcopy-ram']).toBe(run.strategy === 'hybrid');
  });
});
