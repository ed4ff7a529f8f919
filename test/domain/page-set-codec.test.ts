import fc from 'fast-check';
import { PageBitmap, popcount32 } from '../../src/domain/memory/page-bitmap';
import { countRangePages, decodePageList, decodeRanges, encodePageList, encodeRanges } from '../../src/domain/memory/page-set-codec';

/** Sorted, disjoint, non-empty ranges as a flat [start, length, ...] list, built from gaps. */
const rangeSets = fc
  .array(fc.tuple(fc.nat({ max: 2 ** 20 }), fc.integer({ min: 1, max: 2 ** 16 })), { maxLength: 60 })
  .map((pairs) => {
    const flat: number[] = [];
    let end = 0;
    for (const [gap, length] of pairs) {
      const start = end + gap;
      flat.push(start, length);
      end = start + length;
    }
    return flat;
  });

describe('range sets in events', () => {
  it('decode what was encoded, for any sorted disjoint ranges', () => {
    fc.assert(fc.property(rangeSets, (flat) => {
      expect(Array.from(decodeRanges(encodeRanges(flat)))).toEqual(flat);
    }));
  });

  it('round-trip ranges near the top of a 2^31-page VM', () => {
    const flat = [0, 1, 2 ** 31 - 10, 5, 2 ** 31 - 2, 2];
    expect(Array.from(decodeRanges(encodeRanges(flat)))).toEqual(flat);
  });

  it('encode only as many pairs as asked', () => {
    expect(Array.from(decodeRanges(encodeRanges([3, 2, 10, 1, 99, 99], 2)))).toEqual([3, 2, 10, 1]);
  });

  it('count the pages of a range set', () => {
    fc.assert(fc.property(rangeSets, (flat) => {
      let expected = 0;
      for (let i = 1; i < flat.length; i += 2) expected += flat[i];
      expect(countRangePages(flat)).toBe(expected);
    }));
  });

  it('refuse unsorted, overlapping or empty ranges', () => {
    expect(() => encodeRanges([10, 2, 5, 1])).toThrow(/sorted/);
    expect(() => encodeRanges([10, 5, 12, 1])).toThrow(/disjoint/);
    expect(() => encodeRanges([10, 0])).toThrow(/non-empty/);
  });

  it('refuse text that is not base64 or ends inside a varint', () => {
    expect(() => decodeRanges('not base64!')).toThrow(/base64/);
    expect(() => decodeRanges(Buffer.from([0x80]).toString('base64'))).toThrow(/truncated/);
    // A gap with no length after it.
    expect(() => decodeRanges(Buffer.from([0x05]).toString('base64'))).toThrow(/truncated/);
  });

  it('cost about two bytes per range for a dense batch, far below one event per page', () => {
    const flat: number[] = [];
    for (let i = 0; i < 10_000; i++) flat.push(i * 4, 2);
    expect(Buffer.from(encodeRanges(flat), 'base64').length).toBeLessThanOrEqual(2 * 10_000);
  });
});

describe('page lists in events', () => {
  it('decode the same pages in the same order, repeats included', () => {
    fc.assert(fc.property(fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 300 }), (pages) => {
      expect(Array.from(decodePageList(encodePageList(pages)))).toEqual(pages);
    }));
  });

  it('encode only the first `count` pages of a buffer', () => {
    const buffer = Uint32Array.from([7, 7, 3, 1_000_000, 42]);
    expect(Array.from(decodePageList(encodePageList(buffer, 3)))).toEqual([7, 7, 3]);
  });

  it('decode an empty list', () => {
    expect(Array.from(decodePageList(encodePageList([])))).toEqual([]);
  });

  it('refuse a list that walks below page 0', () => {
    // zig-zag 1 = delta -1 from 0.
    expect(() => decodePageList(Buffer.from([0x01]).toString('base64'))).toThrow(/out of range/);
  });
});

