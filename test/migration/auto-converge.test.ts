import 'reflect-metadata';
import { eventsOfType, expectWellFormed, migrate, replayed, scenario } from './helpers';

/**
 * 60k page writes per guest-second is 245 MB/s against a 125 MB/s link: the
 * guest dirties faster than pre-copy can send, so without help the run hits
 * max-duration.
 */
const tooBusy = (patch: Record<string, unknown> = {}) => scenario({
  vm: { workload: { model: 'uniform', 'dirty-rate': 60000 } },
  migration: { 'max-duration': 20000, ...patch },
});

const withAutoConverge = (parameters: Record<string, unknown> = {}) =>
  tooBusy({ capabilities: { 'auto-converge': true }, parameters: { 'downtime-limit': 30, 'max-bandwidth': '1Gbit/s', ...parameters } });

function throttleSteps(logText: string): number[] {
  return eventsOfType(logText, 'ThrottleChanged').map((e) => e.data.percent);
}

describe('auto-converge', () => {
  let without: ReturnType<typeof migrate>;
  let withIt: ReturnType<typeof migrate>;
  /** Capped at 25 %, which is not enough: the run fails at max-duration, throttled all along. */
  let capped: ReturnType<typeof migrate>;
  beforeAll(() => {
    without = migrate({ scenario: tooBusy() });
    withIt = migrate({ scenario: withAutoConverge() });
    capped = migrate({ scenario: withAutoConverge({ 'cpu-throttle-initial': 10, 'cpu-throttle-increment': 5, 'max-cpu-throttle': 25 }) });
  });

  it('without it, a guest that dirties faster than the link sends never converges and fails at max-duration', () => {
    const r = without.result;
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/max-duration/);
    expect(r['total-time']).toBeGreaterThanOrEqual(20000);
    expect(r.guest['throttle-time']).toBe(0);
    expect(r.guest['max-cpu-throttle']).toBe(0);
    expect(throttleSteps(without.logText)).toEqual([]);
    // The VM never left the source, so nothing is lost.
    expect(r.verification).toMatchObject({ consistent: true, 'verified-on': 'source', 'vm-lost': false });
    expect(replayed(without)).toEqual(r);
  });

  it('with it, the same scenario converges, at a measured cost to the guest', () => {
    const r = withIt.result;
    expect(r.status).toBe('completed');
    expect(r.verification).toMatchObject({ consistent: true, 'verified-on': 'destination' });
    expect(r.guest['throttle-time']).toBeGreaterThan(0);
    expect(r.guest['max-cpu-throttle']).toBeGreaterThan(0);
    expect(r.guest.degradation).toBeGreaterThan(without.result.guest.degradation);
    expect(r.guest.degradation).toBeGreaterThan((100 * r.guest['throttle-time']) / r['total-time'] - 0.01);
    // Throttling slows guest time, so the guest writes less per second of migration.
    const writesPerMs = (run: typeof r) => run.ram['guest-writes'] / run['total-time'];
    expect(writesPerMs(r)).toBeLessThan(writesPerMs(without.result));
    expectWellFormed(r);
    expect(replayed(withIt)).toEqual(r);
  });

  it('throttles from cpu-throttle-initial by cpu-throttle-increment, never past max-cpu-throttle', () => {
    expect(throttleSteps(capped.logText)).toEqual([10, 15, 20, 25]);
    expect(capped.result.guest['max-cpu-throttle']).toBe(25);
    expect(throttleSteps(withIt.logText)[0]).toBe(20);
    for (const [i, step] of throttleSteps(withIt.logText).entries()) expect(step).toBe(20 + 10 * i);
    expect(withIt.result.guest['max-cpu-throttle']).toBe(throttleSteps(withIt.logText).at(-1));
  });

  it('reports throttle-time as the guest time each throttle level took away', () => {
    // The capped run never pauses: throttle-time is the sum of (interval x level) up to the end.
    const run = capped;
    const steps = eventsOfType(run.logText, 'ThrottleChanged');
    const endNs = eventsOfType(run.logText, 'MigrationFailed')[0].at;
    let lostNs = 0;
    steps.forEach((step, i) => {
      const until = i + 1 < steps.length ? steps[i + 1].at : endNs;
      lostNs += ((until - step.at) * step.data.percent) / 100;
    });
    expect(run.result.status).toBe('failed');
    expect(run.result.guest['throttle-time']).toBeCloseTo(lostNs / 1e6, 2);
    expect(run.result.guest.degradation).toBeCloseTo((100 * run.result.guest['throttle-time']) / run.result['total-time'], 2);
    expect(replayed(run)).toEqual(run.result);
  });
});
