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

  describe('into lists', () => {
    const raw = {
      migration: { faults: [{ kind: 'link-down', at: 50, duration: 100 }, { kind: 'host-crash', at: 900, host: 'source' }] },
      network: { clients: [{ name: 'web-1', latency: 1 }, { name: 'db-1', latency: 2 }], switches: [] },
      isolation: { tenants: ['acme', 'globex'] },
    };
    const refusal = (assignment: string): string => {
      try {
        applyOverrides(raw, [set(assignment)]);
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return (error as InputError).message;
      }
      throw new Error(`${assignment} was not refused`);
    };

    it('sets a field of an element, or the whole element, by its index from 0, on a copy', () => {
      const applied = applyOverrides(raw, [
        set('migration.faults.1.at=500'),
        set('network.clients.0={"name":"web-9","latency":3}'),
        set('isolation.tenants.1=initech'),
      ]) as typeof raw;
      expect(applied.migration.faults).toEqual([{ kind: 'link-down', at: 50, duration: 100 }, { kind: 'host-crash', at: 500, host: 'source' }]);
      expect(applied.network.clients).toEqual([{ name: 'web-9', latency: 3 }, { name: 'db-1', latency: 2 }]);
      expect(applied.isolation.tenants).toEqual(['acme', 'initech']);
      expect(raw.migration.faults[1].at).toBe(900);
    });

    it('indexes a list an earlier override set whole', () => {
      const applied = applyOverrides({}, [set('migration.faults=[{"kind":"link-down","at":1,"duration":2}]'), set('migration.faults.0.at=7')]);
      expect(applied).toEqual({ migration: { faults: [{ kind: 'link-down', at: 7, duration: 2 }] } });
    });

    it('refuses an index past the end, saying how many elements there are, and adds none', () => {
      expect(refusal('migration.faults.2.at=5')).toBe("--set: migration.faults.2.at: migration.faults has 2 elements (0-1), so 2 is out of range; --set changes existing elements only: add elements in the scenario file, or set the whole list: --set 'migration.faults=[...]'");
      expect(refusal('network.switches.0.name=core')).toMatch(/^--set: network\.switches\.0\.name: network\.switches has no elements, so 0 is out of range;/);
      expect(refusal('migration.faults.99999999999999999999=1')).toMatch(/has 2 elements \(0-1\), so 99999999999999999999 is out of range/);
      expect(() => applyOverrides({ list: [1] }, [{ assignment: 'list.3=1', flag: '--vary' }])).toThrow('--vary: list.3: list has 1 element (0), so 3 is out of range; --vary changes existing elements only');
    });

    it('refuses negative, signed and zero-padded indices', () => {
      for (const index of ['-1', '+1', '01']) {
        expect(refusal(`migration.faults.${index}.at=5`)).toBe(`--set: migration.faults.${index}.at: "${index}" is not an index of migration.faults, which has 2 elements (0-1): an index is a whole number from 0, written without sign or leading zeros`);
      }
    });

    it('refuses a name on a list, naming the index of the element so named', () => {
      expect(refusal('network.clients.db-1.latency=5')).toBe('--set: network.clients.db-1.latency: network.clients is a list with 2 elements (0-1): pick an element by its index, not "db-1"; the element named "db-1" is network.clients.1');
      expect(refusal('migration.faults.at=5')).toBe('--set: migration.faults.at: migration.faults is a list with 2 elements (0-1): pick an element by its index, not "at"');
    });

    it('refuses a number on an object that has no such field, and on a list that is not there', () => {
      expect(refusal('migration.0=5')).toBe('--set: migration.0: migration is an object, not a list, and has no field "0"');
      expect(refusal('0=5')).toBe('--set: 0: the scenario is an object, not a list, and has no field "0"');
      expect(refusal('storage.pools.0.name=p')).toBe("--set: storage.pools.0.name: storage.pools is not in the scenario, so it has no element 0; add the list in the scenario file, or set it whole: --set 'storage.pools=[...]'");
      expect(applyOverrides({ vm: { workload: { 0: 'a' } } }, [set('vm.workload.0=b')])).toEqual({ vm: { workload: { 0: 'b' } } });
    });

    it('refuses to go inside a value that is neither object nor list', () => {
      expect(refusal('isolation.tenants.0.name=x')).toBe('--set: isolation.tenants.0.name: isolation.tenants.0 is a string, not an object or a list');
      // null is typeof 'object' too: going inside it would crash with a TypeError, not name the field.
      const intoNull = () => applyOverrides({ vm: { workload: null } }, [set('vm.workload.dirty-rate=5')]);
      expect(intoNull).toThrow(InputError);
      expect(intoNull).toThrow('--set: vm.workload.dirty-rate: vm.workload is null, not an object or a list');
    });
  });
});
