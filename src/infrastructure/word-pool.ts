import type { WordSource } from '../domain/memory/page-bitmap';

/** What the pool keeps for reuse at most; beyond it, returned arrays are dropped. */
const KEPT_BYTES = 64 * 1024 * 1024;

/**
 * Typed arrays recycled from run to run on this thread. A sweep makes
 * hundreds of runs of one VM size; reusing their page bitmaps (seven of
 * 128 KiB for 4 GiB) spares mapping, zeroing and faulting in fresh memory
 * every run, which slowed threads running side by side.
 */
export class WordPool {
  private readonly free = new Map<number, Uint32Array[]>();
  private keptBytes = 0;

  /** Lends zeroed arrays through `words` until `release`, which takes every one back: call it once nothing reads them. */
  lease(): { readonly words: WordSource; release(): void } {
    const lent: Uint32Array[] = [];
    return {
      words: (length) => {
        const reused = this.free.get(length)?.pop();
        if (reused) this.keptBytes -= reused.byteLength;
        const array = reused ? reused.fill(0) : new Uint32Array(length);
        lent.push(array);
        return array;
      },
      release: () => {
        for (const array of lent) this.keep(array);
        lent.length = 0;
      },
    };
  }

  private keep(array: Uint32Array): void {
    if (this.keptBytes + array.byteLength > KEPT_BYTES) return;
    const list = this.free.get(array.length);
    if (list) list.push(array);
    else this.free.set(array.length, [array]);
    this.keptBytes += array.byteLength;
  }
}
