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
});
