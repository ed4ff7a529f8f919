import { PageBitmap, popcount32, type WordSource } from './page-bitmap';
import { concatRanges, RangeBuilder } from './range-builder';
import type { XbzrleCache } from './xbzrle-cache';

/** Bytes a page costs on the wire: QEMU puts an 8-byte header before each. */
export const PAGE_HEADER_BYTES = 8;
/** A zero page: the header and one fill byte (QEMU's save_zero_page_to_file). */
export const ZERO_PAGE_BYTES = PAGE_HEADER_BYTES + 1;

export interface PageBatch {
  readonly pages: number;
  readonly normalPages: number;
  readonly zeroPages: number;
  readonly bytes: number;
  /** Sorted, disjoint flat `[start, length, ...]` ranges. */
  readonly ranges: Uint32Array;
}

/**
 * The source side's per-page bookkeeping for one migration, in typed arrays
 * owned here and nowhere else (never in immer state):
 * - `toSend`: QEMU's migration bitmap, pages still to send;
 * - `dirtyLog`: pages written since the last sync (KVM's dirty log);
 * - `zero`: pages that are all zeros (sent as a header and a fill byte).
 * Sending walks `toSend` in address order from a cursor that wraps, 32 pages
 * per step where a whole word fits the budget.
 */
export class MemoryImage {
  readonly toSend: PageBitmap;
  readonly dirtyLog: PageBitmap;
  readonly zero: PageBitmap;
  private cursor = 0;
  private readonly beforeWrap = new RangeBuilder();
  private readonly afterWrap = new RangeBuilder();
  /** What the current takeToSend has taken so far (its scans add to them). */
  private takenBytes = 0;
  private takenPages = 0;
  private takenZeroPages = 0;
  /** Set when the xbzrle capability is on. */
  xbzrle: XbzrleCache | null = null;

  constructor(readonly pages: number, readonly pageSizeBytes: number, words?: WordSource) {
    this.toSend = new PageBitmap(pages, words);
    this.dirtyLog = new PageBitmap(pages, words);
    this.zero = new PageBitmap(pages, words);
  }

  get normalPageCost(): number {
    return this.pageSizeBytes + PAGE_HEADER_BYTES;
  }

  get zeroPageCost(): number {
    return ZERO_PAGE_BYTES;
  }

  /** Guest writes: logged as dirty; a written page is no longer a zero page. */
  recordWrites(pages: Uint32Array, count: number): void {
    const log = this.dirtyLog;
    const zero = this.zero;
    const xbzrle = this.xbzrle;
    for (let i = 0; i < count; i++) {
      const page = pages[i];
      log.add(page);
      if (zero.count > 0) zero.delete(page);
      if (xbzrle) xbzrle.noteWrite(page);
    }
  }

  /** Where the next send starts. */
  get sendCursor(): number {
    return this.cursor;
  }

  /** Moves the send cursor (post-copy pre-paging continues after a faulted page). */
  moveCursor(page: number): void {
    this.cursor = page >= this.pages ? 0 : page;
  }

  /** Takes one page out of the pages to send (a post-copy request); its wire bytes, or 0 if it was not waiting. */
  takePage(page: number): number {
    if (!this.toSend.delete(page)) return 0;
    if (this.zero.has(page)) return this.zeroPageCost;
    return this.xbzrle ? this.xbzrle.sendCost(page, this.normalPageCost) : this.normalPageCost;
  }

  /** Merges the dirty log into the pages to send; returns how many were new. */
  sync(): number {
    return this.toSend.absorb(this.dirtyLog);
  }

  markAllDirty(): number {
    const before = this.toSend.count;
    this.toSend.fill();
    this.dirtyLog.clearAll();
    return this.toSend.count - before;
  }

  /**
   * Takes pages to send in address order from the cursor, wrapping, while the
   * bytes taken so far are below `budgetBytes` (so the last page may overrun
   * it, as QEMU's rate limit does).
   */
  takeToSend(budgetBytes: number): PageBatch {
    this.afterWrap.reset();
    this.beforeWrap.reset();
    this.takenBytes = 0;
    this.takenPages = 0;
    this.takenZeroPages = 0;
    // The wrap is decided here, not inside the scan's loop: a loop compiled before any call had wrapped deoptimized at its first wrap.
    let page = this.scan(this.cursor, budgetBytes, this.beforeWrap);
    if (page >= this.pages && this.takenBytes < budgetBytes && this.toSend.count > 0) page = this.scan(0, budgetBytes, this.afterWrap);
    this.cursor = page >= this.pages ? 0 : page;
    const pages = this.takenPages;
    const zeroPages = this.takenZeroPages;
    return { pages, normalPages: pages - zeroPages, zeroPages, bytes: this.takenBytes, ranges: concatRanges(this.afterWrap.view(), this.beforeWrap.view()) };
  }

