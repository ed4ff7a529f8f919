import fc from 'fast-check';
import { MemoryImage, PAGE_HEADER_BYTES, ZERO_PAGE_BYTES } from '../../src/domain/memory/memory-image';

/**
 * The obvious page-at-a-time version of the send loop: from the cursor, in
 * address order, wrapping; stop once the bytes taken reach the budget (the
 * last page may overrun it); the cursor moves past the last page taken.
 */
class NaiveImage {
  readonly toSend: boolean[];
  readonly dirtyLog: boolean[];
  readonly zero: boolean[];
  private cursor = 0;

  constructor(readonly pages: number, readonly pageSizeBytes: number) {
    this.toSend = new Array<boolean>(pages).fill(false);
    this.dirtyLog = new Array<boolean>(pages).fill(false);
    this.zero = new Array<boolean>(pages).fill(false);
  }

  get pending(): number {
    return this.toSend.filter(Boolean).length;
  }

  write(page: number): void {
    this.dirtyLog[page] = true;
    this.zero[page] = false;
  }

  sync(): number {
    let added = 0;
    for (let p = 0; p < this.pages; p++) {
      if (this.dirtyLog[p] && !this.toSend[p]) added++;
      if (this.dirtyLog[p]) this.toSend[p] = true;
      this.dirtyLog[p] = false;
    }
    return added;
  }

  markAllDirty(): void {
    this.toSend.fill(true);
    this.dirtyLog.fill(false);
  }

  take(budgetBytes: number): { taken: number[]; bytes: number; zeroPages: number } {
    const taken: number[] = [];
    let bytes = 0;
    let zeroPages = 0;
    while (bytes < budgetBytes && this.pending > 0) {
      let page = this.cursor;
      while (!this.toSend[page]) page = (page + 1) % this.pages;
      this.toSend[page] = false;
      if (this.zero[page]) zeroPages++;
      bytes += this.zero[page] ? ZERO_PAGE_BYTES : this.pageSizeBytes + PAGE_HEADER_BYTES;
      taken.push(page);
      this.cursor = (page + 1) % this.pages;
    }
    return { taken, bytes, zeroPages };
  }
}

function rangesToPages(flat: ArrayLike<number>): number[] {
  const pages: number[] = [];
  for (let i = 0; i < flat.length; i += 2) for (let p = flat[i]; p < flat[i] + flat[i + 1]; p++) pages.push(p);
  return pages;
}

function isSortedDisjoint(flat: ArrayLike<number>): boolean {
  let end = -1;
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] <= end || flat[i + 1] <= 0) return false;
    end = flat[i] + flat[i + 1] - 1;
  }
  return true;
}

type Command =
  | { kind: 'write'; pages: number[] }
  | { kind: 'sync' }
  | { kind: 'markAllDirty' }
  | { kind: 'take'; budgetPages: number; extraBytes: number; infinite: boolean };

const PAGE_SIZE = 512;

const scenarios = fc.integer({ min: 1, max: 300 }).chain((pages) => fc.record({
  pages: fc.constant(pages),
  zero: fc.array(fc.nat({ max: pages - 1 }), { maxLength: pages }),
  commands: fc.array<Command>(fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('write' as const), pages: fc.array(fc.nat({ max: pages - 1 }), { maxLength: 40 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('sync' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('markAllDirty' as const) }) },
    { weight: 5, arbitrary: fc.record({
      kind: fc.constant('take' as const),
      budgetPages: fc.nat({ max: 80 }),
      // Often exact: a budget used up by whole words must leave the cursor right after the last page taken.
      extraBytes: fc.oneof(fc.constant(0), fc.nat({ max: PAGE_SIZE + 8 })),
      infinite: fc.boolean(),
    }) },
  ), { maxLength: 40 }),
}));

