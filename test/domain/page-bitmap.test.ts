import fc from 'fast-check';
import { PageBitmap } from '../../src/domain/memory/page-bitmap';

describe('a page bitmap', () => {
  it('counts the set pages of a range as a page-by-page count does, whatever the word boundaries', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(fc.nat(), { maxLength: 80 }), fc.nat(), fc.nat(), (size, pages, a, b) => {
        const bitmap = new PageBitmap(size);
        for (const page of pages) bitmap.add(page % size);
        const start = a % size;
        const length = b % (size - start + 1);
        let expected = 0;
        for (let page = start; page < start + length; page++) if (bitmap.has(page)) expected++;
        expect(bitmap.countRange(start, length)).toBe(expected);
      }),
    );
  });
});
