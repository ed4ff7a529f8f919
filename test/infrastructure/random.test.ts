import fc from 'fast-check';
import { RandomStreams } from '../../src/infrastructure/random';

function take(streams: RandomStreams, name: string, count: number): number[] {
  const stream = streams.stream(name);
  return Array.from({ length: count }, () => stream.nextFloat());
}

describe('named seeded random streams', () => {
  it('give the same numbers for the same seed and name', () => {
    expect(take(new RandomStreams(7), 'workload.writes', 100)).toEqual(take(new RandomStreams(7), 'workload.writes', 100));
  });

  it('give different numbers for another seed', () => {
    expect(take(new RandomStreams(8), 'workload.writes', 20)).not.toEqual(take(new RandomStreams(7), 'workload.writes', 20));
  });

  it('give different numbers for another name', () => {
    expect(take(new RandomStreams(7), 'memory.zero-pages', 20)).not.toEqual(take(new RandomStreams(7), 'workload.writes', 20));
  });

  it('do not depend on which other streams exist or how much they were used', () => {
    const streams = new RandomStreams(7);
    const other = streams.stream('memory.zero-pages');
    for (let i = 0; i < 1000; i++) other.nextFloat();
    expect(take(streams, 'workload.writes', 50)).toEqual(take(new RandomStreams(7), 'workload.writes', 50));
  });

  it('give floats in [0, 1) and integers in [0, bound), spread roughly evenly', () => {
    const stream = new RandomStreams(3).stream('test');
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const value = stream.nextFloat();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      const bucket = stream.nextInt(10);
      expect(Number.isInteger(bucket)).toBe(true);
      buckets[bucket]++;
    }
    for (const count of buckets) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });

  describe('skipFloats', () => {
    const after = (count: number, skip: boolean, seed = 7): number[] => {
      const stream = new RandomStreams(seed).stream('workload.reads');
      if (skip) stream.skipFloats(count);
      else for (let i = 0; i < count; i++) stream.nextFloat();
      return [stream.nextFloat(), stream.nextInt(1 << 20), stream.nextFloat()];
    };

    it('lands where drawing the same number of floats lands, below and above the jump threshold', () => {
      // 2 steps per float: the jump (polynomial) path starts at 2^16 floats.
      for (const count of [0, 1, 2, 3, 65_535, 65_536, 65_537, 200_001, 3_000_000]) {
        expect(after(count, true)).toEqual(after(count, false));
      }
    });

    it('agrees with drawing for any seed and count, and split skips add up', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 0, max: 300_000 }),
        (seed, first, second) => {
          const split = new RandomStreams(seed).stream('s');
          split.skipFloats(first);
          split.skipFloats(second);
          const drawn = new RandomStreams(seed).stream('s');
          for (let i = 0; i < first + second; i++) drawn.nextFloat();
          expect(split.nextFloat()).toBe(drawn.nextFloat());
        }), { numRuns: 25 });
    });
  });
});
