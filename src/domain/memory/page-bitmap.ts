/** Number of set bits in a 32-bit word; callers pass int32 words (see {@link PageBitmap}). */
export function popcount32(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * mine |= theirs, then theirs is cleared; returns how many bits were new in
 * mine. A loop of its own: V8 compiles it on-stack during the first long call,
 * and code after the loop had no type feedback yet, so that compiled loop
 * deoptimized at every later call.
 */
function moveWords(mine: Uint32Array, theirs: Uint32Array): number {
  let added = 0;
  for (let i = 0; i < mine.length; i++) {
    const incoming = theirs[i];
    if (incoming === 0) continue;
    const before = mine[i];
    const after = (before | incoming) >>> 0;
    if (after !== before) added += popcount32(after & ~before);
    mine[i] = after;
    theirs[i] = 0;
  }
  return added;
}

/**
 * Writes the runs of set bits in `words` into `flat` as [start, length]
 * pairs; returns where it stopped (a run still open there has its start
 * written, not its length). The loop alone: code after a loop that V8
 * compiled on-stack had no type feedback and deoptimized every later call.
 */
function writeRanges(words: Uint32Array, flat: Uint32Array): number {
  let n = 0;
  let carry = 0;
  for (let index = 0; index < words.length; index++) {
    const word = words[index] | 0;
    // A bit that differs from the one below it starts a run (if set) or ends one (if clear).
    let edges = word ^ ((word << 1) | carry);
    carry = word >>> 31;
    while (edges !== 0) {
      const bit = 31 - Math.clz32(edges & -edges);
      const page = (index << 5) + bit;
      if (((word >>> bit) & 1) !== 0) {
        flat[n] = page;
      } else {
        flat[n + 1] = page - flat[n];
        n += 2;
      }
      edges &= edges - 1;
    }
  }
  return n;
}

/** The bits of `page`'s word from `page` up to `end` (exclusive) or the word's end, as an int32 (see {@link PageBitmap}). */
function spanMask(page: number, end: number): number {
  const bit = page & 31;
  const span = Math.min(32 - bit, end - page);
  return (-1 >>> (32 - span)) << bit;
}

/** The first page of the next word, or `end` if that comes first. */
function nextWord(page: number, end: number): number {
  return Math.min(page - (page & 31) + 32, end);
}

/** Where a bitmap's words come from: a zeroed array of `length` words. */
export type WordSource = (length: number) => Uint32Array;

const freshWords: WordSource = (length) => new Uint32Array(length);

/**
 * A set of page (or block) numbers as a bitmap, with a running count so a
 * pending check costs nothing. Word-level operations keep a 16.7 M page VM
 * cheap: syncing, counting and scanning touch 32 pages per step. Masks
 * passed between them are int32 (bit 31 set makes them negative): a uint32
 * above 2^31 is a heap double in V8, and code compiled on smaller words
 * deoptimized at the first one.
 */
export class PageBitmap {
  readonly words: Uint32Array;
  private setCount = 0;

  /** `words` hands out zeroed arrays: fresh ones by default, recycled ones when a run lends them. */
  constructor(readonly size: number, words: WordSource = freshWords) {
    this.words = words(Math.ceil(size / 32));
  }

  get count(): number {
    return this.setCount;
  }

  has(page: number): boolean {
    return (this.words[page >>> 5] & (1 << (page & 31))) !== 0;
  }

  /** Sets the bit; true when it was clear. */
  add(page: number): boolean {
    const index = page >>> 5;
    const mask = 1 << (page & 31);
    const word = this.words[index];
    if ((word & mask) !== 0) return false;
    this.words[index] = word | mask;
    this.setCount++;
    return true;
  }

  /** Clears the bit; true when it was set. */
  delete(page: number): boolean {
    const index = page >>> 5;
    const mask = 1 << (page & 31);
    const word = this.words[index];
    if ((word & mask) === 0) return false;
    this.words[index] = word & ~mask;
    this.setCount--;
    return true;
  }

  fill(): void {
    this.words.fill(0xffffffff);
    const tail = this.size & 31;
    if (tail !== 0) this.words[this.words.length - 1] = (2 ** tail - 1) >>> 0;
    this.setCount = this.size;
  }

  clearAll(): void {
    this.words.fill(0);
    this.setCount = 0;
  }

  /** Sets `[start, start + length)`, a word at a time. */
  addRange(start: number, length: number): void {
    const end = start + length;
    for (let page = start; page < end; page = nextWord(page, end)) this.orWord(page >>> 5, spanMask(page, end));
  }

  /**
   * addRange that also sets, in `newlyAddedTo`, the bits that were clear
   * here. Its own method: an optional argument left the loop, trained on
   * pre-copy, with no feedback for it: a deoptimization in every post-copy run.
   */
  addRangeNoting(start: number, length: number, newlyAddedTo: PageBitmap): void {
    const end = start + length;
    for (let page = start; page < end; page = nextWord(page, end)) newlyAddedTo.orWord(page >>> 5, this.orWord(page >>> 5, spanMask(page, end)));
  }

  /** Clears words `[from, to)`, every bit of which is set (32 pages each). */
  clearFullWords(from: number, to: number): void {
    this.words.fill(0, from, to);
    this.setCount -= 32 * (to - from);
  }

  /** this |= other, then other is cleared; returns how many bits were new here. */
  absorb(other: PageBitmap): number {
    const added = moveWords(this.words, other.words);
    this.setCount += added;
    other.setCount = 0;
    return added;
  }

  /** Sets the bits of `mask` in word `index`; returns the bits that were newly set. */
  orWord(index: number, mask: number): number {
    const before = this.words[index];
    const added = mask & ~before;
    if (added !== 0) {
      this.words[index] = before | added;
      this.setCount += popcount32(added);
    }
    return added;
  }

  /** Clears `[start, start + length)`. */
  deleteRange(start: number, length: number): void {
    const end = start + length;
    for (let page = start; page < end; page = nextWord(page, end)) {
      const index = page >>> 5;
      this.clearWordBits(index, this.words[index] & spanMask(page, end));
    }
  }

  /** How many of `[start, start + length)` are set, a word at a time. */
  countRange(start: number, length: number): number {
    const end = start + length;
    let set = 0;
    for (let page = start; page < end; page = nextWord(page, end)) set += popcount32(this.words[page >>> 5] & spanMask(page, end));
    return set;
  }

  /** Clears the bits of `mask` (all of them set) in word `index`. */
  clearWordBits(index: number, mask: number): void {
    this.words[index] &= ~mask;
    this.setCount -= popcount32(mask);
  }

  /** Lowest set page >= from, or -1. */
  nextSet(from: number): number {
    if (from >= this.size) return -1;
    let index = from >>> 5;
    let word = this.words[index] & (0xffffffff << (from & 31));
    while (word === 0) {
      index++;
      if (index >= this.words.length) return -1;
      word = this.words[index];
    }
    return (index << 5) + (31 - Math.clz32(word & -word));
  }

  /** Every set page in ascending order, as a flat `[start, length, ...]` range list (sized exactly: no growing array), a word at a time. */
  toRanges(): Uint32Array {
    const flat = new Uint32Array(2 * this.runCount());
    const words = this.words;
    const n = writeRanges(words, flat);
    // A run through the last word's top bit ends with the bitmap (`* 32`: 2^26 words << 5 is negative).
    if (n < flat.length) flat[n + 1] = words.length * 32 - flat[n];
    return flat;
  }

  /** Maximal runs of set pages: a run starts at each set bit whose predecessor is clear. */
  private runCount(): number {
    let runs = 0;
    let carry = 0;
    const words = this.words;
    for (let i = 0; i < words.length; i++) {
      const word = words[i];
      runs += popcount32(word & ~((word << 1) | carry));
      carry = word >>> 31;
    }
    return runs;
  }
}
