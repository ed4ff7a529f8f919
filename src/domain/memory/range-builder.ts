import { withRoom } from '../grow-array';

/**
 * Builds a flat `[start, length, ...]` list of ascending runs, joining a run
 * that starts where the previous one ends, in a buffer kept from call to
 * call: a round's ranges never grow a JS array (whose copies land in V8's
 * large-object space, a page fault per 4 KiB, every round).
 */
export class RangeBuilder {
  private buffer = new Uint32Array(1024);
  private length = 0;
  private runStart = -1;
  private runEnd = -1;

  reset(): void {
    this.length = 0;
    this.runStart = -1;
  }

  /** Adds pages [start, start + length), after every page added so far. */
  extend(start: number, length: number): void {
    if (this.runStart >= 0 && this.runEnd === start) {
      this.runEnd += length;
      return;
    }
    this.close();
    this.runStart = start;
    this.runEnd = start + length;
  }

  /** The ranges so far, the open run included; valid until the next change. */
  view(): Uint32Array {
    this.close();
    return this.buffer.subarray(0, this.length);
  }

  private close(): void {
    if (this.runStart < 0) return;
    this.buffer = withRoom(this.buffer, this.length, 2);
    this.buffer[this.length++] = this.runStart;
    this.buffer[this.length++] = this.runEnd - this.runStart;
    this.runStart = -1;
  }
}

/** `low`'s ranges then `high`'s, in a new array, joining the two where they touch (pages taken after a wrap lie below those before). */
export function concatRanges(low: Uint32Array, high: Uint32Array): Uint32Array {
  const touching = low.length > 0 && high.length > 0 && low[low.length - 2] + low[low.length - 1] === high[0];
  const out = new Uint32Array(low.length + high.length - (touching ? 2 : 0));
  out.set(low);
  if (touching) {
    out[low.length - 1] += high[1];
    out.set(high.subarray(2), low.length);
  } else {
    out.set(high, low.length);
  }
  return out;
}