describe('page bitmap', () => {
  it('counts bits like a naive popcount', () => {
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (word) => {
      let naive = 0;
      for (let bit = 0; bit < 32; bit++) if ((word >>> bit) & 1) naive++;
      expect(popcount32(word)).toBe(naive);
    }));
  });

  type Op =
    | { kind: 'add' | 'delete'; page: number }
    | { kind: 'addRange' | 'addRangeNoting'; start: number; length: number }
    | { kind: 'fill' | 'clearAll' }
    | { kind: 'absorb'; pages: number[] }
    | { kind: 'clearWord'; index: number; mask: number };

  const opsFor = (size: number): fc.Arbitrary<Op[]> => {
    const page = fc.nat({ max: size - 1 });
    return fc.array(fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('add' as const), page }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), page }) },
      { weight: 2, arbitrary: page.chain((start) => fc.record({ kind: fc.constantFrom('addRange' as const, 'addRangeNoting' as const), start: fc.constant(start), length: fc.integer({ min: 1, max: size - start }) })) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('fill' as const, 'clearAll' as const) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('absorb' as const), pages: fc.array(page, { maxLength: 20 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('clearWord' as const), index: fc.nat({ max: Math.ceil(size / 32) - 1 }), mask: fc.nat({ max: 0xffffffff }) }) },
    ), { maxLength: 40 });
  };

  function modelRanges(model: Set<number>): number[] {
    const sorted = [...model].sort((a, b) => a - b);
    const flat: number[] = [];
    for (const page of sorted) {
      if (flat.length > 0 && flat[flat.length - 2] + flat[flat.length - 1] === page) flat[flat.length - 1]++;
      else flat.push(page, 1);
    }
    return flat;
  }

  it('behaves like a set of page numbers under every operation', () => {
    const sized = fc.integer({ min: 1, max: 200 }).chain((size) => fc.tuple(fc.constant(size), opsFor(size)));
    fc.assert(fc.property(sized, ([size, ops]) => {
      const bitmap = new PageBitmap(size);
      const model = new Set<number>();
      for (const op of ops) {
        switch (op.kind) {
          case 'add':
            expect(bitmap.add(op.page)).toBe(!model.has(op.page));
            model.add(op.page);
            break;
          case 'delete':
            expect(bitmap.delete(op.page)).toBe(model.has(op.page));
            model.delete(op.page);
            break;
          case 'addRange':
            bitmap.addRange(op.start, op.length);
            for (let p = op.start; p < op.start + op.length; p++) model.add(p);
            break;
          case 'addRangeNoting': {
            // The noting bitmap starts with a stray page set: noting adds to it, never clears.
            const noted = new PageBitmap(size);
            noted.add(size - 1);
            bitmap.addRangeNoting(op.start, op.length, noted);
            const expected = new Set([size - 1]);
            for (let p = op.start; p < op.start + op.length; p++) {
              if (!model.has(p)) expected.add(p);
              model.add(p);
            }
            expect(noted.count).toBe(expected.size);
            for (let p = 0; p < size; p++) expect(noted.has(p)).toBe(expected.has(p));
            break;
          }
          case 'fill':
            bitmap.fill();
            for (let p = 0; p < size; p++) model.add(p);
            break;
          case 'clearAll':
            bitmap.clearAll();
            model.clear();
            break;
          case 'absorb': {
            const other = new PageBitmap(size);
            for (const p of op.pages) other.add(p);
            const fresh = new Set(op.pages.filter((p) => !model.has(p))).size;
            expect(bitmap.absorb(other)).toBe(fresh);
            expect(other.count).toBe(0);
            expect(other.nextSet(0)).toBe(-1);
            for (const p of op.pages) model.add(p);
            break;
          }
          case 'clearWord': {
            // clearWordBits takes a mask of bits that are all set: use the set ones.
            const mask = (bitmap.words[op.index] & op.mask) >>> 0;
            bitmap.clearWordBits(op.index, mask);
            for (let bit = 0; bit < 32; bit++) if ((mask >>> bit) & 1) model.delete(op.index * 32 + bit);
            break;
          }
        }
        expect(bitmap.count).toBe(model.size);
      }
      for (let p = 0; p < size; p++) expect(bitmap.has(p)).toBe(model.has(p));
      expect([...bitmap.toRanges()]).toEqual(modelRanges(model));
      const sorted = [...model].sort((a, b) => a - b);
      for (let from = 0; from <= size; from++) {
        expect(bitmap.nextSet(from)).toBe(sorted.find((p) => p >= from) ?? -1);
      }
    }));
  });

  it('lists runs that cross words, start at bit 31 or end with the bitmap', () => {
    const bitmap = new PageBitmap(96);
    for (const page of [0, 31, 32, 33, 63, 64, 95]) bitmap.add(page);
    expect([...bitmap.toRanges()]).toEqual([0, 1, 31, 3, 63, 2, 95, 1]);
    bitmap.fill();
    expect([...bitmap.toRanges()]).toEqual([0, 96]);
  });

  it('fills exactly its size when the size is not a multiple of 32', () => {
    const bitmap = new PageBitmap(33);
    bitmap.fill();
    expect(bitmap.count).toBe(33);
    expect([...bitmap.toRanges()]).toEqual([0, 33]);
    expect(bitmap.words[1]).toBe(1);
  });
});
