import 'reflect-metadata';
import { compareStorage, compareStrategies, compareStrategiesInParallel, InputError, parseVary, replay, replayAnyText, replayText, runMigration, runStorage, sweep } from '../../src/index';
import { scenario as storageScenario } from '../storage/support';
import { smallScenario } from '../support/scenarios';

/*
 * JavaScript callers get no type checking: each public entry point checks
 * its list and string options and throws an InputError naming the option,
 * never a TypeError from deep inside, nor a string split into characters.
 */

async function refusal(call: () => unknown): Promise<InputError> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError, the call succeeded');
}

// Wrong types on purpose: what an untyped caller can pass.
const untyped = <T>(value: unknown): T => value as T;

const SMALL = smallScenario({ memory: '16MiB', workload: { model: 'uniform', 'dirty-rate': 1000, 'working-set': '8MiB' } });

describe('library options of the wrong type', () => {
  it.each<[string, () => unknown, RegExp]>([
    ['compareStrategies strategies as a string', () => compareStrategies(untyped({ strategies: 'pre-copy' })), /^strategies: must be a list of names, got a string$/],
    ['compareStrategies strategies holding a number', () => compareStrategies(untyped({ strategies: ['pre-copy', 7] })), /^strategies: must be a list of names/],
    ['compareStrategies without options', () => compareStrategies(untyped(undefined)), /^compareStrategies: options must be an object/],
    ['compareStrategiesInParallel plugins as a string', () => compareStrategiesInParallel(untyped({ strategies: ['pre-copy'], plugins: 'x.cjs' })), /^plugins: must be a list of paths/],
    ['runMigration set as a string', () => runMigration(untyped({ set: 'vm.memory=1GiB' })), /^set: must be a list of dotted\.key=value assignments, got a string$/],
    ['runMigration strategy as a list', () => runMigration(untyped({ strategy: ['pre-copy'] })), /^strategy: must be a string, got a list$/],
    ['runMigration options null', () => runMigration(untyped(null)), /^runMigration: options must be an object, got null$/],
    ['runStorage model as a number', () => runStorage(untyped({ scenario: storageScenario(), model: 3 })), /^model: must be a string, got a number$/],
    ['compareStorage models as a string', () => compareStorage(untyped({ scenario: storageScenario(), models: 'host-based' })), /^models: must be a list of names, got a string$/],
    ['sweep vary as a string', () => sweep(untyped({ scenario: SMALL, strategies: ['pre-copy'], jobs: 1, vary: 'vm.memory=16MiB' })), /^vary: must be a list of "dotted\.key=v1,v2,\.\.\." or \{ key, values \}$/],
    ['sweep strategies as a string', () => sweep(untyped({ scenario: SMALL, strategies: 'pre-copy', jobs: 1, vary: [] })), /^strategies: must be a list of names/],
    ['sweep out as a number', () => sweep(untyped({ scenario: SMALL, strategies: ['pre-copy'], jobs: 1, vary: [], out: 5 })), /^out: must be a string, got a number$/],
    ['sweep vary axis values as a string', () => sweep(untyped({ scenario: SMALL, strategies: ['pre-copy'], jobs: 1, vary: [{ key: 'vm.name', values: 'a' }] })), /^vary\.0\.values: must be a list of values/],
    ['sweep vary axis without a key', () => sweep(untyped({ scenario: SMALL, strategies: ['pre-copy'], jobs: 1, vary: [{ values: ['a'] }] })), /^vary\.0\.key: must be a string, got nothing$/],
    ['parseVary of a number', () => parseVary(untyped(3)), /^parseVary: must be a string, got a number$/],
    ['replay of a number', () => replay(untyped(42)), /^path: must be a string, got a number$/],
    ['replayText of null', () => replayText(untyped(null)), /^text: must be a string, got null$/],
    ['replayAnyText of null', () => replayAnyText(untyped(null)), /^text: must be a string, got null$/],
    ['runMigration scenario null', () => runMigration(untyped({ scenario: null })), /^scenario: must be a scenario object \(leave it out for the built-in scenario\), got null$/],
    ['runMigration scenario as a path', () => runMigration(untyped({ scenario: 'vm.json' })), /^scenario: must be a scenario object .*got a string; to run a file, pass its parsed JSON as scenario and its path as source$/],
    ['compareStrategies scenario as a list', () => compareStrategies(untyped({ scenario: [], strategies: ['pre-copy'] })), /^scenario: must be a scenario object .*got a list$/],
    ['runMigration events without next', () => runMigration(untyped({ scenario: SMALL, events: {} })), /^events: must be an observer/],
    ['replay events as a function', () => replay('run.ndjson', untyped({ events: () => undefined })), /^events: must be an observer/],
    ['compareStrategies events', () => compareStrategies(untyped({ scenario: SMALL, strategies: ['pre-copy'], events: { next: () => undefined } })), /^events: a compare takes no observer/],
    ['runMigration with a misspelt option', () => runMigration(untyped({ scenario: SMALL, stop_policy: 'xen' })), /^stop_policy: runMigration has no such option; its options: scenario, source, set, vary, strategy, stopPolicy, seed, events,/],
    ['compareStrategies with an option of compareStrategiesInParallel', () => compareStrategies(untyped({ scenario: SMALL, strategies: ['pre-copy'], jobs: 2 })), /^jobs: compareStrategies has no such option/],
    ['compareStrategiesInParallel with a misspelt option', () => compareStrategiesInParallel(untyped({ scenario: SMALL, strategies: ['pre-copy'], eventDir: 'logs' })), /^eventDir: compareStrategiesInParallel has no such option/],
    ['sweep with stopPolicy, which it does not take', () => sweep(untyped({ scenario: SMALL, strategies: ['pre-copy'], jobs: 1, vary: [], stopPolicy: 'xen' })), /^stopPolicy: sweep has no such option; its options: scenario, source, set, vary,/],
    ['replay with a misspelt option', () => replay('run.ndjson', untyped({ event: { next: () => undefined } })), /^event: replay has no such option; its options: events$/],
    ['runStorage with a misspelt option', () => runStorage(untyped({ scenario: storageScenario(), modle: 'host-based' })), /^modle: runStorage has no such option; its options: scenario, source, model, eventsPath, keepLog, report, registry$/],
    ['compareStorage with runStorage\'s model', () => compareStorage(untyped({ scenario: storageScenario(), models: ['host-based'], model: 'device-based' })), /^model: compareStorage has no such option/],
    ['sweep onProgress as a number', () => sweep(untyped({ scenario: SMALL, strategies: ['pre-copy'], jobs: 1, vary: [], onProgress: 3 })), /^onProgress: must be a function$/],
  ])('%s: InputError naming the option', async (_what, call, message) => {
    expect((await refusal(call)).message).toMatch(message);
  });

  it('the object form of vary refuses a value with a comma, as the string form cannot hold one', async () => {
    const error = await refusal(() => sweep({ scenario: SMALL, strategies: ['pre-copy'], jobs: 1, vary: [{ key: 'vm.name', values: ['a,b'] }] }));
    expect(error.message).toBe('vary.0.values: vm.name: value "a,b" cannot contain a comma (commas separate values)');
  });

  it('the object form of vary still takes numbers, each one value', async () => {
    const rows = await sweep({ scenario: SMALL, strategies: ['pre-copy'], jobs: 1, vary: [{ key: 'vm.workload.dirty-rate', values: untyped([1000, 2000]) }] });
    expect(rows.map((row) => row.values)).toEqual([{ 'vm.workload.dirty-rate': 1000 }, { 'vm.workload.dirty-rate': 2000 }]);
  });

  it('an option set to undefined is no option, even one the entry point does not take', async () => {
    // What `{ ...defaults, stopPolicy: flags.policy }` passes from a caller that spreads optional fields.
    const run = await runMigration(untyped({ scenario: SMALL, stop_policy: undefined }));
    expect(run.result.status).toBe('completed');
  });

  it('a list of names with a blank one is refused by name', async () => {
    expect((await refusal(() => compareStrategies({ scenario: SMALL, strategies: ['pre-copy', ''] }))).message).toBe('--strategies: empty strategy name (names are separated by single commas)');
    // Blank, not only empty: "pre-copy, " split on commas leaves a space.
    expect((await refusal(() => compareStrategies({ scenario: SMALL, strategies: ['pre-copy', ' '] }))).message).toBe('--strategies: empty strategy name (names are separated by single commas)');
  });
});
