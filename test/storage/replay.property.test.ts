import fc from 'fast-check';
import { expectReplayEqual, run, scenario, volume } from './support';

describe('replay and block versions under random fault schedules', () => {
  it('replay equals the live run, and every lost block is listed with a cause, for any layout and faults', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.constantFrom('linear', 'striped', 'raid1', 'raid5', 'raid10'),
      fc.array(fc.record({ at: fc.integer({ min: 0, max: 190 }), device: fc.integer({ min: 0, max: 3 }) }), { maxLength: 2 }),
      fc.constantFrom('host-based', 'device-based'),
      (seed, layout, failures, model) => {
        const live = run(scenario({
          seed,
          volumes: [{ name: 'v', pool: 'p', layout, size: '16MiB', ...(layout === 'raid10' ? { stripes: 2 } : {}) }],
          events: failures.map((f) => ({ action: 'fail-device', at: f.at, device: `a1/d${f.device}` })),
        }), model);
        expect(live.result.verification.consistent).toBe(true);
        expect(live.result.verification['stale-copies']).toBe(0);
        const v = volume(live.result);
        const listed = Object.values(v['lost-causes']).reduce((a, b) => a + b, 0);
        expect(listed).toBe(v['lost-blocks']);
        if (failures.length === 0) expect(v['lost-blocks']).toBe(0);
        if (failures.length === 1 && layout !== 'linear' && layout !== 'striped') expect(v['lost-blocks']).toBe(0);
        expectReplayEqual(live);
      },
    ), { numRuns: 12 });
  });
});
