import 'reflect-metadata';
import { createRegistry, InputError, QemuStopPolicy, registerPlugin, replayText, runMigration, type PluginObject, type PrecopyProgress, type StopDecision } from '../../src/index';
import { smallScenario } from '../support/scenarios';

/** The compiled package (jest's global setup builds it): worker threads start dist/'s migration worker. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const built = require('../../dist/src/index') as typeof import('../../src/index');

/*
 * Strategies written in the calling code: registered as a plugin object
 * (stamped name@version, like a file's) or by hand (stamped local, never
 * built-in), and kept out of worker threads, which could not build them.
 */

const SCENARIO = smallScenario({ memory: '16MiB', workload: { model: 'hot-cold', 'dirty-rate': 40000, 'hot-set': '4MiB' }, downtimeLimitMs: 5 });

/** QEMU's rule, but stopping after two rounds whatever is left. */
class TwoRounds extends QemuStopPolicy {
  override readonly name = 'two-rounds';
  override readonly version = '0.2.0';
  override readonly description = 'qemu, but at most two rounds';

  override wantsSync(progress: PrecopyProgress): boolean {
    return progress.rounds >= 2 || super.wantsSync(progress);
  }

  override afterSync(progress: PrecopyProgress): StopDecision {
    return progress.rounds >= 2 ? { stop: true, reason: 'two rounds' } : super.afterSync(progress);
  }
}

const STUDY: PluginObject = { name: 'study', version: '1.0.0', register: (registry) => registry.register('stop-policy', TwoRounds) };

function header(logText: string): { strategies: Record<string, { origin: string }>; plugins: unknown[] } {
  return JSON.parse(logText.slice(0, logText.indexOf('\n')));
}

async function refusal(call: () => unknown, type: typeof InputError = InputError): Promise<InputError> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof type)) throw error;
    return error;
  }
  throw new Error('expected an InputError, the call succeeded');
}

describe('registerPlugin: a plugin written in the calling code', () => {
  it('runs its classes stamped name@version, lists it in the header, and the log replays to the same result', async () => {
    const registry = createRegistry();
    expect(await registerPlugin(STUDY, registry)).toEqual({ name: 'study', version: '1.0.0' });
    const run = runMigration({ registry, scenario: SCENARIO, stopPolicy: 'two-rounds', keepLog: true });
    expect(run.result.rounds).toHaveLength(2);
    expect(header(run.logText as string).strategies['stop-policy']).toEqual({ name: 'two-rounds', version: '0.2.0', origin: 'study@1.0.0' });
    expect(header(run.logText as string).plugins).toEqual([{ name: 'study', version: '1.0.0' }]);
    expect(replayText(run.logText as string).result).toEqual(run.result);
  });

  it.each<[string, unknown, string]>([
    ['no name', { register: () => undefined }, 'registerPlugin: a plugin object needs a name (a string): logs stamp its strategies with it'],
    ['no register', { name: 'x' }, 'registerPlugin: a plugin is an object with a register(registry) function'],
    ['a register that throws', { name: 'x', register: () => { throw new Error('boom'); } }, 'registerPlugin: x: register() failed: boom'],
    ['a name taken', { name: 'x', register: (r: { register: (...args: unknown[]) => void }) => r.register('stop-policy', QemuStopPolicy) }, 'registerPlugin: x: register() failed: stop-policy "qemu" is already registered by built-in'],
  ])('refuses a plugin object with %s as an InputError naming it', async (_what, plugin, message) => {
    expect((await refusal(() => registerPlugin(plugin as PluginObject, createRegistry()))).message).toBe(message);
  });

  it('a class registered by hand is stamped local, not built-in', () => {
    const registry = createRegistry();
    expect(registry.register('stop-policy', TwoRounds).origin).toBe('local');
    const run = runMigration({ registry, scenario: SCENARIO, stopPolicy: 'two-rounds', keepLog: true });
    expect(header(run.logText as string).strategies['stop-policy'].origin).toBe('local');
    expect(header(run.logText as string).strategies['migration-strategy'].origin).toBe('built-in');
  });

  it('refuses jobs > 1 for a class worker threads could not build, whichever thread would have run it, and runs it with jobs: 1', async () => {
    const byObject = built.createRegistry();
    await built.registerPlugin(STUDY, byObject);
    const byHand = built.createRegistry();
    byHand.register('stop-policy', TwoRounds);
    const options = { scenario: SCENARIO, set: ['migration.stop-policy=two-rounds'], vary: ['seed=1,2,3,4'], strategies: ['pre-copy'] };
    const refused = (call: () => unknown) => refusal(call, built.InputError);
    expect((await refused(() => built.sweep({ ...options, registry: byObject, jobs: 2 }))).message)
      .toBe('jobs: stop-policy "two-rounds" was registered by plugin object study@1.0.0: it exists in this thread only, and worker threads load plugin files; register it from a file with loadPlugin, or run with jobs: 1');
    expect((await refused(() => built.sweep({ ...options, registry: byHand, jobs: 2 }))).message).toMatch(/^jobs: stop-policy "two-rounds" was registered by hand: it exists in this thread only/);
    expect((await refused(() => built.compareStrategiesInParallel({ scenario: SCENARIO, stopPolicy: 'two-rounds', strategies: ['pre-copy', 'hybrid'], registry: byHand, jobs: 2 }))).message)
      .toMatch(/^jobs: stop-policy "two-rounds" was registered by hand/);
    const rows = await built.sweep({ ...options, registry: byObject, jobs: 1 });
    expect(rows.map((row) => row.figures['ram.dirty-sync-count'])).toEqual([4, 4, 4, 4]); // two rounds: the first sync, one after each round, the last while paused
    // Built-ins alone still go to workers (qemu's rule never stops this guest: the runs fail at max-duration).
    expect((await built.sweep({ ...options, set: [], registry: byHand, jobs: 2 })).map((row) => row.figures.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
  });
});
