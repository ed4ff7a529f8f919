import { SharedTrace } from '../../src/infrastructure/simulation/shared-trace';
import type { GuestAccesses } from '../../src/strategies/workload/model';

/** A generator that counts how many accesses it was asked for; writes are 0, 1, 2 ...; reads run down from 1e6. */
function counting(limit = Number.POSITIVE_INFINITY) {
  const drawn = { writes: 0, reads: 0 };
  const accesses: GuestAccesses = {
    writesPerSecond: 10,
    readsPerSecond: 20,
    bytesPerWrite: 64,
    nextWrites(out, count) {
      const n = Math.min(count, limit - drawn.writes);
      for (let i = 0; i < n; i++) out[i] = drawn.writes + i;
      drawn.writes += n;
      return n;
    },
    nextReads(out, count) {
      for (let i = 0; i < count; i++) out[i] = 1e6 - (drawn.reads + i);
      drawn.reads += count;
      return count;
    },
  };
  return { accesses, drawn };
}

function take(view: GuestAccesses, kind: 'nextWrites' | 'nextReads', count: number): number[] {
  const out = new Uint32Array(count);
  return [...out.subarray(0, view[kind](out, count))];
}

describe('a trace shared by several runs', () => {
  it('gives every run the same accesses, drawn from the model only once', () => {
    const { accesses, drawn } = counting();
    const trace = new SharedTrace();
    const first = trace.view('w', () => accesses);
    expect(take(first, 'nextWrites', 5)).toEqual([0, 1, 2, 3, 4]);
    expect(take(first, 'nextReads', 2)).toEqual([1e6, 1e6 - 1]);
    const second = trace.view('w', () => { throw new Error('drawn again'); });
    expect(take(second, 'nextWrites', 3)).toEqual([0, 1, 2]);
    expect(take(second, 'nextWrites', 4)).toEqual([3, 4, 5, 6]);
    expect(take(first, 'nextWrites', 2)).toEqual([5, 6]);
    expect(drawn.writes).toBe(7);
    expect(second.writesPerSecond).toBe(10);
    expect(second.bytesPerWrite).toBe(64);
  });

  it('ends every view where a finite trace ends', () => {
    const { accesses } = counting(3);
    const trace = new SharedTrace();
    expect(take(trace.view('w', () => accesses), 'nextWrites', 5)).toEqual([0, 1, 2]);
    expect(take(trace.view('w', () => accesses), 'nextWrites', 5)).toEqual([0, 1, 2]);
  });

  it('refuses a run with another workload', () => {
    const trace = new SharedTrace();
    trace.view('a', () => counting().accesses);
    expect(() => trace.view('b', () => counting().accesses)).toThrow(/one workload/);
  });
});
