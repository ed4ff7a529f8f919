import { InputError } from '../../src/domain/errors';
import { run, scenario, expectReplayEqual } from './support';

describe('time slices', () => {
  it('a run ends when its workloads do, cutting the last slice short instead of running on to the next slice', () => {
    const live = run(scenario({ duration: '120ms', slice: '50ms' }));
    expect(live.result.elapsed).toBe(120);
    const slices = (live.logText as string).split('\n').filter((line) => line.includes('"LoadSliced"')).map((line) => JSON.parse(line).data as { fromNs: number; toNs: number });
    expect(slices.map((slice) => [slice.fromNs / 1e6, slice.toNs / 1e6])).toEqual([[0, 50], [50, 100], [100, 120]]);
    expectReplayEqual(live);
  });

  it('a slice longer than the run is cut at the run\'s end', () => {
    expect(run(scenario({ duration: '100ms', slice: '10s' })).result.elapsed).toBe(100);
  });

  it('background work is credited with the time that passed, the cut-short slice included', () => {
    // 64 MiB at 200 MiB/s takes 320 ms. Slices end at 25, 50, 75, 100, 110 (the workload's end), then every
    // 25 ms: the first slice end at or past 320 ms is 335. Crediting the 10 ms slice as a whole one would finish at 310.
    const live = run(scenario({ duration: '110ms', slice: '25ms', events: [{ action: 'migrate', at: 0, volume: 'v', to: ['a1/d3'], rate: '200MiB/s' }] }));
    expect(live.result.migrations[0]).toMatchObject({ completed: true });
    expect(live.result.elapsed).toBe(335);
    expectReplayEqual(live);
  });

  it.each([
    [{ slice: '500us' }, /slice: at least 1ms/],
    [{ workloads: [{ host: 'h1', volume: 'v', iops: 2e7 }] }, /workloads\.0\.iops: at most 1e7 I\/Os per second/],
  ])('rejects %j', (overrides, message) => {
    expect(() => run(scenario(overrides))).toThrow(InputError);
    expect(() => run(scenario(overrides))).toThrow(message);
  });
});
