import type { EventEnvelope, Projection } from '../event';
import { decodedOf, decodePageList, decodeRanges } from '../memory/page-set-codec';
import { PageBitmap, popcount32, type WordSource } from '../memory/page-bitmap';
import type { MigrationEvent } from './events';

export interface MemoryVerdict {
  /** Whether a verdict exists yet (the run has ended). */
  readonly checked: boolean;
  readonly consistent: boolean;
  /** Where the guest's memory was judged: the destination after switchover, else the source. */
  readonly verifiedOn: 'destination' | 'source' | 'none';
  readonly mismatchedPages: number;
  /** Up to ten mismatched page numbers, lowest first, to start debugging from. */
  readonly mismatchedSample: readonly number[];
  /** A crash took the VM with it. */
  readonly vmLost: boolean;
  /** Pages whose only current copy was on the host that died. */
  readonly lostPages: number;
}

const SAMPLE = 10;

/**
 * Judges the destination's memory from the events alone, so the verdict is a
 * projection: a strategy (a plugin too) that skips a dirtied page is caught
 * whatever it claims. Think of a version per page: a guest write bumps the
 * guest's; a page sent carries the version the guest had at that point of the
 * log. Only equality matters, so two bitmaps hold it: `present` (the
 * destination has some copy) and `current` (its copy is the guest's latest).
 * A write on the source makes a page stale; a send makes it current. After
 * switchover the guest runs on the destination: its writes land there (a
 * current page stays current), and a write to a page the destination does
 * not hold yet is a lost write.
 */
export class MemoryVerification implements Projection<MemoryVerdict> {
  readonly name = 'memory-verification';
  private pages = 0;
  private present = new PageBitmap(0);
  private current = new PageBitmap(0);
  private lostWrites = new PageBitmap(0);
  private writtenOnDestination = new PageBitmap(0);
  private source = '';
  private destinationHost = '';
  private runningOn: string | null = null;
  private crashedHost: string | null = null;
  private verdict: MemoryVerdict = { checked: false, consistent: false, verifiedOn: 'none', mismatchedPages: 0, mismatchedSample: [], vmLost: false, lostPages: 0 };

  /** `words`: where the page bitmaps get their arrays (a run may lend recycled ones). */
  constructor(private readonly words?: WordSource) {}

  handle(batch: readonly EventEnvelope[]): void {
    for (const envelope of batch) this.apply(envelope as EventEnvelope<MigrationEvent>);
  }

  result(): MemoryVerdict {
    return this.verdict;
  }

  private apply(envelope: EventEnvelope<MigrationEvent>): void {
    switch (envelope.type) {
      case 'MigrationStarted': {
        const pages = envelope.data.pages;
        this.pages = pages;
        this.present = new PageBitmap(pages, this.words);
        this.current = new PageBitmap(pages, this.words);
        this.lostWrites = new PageBitmap(pages, this.words);
        this.writtenOnDestination = new PageBitmap(pages, this.words);
        this.source = envelope.data.source;
        this.destinationHost = envelope.data.destination;
        this.runningOn = this.source;
        return;
      }
      case 'PagesDirtied':
        this.applyWrites(decodedOf(envelope.data) ?? decodePageList(envelope.data.pages));
        return;
      case 'PagesSent':
        this.applySent(decodedOf(envelope.data) ?? decodeRanges(envelope.data.ranges), envelope.data.phase === 'postcopy', envelope.data.pages);
        return;
      case 'PagesDiscarded': {
        const flat = decodedOf(envelope.data) ?? decodeRanges(envelope.data.ranges);
        for (let i = 0; i < flat.length; i += 2) {
          this.checkRange(flat[i], flat[i + 1]);
          this.present.deleteRange(flat[i], flat[i + 1]);
          this.current.deleteRange(flat[i], flat[i + 1]);
        }
        return;
      }
      case 'HostCrashed':
        this.crashedHost = envelope.data.host;
        return;
      case 'VmPaused':
        this.runningOn = null;
        return;
      case 'VmResumed':
        this.runningOn = envelope.data.host;
        return;
      case 'MigrationCompleted':
        this.verdict = this.compare();
        return;
      case 'MigrationFailed':
        this.verdict = envelope.data.vmLost ? this.lost() : this.runningOn === this.destinationHost ? this.compare() : this.sourceKeepsTruth();
        return;
      case 'MigrationCancelled':
        this.verdict = this.runningOn === this.destinationHost ? this.compare() : this.sourceKeepsTruth();
        return;
      default:
        return;
    }
  }

