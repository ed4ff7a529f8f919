import fc from 'fast-check';
import { Scheduler } from '../../src/infrastructure/scheduler';

describe('virtual-time scheduler', () => {
  it('runs actions in time order, ties in the order they were scheduled', () => {
    fc.assert(fc.property(fc.array(fc.nat({ max: 20 }), { maxLength: 200 }), (times) => {
      const scheduler = new Scheduler();
      const ran: Array<[number, number]> = [];
      times.forEach((time, order) => scheduler.at(time, () => ran.push([scheduler.now, order])));
      scheduler.run();
      const expected = times.map((time, order) => [time, order] as [number, number])
        .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      expect(ran).toEqual(expected);
    }));
  });

  it('sets the clock to each action time before running it', () => {
    const scheduler = new Scheduler();
    const seen: number[] = [];
    scheduler.at(30, () => seen.push(scheduler.now));
    scheduler.at(10, () => {
      seen.push(scheduler.now);
      scheduler.after(5, () => seen.push(scheduler.now));
    });
    scheduler.run();
    expect(seen).toEqual([10, 15, 30]);
    expect(scheduler.now).toBe(30);
  });

  it('runs an action scheduled for now after those already due now', () => {
    const scheduler = new Scheduler();
    const ran: string[] = [];
    scheduler.at(5, () => {
      ran.push('a');
      scheduler.at(5, () => ran.push('c'));
    });
    scheduler.at(5, () => ran.push('b'));
    scheduler.run();
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('refuses the past and fractional nanoseconds', () => {
    const scheduler = new Scheduler();
    scheduler.at(100, () => {
      expect(() => scheduler.at(99, () => undefined)).toThrow(/past/);
    });
    scheduler.run();
    expect(() => scheduler.at(150.5, () => undefined)).toThrow(/integer/);
  });

  it('skips cancelled actions', () => {
    const scheduler = new Scheduler();
    const ran: number[] = [];
    const handle = scheduler.at(10, () => ran.push(10));
    scheduler.at(20, () => ran.push(20));
    handle.cancel();
    scheduler.run();
    expect(ran).toEqual([20]);
  });

  it('stops before actions later than the horizon and resumes them on the next run', () => {
    const scheduler = new Scheduler();
    const ran: number[] = [];
    for (const time of [5, 10, 15]) scheduler.at(time, () => ran.push(time));
    scheduler.run(10);
    expect(ran).toEqual([5, 10]);
    expect(scheduler.pending).toBe(1);
    scheduler.run();
    expect(ran).toEqual([5, 10, 15]);
  });

  it('calls after-step hooks once after every action', () => {
    const scheduler = new Scheduler();
    const log: string[] = [];
    scheduler.onAfterStep(() => log.push('flush'));
    scheduler.at(1, () => log.push('one'));
    scheduler.at(2, () => log.push('two'));
    scheduler.run();
    expect(log).toEqual(['one', 'flush', 'two', 'flush']);
  });
});
