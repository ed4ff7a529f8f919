import { PageBitmap } from './page-bitmap';

/** QEMU's per-page framing of an xbzrle delta: a flag byte and a 16-bit length. */
const XBZRLE_FRAMING_BYTES = 3;
/** Each run of changed bytes costs two varint lengths (unchanged run, changed run). */
const RUN_OVERHEAD_BYTES = 2;

export interface XbzrleStats {
  pages: number;
  bytes: number;
  savedBytes: number;
  cacheHits: number;
  cacheMisses: number;
  overflows: number;
}

/**
 * QEMU's xbzrle: a cache of `xbzrle-cache-size` bytes holds copies of sent
 * pages, one slot per page-sized item, indexed by page number (QEMU's
 * cache_get_cache_pos). A page sent again whose old copy is in its slot goes
 * as an XOR delta of the bytes its writes changed; a delta as large as the
 * page overflows and the page goes whole. QEMU skips xbzrle during the first
 * pass (the bulk stage), so a page's first send neither uses nor fills the
 * cache.
 */
export class XbzrleCache {
  private readonly slots: Int32Array;
  private readonly writesSinceSent: Uint16Array;
  private readonly sentBefore: PageBitmap;
  readonly stats: XbzrleStats = { pages: 0, bytes: 0, savedBytes: 0, cacheHits: 0, cacheMisses: 0, overflows: 0 };

  constructor(pages: number, cacheBytes: number, private readonly pageSizeBytes: number, private readonly bytesPerWrite: number) {
    this.slots = new Int32Array(Math.max(1, Math.floor(cacheBytes / pageSizeBytes))).fill(-1);
    this.writesSinceSent = new Uint16Array(pages);
    this.sentBefore = new PageBitmap(pages);
  }

  noteWrite(page: number): void {
    if (this.writesSinceSent[page] < 0xffff) this.writesSinceSent[page]++;
  }

  /** Wire bytes for sending `page` (not a zero page) now, with `fullCost` for a whole page. */
  sendCost(page: number, fullCost: number): number {
    const writes = this.writesSinceSent[page];
    this.writesSinceSent[page] = 0;
    if (!this.sentBefore.has(page)) {
      this.sentBefore.add(page);
      return fullCost;
    }
    const slot = page % this.slots.length;
    if (this.slots[slot] !== page) {
      this.slots[slot] = page;
      this.stats.cacheMisses++;
      return fullCost;
    }
    this.stats.cacheHits++;
    const changed = Math.min(this.pageSizeBytes, writes * this.bytesPerWrite);
    const delta = changed + RUN_OVERHEAD_BYTES * Math.max(1, writes);
    if (delta >= this.pageSizeBytes) {
      this.stats.overflows++;
      return fullCost;
    }
    const cost = fullCost - this.pageSizeBytes + delta + XBZRLE_FRAMING_BYTES;
    this.stats.pages++;
    this.stats.bytes += cost;
    this.stats.savedBytes += fullCost - cost;
    return cost;
  }

  /** Takes the counters accumulated since the last call. */
  drain(): XbzrleStats {
    const taken = { ...this.stats };
    this.stats.pages = this.stats.bytes = this.stats.savedBytes = 0;
    this.stats.cacheHits = this.stats.cacheMisses = this.stats.overflows = 0;
    return taken;
  }
}