  private checkRange(start: number, length: number): void {
    if (start + length > this.pages) throw new Error(`page ${start + length - 1} is beyond the VM's ${this.pages} pages`);
  }

  // Each loop below is alone in its method, with nothing rare inside or
  // after it. V8 compiles a long loop on-stack during its first call, before
  // code that has not run yet (the destination's writes, post-copy's sends)
  // has type feedback; that compiled loop then deoptimized on every later
  // call that reached such code, thousands of times a sweep.
  private applyWrites(pages: Uint32Array): void {
    this.checkPages(pages);
    if (this.runningOn === this.destinationHost) this.applyDestinationWrites(pages);
    else this.applySourceWrites(pages);
  }

  private checkPages(pages: Uint32Array): void {
    for (let i = 0; i < pages.length; i++) if (pages[i] >= this.pages) throw new Error(`page ${pages[i]} is beyond the VM's ${this.pages} pages`);
  }

  private applySourceWrites(pages: Uint32Array): void {
    const current = this.current;
    for (let i = 0; i < pages.length; i++) current.delete(pages[i]);
  }

  private applyDestinationWrites(pages: Uint32Array): void {
    for (let i = 0; i < pages.length; i++) {
      const page = pages[i];
      this.writtenOnDestination.add(page);
      if (!this.present.has(page)) this.lostWrites.add(page);
    }
  }

  /** `pages`: the count the event states, checked against its ranges while they are decoded anyway. */
  private applySent(flat: Uint32Array, onlyAbsent: boolean, pages: number): void {
    const held = onlyAbsent ? this.applySentIfAbsent(flat) : this.applySentAll(flat);
    if (held !== pages) throw new Error(`pages: ${pages}, but its ranges hold ${held} pages`);
  }

  /** Returns the pages the ranges hold. */
  private applySentAll(flat: Uint32Array): number {
    let held = 0;
    for (let i = 0; i < flat.length; i += 2) {
      this.checkRange(flat[i], flat[i + 1]);
      this.present.addRange(flat[i], flat[i + 1]);
      this.current.addRange(flat[i], flat[i + 1]);
      held += flat[i + 1];
    }
    return held;
  }

  /** After switchover the destination keeps what it already has: a page re-sent while in flight must not undo the guest's newer writes. */
  private applySentIfAbsent(flat: Uint32Array): number {
    let held = 0;
    for (let i = 0; i < flat.length; i += 2) {
      this.checkRange(flat[i], flat[i + 1]);
      this.present.addRangeNoting(flat[i], flat[i + 1], this.current);
      held += flat[i + 1];
    }
    return held;
  }

  private compare(): MemoryVerdict {
    if (this.current.count === this.pages && this.lostWrites.count === 0) {
      return { checked: true, consistent: true, verifiedOn: 'destination', mismatchedPages: 0, mismatchedSample: [], vmLost: false, lostPages: 0 };
    }
    let mismatched = 0;
    const sample: number[] = [];
    const current = this.current.words;
    const lost = this.lostWrites.words;
    for (let index = 0; index < current.length; index++) {
      const valid = index === current.length - 1 && (this.pages & 31) !== 0 ? (1 << (this.pages & 31)) - 1 : -1;
      let wrong = (~current[index] | lost[index]) & valid;
      if (wrong === 0) continue;
      mismatched += popcount32(wrong);
      while (wrong !== 0 && sample.length < SAMPLE) {
        const bit = 31 - Math.clz32(wrong & -wrong);
        sample.push(index * 32 + bit);
        wrong &= ~(1 << bit);
      }
    }
    return { checked: true, consistent: false, verifiedOn: 'destination', mismatchedPages: mismatched, mismatchedSample: sample, vmLost: false, lostPages: 0 };
  }

  /** The VM never left the source: its memory there is the truth, nothing to lose. */
  private sourceKeepsTruth(): MemoryVerdict {
    return { checked: true, consistent: true, verifiedOn: 'source', mismatchedPages: 0, mismatchedSample: [], vmLost: false, lostPages: 0 };
  }

  /**
   * The VM died with a host. Counted as lost: with the source dead, every page
   * the destination lacks or holds stale; with the destination dead after
   * switchover, every page the guest wrote there (the source's copy is older).
   * Nothing is judged inconsistent: the loss is reported, not hidden.
   */
  private lost(): MemoryVerdict {
    const lostPages = this.crashedHost === this.destinationHost ? this.writtenOnDestination.count : this.pages - this.current.count;
    return { checked: true, consistent: true, verifiedOn: 'none', mismatchedPages: 0, mismatchedSample: [], vmLost: true, lostPages };
  }
}