describe('taking dirty pages to send', () => {
  it('matches a naive page-by-page sender across calls, syncs and wraps', () => {
    fc.assert(fc.property(scenarios, ({ pages, zero, commands }) => {
      const image = new MemoryImage(pages, PAGE_SIZE);
      const naive = new NaiveImage(pages, PAGE_SIZE);
      for (const page of zero) {
        image.zero.add(page);
        naive.zero[page] = true;
      }
      image.markAllDirty();
      naive.markAllDirty();
      for (const command of commands) {
        switch (command.kind) {
          case 'write':
            image.recordWrites(Uint32Array.from(command.pages), command.pages.length);
            for (const page of command.pages) naive.write(page);
            break;
          case 'sync':
            expect(image.sync()).toBe(naive.sync());
            break;
          case 'markAllDirty':
            image.markAllDirty();
            naive.markAllDirty();
            break;
          case 'take': {
            const budget = command.infinite ? Number.POSITIVE_INFINITY : command.budgetPages * (PAGE_SIZE + 8) + command.extraBytes;
            const batch = image.takeToSend(budget);
            const expected = naive.take(budget);
            expect(isSortedDisjoint(batch.ranges)).toBe(true);
            expect(rangesToPages(batch.ranges)).toEqual([...expected.taken].sort((a, b) => a - b));
            expect(batch.pages).toBe(expected.taken.length);
            expect(batch.bytes).toBe(expected.bytes);
            expect(batch.zeroPages).toBe(expected.zeroPages);
            expect(batch.normalPages).toBe(expected.taken.length - expected.zeroPages);
            break;
          }
        }
        expect(image.toSend.count).toBe(naive.pending);
      }
    }), { numRuns: 300 });
  });

  it('sends every page exactly once when memory is drained in windows of any size', () => {
    const drains = fc.record({
      pages: fc.integer({ min: 1, max: 2000 }),
      cursorPages: fc.nat({ max: 2000 }),
      budgets: fc.array(fc.integer({ min: 1, max: 200 * 4104 }), { minLength: 1, maxLength: 20 }),
    });
    fc.assert(fc.property(drains, ({ pages, cursorPages, budgets }) => {
      const image = new MemoryImage(pages, 4096);
      // Move the cursor somewhere in the middle first.
      image.markAllDirty();
      image.takeToSend(Math.min(cursorPages, pages) * 4104);
      image.markAllDirty();
      const seen = new Uint8Array(pages);
      let round = 0;
      while (image.toSend.count > 0) {
        const batch = image.takeToSend(budgets[round++ % budgets.length]);
        for (const page of rangesToPages(batch.ranges)) seen[page]++;
      }
      expect(Array.from(seen).every((times) => times === 1)).toBe(true);
    }), { numRuns: 100 });
  });

  it('charges a normal page its size plus an 8-byte header and a zero page the header and a fill byte', () => {
    const image = new MemoryImage(64, 4096);
    image.zero.addRange(0, 16);
    image.markAllDirty();
    const batch = image.takeToSend(Number.POSITIVE_INFINITY);
    expect(batch).toMatchObject({ pages: 64, zeroPages: 16, normalPages: 48, bytes: 16 * 9 + 48 * 4104, ranges: Uint32Array.from([0, 64]) });
  });

  it('lets the last page overrun the budget and stops there', () => {
    const image = new MemoryImage(64, 4096);
    image.markAllDirty();
    const batch = image.takeToSend(2 * 4104 + 1);
    expect(batch.pages).toBe(3);
    expect(batch.bytes).toBe(3 * 4104);
    expect([...image.takeToSend(1).ranges]).toEqual([3, 1]);
  });

  it('wraps around from the cursor and reports the pages in address order', () => {
    const image = new MemoryImage(100, 4096);
    image.markAllDirty();
    image.takeToSend(90 * 4104);
    for (const page of [5, 95, 10]) image.toSend.add(page);
    const batch = image.takeToSend(Number.POSITIVE_INFINITY);
    expect([...batch.ranges]).toEqual([5, 1, 10, 1, 90, 10]);
  });

  it('resumes right after the last page taken even when the budget ended on a whole word', () => {
    const image = new MemoryImage(64, 4096);
    for (const page of [0, 1, 40]) image.toSend.add(page);
    expect([...image.takeToSend(2 * 4104).ranges]).toEqual([0, 2]);
    // A sync dirties page 5, which lies after the cursor (2) and before page 40.
    image.toSend.add(5);
    expect([...image.takeToSend(4104).ranges]).toEqual([5, 1]);
  });

  it('sends the last pages of the largest VM the schema admits (2^31 pages: one past the end is 2^31, not a negative shift)', () => {
    const pages = 2 ** 31;
    const image = new MemoryImage(pages, 512);
    image.toSend.add(5);
    image.toSend.add(pages - 1);
    image.moveCursor(pages - 40);
    let batch = image.takeToSend(Number.POSITIVE_INFINITY);
    expect([...batch.ranges]).toEqual([5, 1, pages - 1, 1]);
    expect(image.sendCursor).toBe(6);
    image.toSend.fill();
    expect([...image.toSend.toRanges()]).toEqual([0, pages]);
    image.moveCursor(pages - 64);
    batch = image.takeToSend(64 * (512 + PAGE_HEADER_BYTES));
    expect([...batch.ranges]).toEqual([pages - 64, 64]);
    expect(image.sendCursor).toBe(0);
  });

  it('takes nothing on a zero budget or when nothing is dirty', () => {
    const image = new MemoryImage(10, 4096);
    expect(image.takeToSend(Number.POSITIVE_INFINITY).pages).toBe(0);
    image.markAllDirty();
    expect(image.takeToSend(0).pages).toBe(0);
  });

  it('stops treating a page as zero once the guest writes it', () => {
    const image = new MemoryImage(8, 4096);
    image.zero.addRange(0, 8);
    image.recordWrites(Uint32Array.from([3]), 1);
    expect(image.zero.has(3)).toBe(false);
    expect(image.zero.count).toBe(7);
    expect(image.dirtyLog.has(3)).toBe(true);
  });

  it('merges the dirty log into the pages to send at a sync and counts only new ones', () => {
    const image = new MemoryImage(8, 4096);
    image.toSend.add(1);
    image.recordWrites(Uint32Array.from([1, 2, 2, 5]), 4);
    expect(image.sync()).toBe(2);
    expect([...image.toSend.toRanges()]).toEqual([1, 2, 5, 1]);
    expect(image.dirtyLog.count).toBe(0);
  });
});
