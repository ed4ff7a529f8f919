import fc from 'fast-check';
import { geometry, locate } from '../../src/domain/storage/layout';
import type { Layout } from '../../src/domain/storage/scenario';

describe('layout geometry', () => {
  const layouts: Layout[] = ['linear', 'striped', 'raid1', 'raid5', 'raid10', 'thin'];

  it('puts the copies of a block on distinct legs, and no two blocks share a (leg, leg block) per copy role', () => {
    fc.assert(fc.property(
      fc.constantFrom(...layouts), fc.integer({ min: 1, max: 200 }), fc.constantFrom(1, 2, 4, 16), fc.integer({ min: 3, max: 5 }),
      (layout, blocks, blocksPerChunk, width) => {
        const g = geometry(layout, blocks, blocksPerChunk, width, 2);
        const out = new Int32Array(16);
        const seen = new Set<string>();
        for (let block = 0; block < blocks; block++) {
          const copies = locate(g, block, out);
          if (copies !== g.copies) throw new Error('copy count');
          const legs = new Set<number>();
          for (let c = 0; c < copies; c++) {
            if (out[2 * c] < 0 || out[2 * c] >= g.legs || out[2 * c + 1] >= g.legBlocks) return false;
            legs.add(out[2 * c]);
          }
          if (legs.size !== copies) return false;
          // Data placement (copy 0) is a bijection onto leg space.
          const key = `${out[0]}:${out[1]}`;
          if (seen.has(key)) return false;
          seen.add(key);
        }
        return true;
      },
    ), { numRuns: 60 });
  });

  it('rotates raid5 parity over every member', () => {
    const g = geometry('raid5', 4 * 3 * 4, 4, 4, 2);
    const out = new Int32Array(16);
    const parity = new Set<number>();
    for (let block = 0; block < g.blocks; block++) {
      locate(g, block, out);
      parity.add(out[2]);
    }
    expect([...parity].sort()).toEqual([0, 1, 2, 3]);
  });
});