  /**
   * Takes pages from `page` up to the end of the bitmap into `ranges`, adding
   * to the taken tallies, until they reach `budgetBytes`; returns where it
   * stopped. Bit words stay int32 (what `&` yields; -1 is a full word): a
   * uint32 above 2^31 is a double in V8, which deoptimized code trained on
   * smaller words. A page one past the last word is `* 32`, not `<< 5`: with
   * 2^31 pages that is 2^31, which a shift turns negative.
   */
  private scan(page: number, budgetBytes: number, ranges: RangeBuilder): number {
    const words = this.toSend.words;
    const zeroWords = this.zero.words;
    const normalCost = this.normalPageCost;
    const zeroCost = this.zeroPageCost;
    const xbzrle = this.xbzrle;
    const end = this.pages;
    let bytes = this.takenBytes;
    let pages = this.takenPages;
    let zeroPages = this.takenZeroPages;
    while (bytes < budgetBytes && this.toSend.count > 0 && page < end) {
      const index = page >>> 5;
      const word = words[index] & (-1 << (page & 31));
      if (word === 0) {
        // Late rounds leave a few pages scattered over a large bitmap: skip empty words in one tight loop.
        let next = index + 1;
        while (next < words.length && words[next] === 0) next++;
        page = next * 32;
        continue;
      }
      if (word === -1 && xbzrle === null && zeroWords[index] === 0) {
        // A stretch of whole words, all pending, none zero (round 0 is mostly this): take every
        // word that fits the budget in one step, exactly as the word-by-word path below would.
        const wordCost = 32 * normalCost;
        // Look no further than the budget reaches (one word of slack for rounding).
        const reach = budgetBytes === Number.POSITIVE_INFINITY ? words.length : index + Math.max(0, Math.floor((budgetBytes - bytes) / wordCost)) + 1;
        const limit = Math.min(words.length, reach);
        let last = index + 1;
        while (last < limit && words[last] === 0xffffffff && zeroWords[last] === 0) last++;
        let count = last - index;
        // Exactly the words the word-by-word test (bytes + cost <= budget) would take, in order.
        while (count > 0 && bytes + count * wordCost > budgetBytes) count--;
        if (count > 0) {
          this.toSend.clearFullWords(index, index + count);
          bytes += count * wordCost;
          pages += 32 * count;
          ranges.extend(index << 5, 32 * count);
          page = (index + count) * 32;
          continue;
        }
      }
      const taken = popcount32(word);
      const zeroTaken = popcount32(word & zeroWords[index]);
      const cost = (taken - zeroTaken) * normalCost + zeroTaken * zeroCost;
      if (xbzrle === null && (bytes + cost <= budgetBytes || budgetBytes === Number.POSITIVE_INFINITY)) {
        this.toSend.clearWordBits(index, word);
        bytes += cost;
        pages += taken;
        zeroPages += zeroTaken;
        let bits = word;
        while (bits !== 0) {
          const low = 31 - Math.clz32(bits & -bits);
          // The run's length is the count of trailing ones from `low`: the lowest zero of ~(bits >>> low).
          const holes = ~(bits >>> low);
          const high = low + (holes === 0 ? 32 - low : 31 - Math.clz32(holes & -holes)) - 1;
          ranges.extend((index << 5) + low, high - low + 1);
          // Clears bits 0..high (-2 << high has exactly those clear; 0 when high is 31). No float pow.
          bits &= -2 << high;
        }
        // The cursor goes right after the last page taken, not to the next
        // word: a sync may dirty the rest of this word before the next call.
        page = (index << 5) + (31 - Math.clz32(word)) + 1;
        continue;
      }
      // The word does not fit whole (or costs vary, with xbzrle): page by page until the budget is used.
      let bits = word;
      while (bits !== 0 && bytes < budgetBytes) {
        const bit = 31 - Math.clz32(bits & -bits);
        const mask = 1 << bit;
        const isZero = (zeroWords[index] & mask) !== 0;
        this.toSend.clearWordBits(index, mask);
        const pageNumber = (index << 5) + bit;
        bytes += isZero ? zeroCost : xbzrle ? xbzrle.sendCost(pageNumber, normalCost) : normalCost;
        pages++;
        // Counted on every page, not in a branch: a branch that had not run yet when V8 optimized this deoptimized it.
        zeroPages += isZero ? 1 : 0;
        ranges.extend(pageNumber, 1);
        bits &= ~mask;
        page = pageNumber + 1;
      }
    }
    this.takenBytes = bytes;
    this.takenPages = pages;
    this.takenZeroPages = zeroPages;
    return page;
  }
}
