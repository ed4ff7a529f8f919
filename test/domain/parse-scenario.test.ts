import { InputError } from '../../src/domain/errors';
import { applyOverrides, attributed } from '../../src/domain/scenario/parse-scenario';

const set = (assignment: string) => ({ assignment, flag: '--set' });

describe('attributing scenario problems to the flags that set the values', () => {
  it('names the override whose value holds the problem, and the file only for problems of its own', () => {
    const error = new InputError([{ path: 'vm.memory', reason: 'too large' }, { path: 'link.latency', reason: 'bad unit' }]);
    const both = attributed(error, [set('vm=1'), set('vm.memory=1e30')], 'scenario.json');
    expect(both.problems.map((p) => p.from)).toEqual(['--set vm.memory=1e30', undefined]);
    expect(both.message).toBe('scenario.json: vm.memory: too large (from --set vm.memory=1e30)\nscenario.json: link.latency: bad unit');
    const flagsOnly = attributed(new InputError({ path: 'vm.memory.x', reason: 'unknown field' }), [set('vm.memory=1e30')], 'scenario.json');
    expect(flagsOnly.source).toBeUndefined();
    expect(flagsOnly.message).toBe('vm.memory.x: unknown field (from --set vm.memory=1e30)');
  });

  it('blames neither file nor flag for a problem with no field (a plugin constructor that threw)', () => {
    const error = attributed(new InputError({ path: '', reason: 'workload "w" from p@1.0.0 threw while running: boom' }), [set('vm.memory=1GiB')], 'scenario.json');
    expect(error.source).toBeUndefined();
    expect(error.message).toBe('workload "w" from p@1.0.0 threw while running: boom');
  });

  it('applies overrides to a copy, refusing keys that reach Object.prototype', () => {
    const raw = { vm: { memory: '1GiB' } };
    expect(applyOverrides(raw, [set('vm.memory=2GiB'), set('link.bandwidth=10Gbit/s')])).toEqual({ vm: { memory: '2GiB' }, link: { bandwidth: '10Gbit/s' } });
    expect(raw.vm.memory).toBe('1GiB');
    expect(() => applyOverrides(raw, [set('vm.__proto__.polluted=1')])).toThrow(/"__proto__" is not a scenario field/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
