import type { Layout } from './scenario';

/**
 * Where a volume's blocks live, as pure arithmetic over legs (LVM's images):
 * a leg is a run of logical extents on one or more devices. A block has one
 * or more copies, each at (leg, block within the leg).
 *
 * - linear, thin: one leg.
 * - striped: S legs, chunks of `stripe-size` dealt round-robin.
 * - raid1: m legs, each a full copy.
 * - raid10: S mirrored pairs, chunks striped over the pairs.
 * - raid5: n legs, rows of n-1 data chunks plus rotating parity
 *   (left-symmetric, md's default). Copy 0 is the data, copy 1 is "what parity
 *   holds for this block": rebuildable only while every other data chunk of
 *   the row is readable.
 */
export interface Geometry {
  readonly layout: Layout;
  readonly blocks: number;
  readonly legs: number;
  /** Copies per block: mirrors for raid1/raid10, 2 (data, parity) for raid5, else 1. */
  readonly copies: number;
  readonly blocksPerChunk: number;
  /** Stripes (striped, raid10 pairs) or raid5 members. */
  readonly width: number;
  readonly legBlocks: number;
}

export function geometry(layout: Layout, blocks: number, blocksPerChunk: number, stripes: number, mirrors: number): Geometry {
  const chunks = Math.ceil(blocks / blocksPerChunk);
  switch (layout) {
    case 'linear':
    case 'thin':
      return { layout, blocks, legs: 1, copies: 1, blocksPerChunk, width: 1, legBlocks: blocks };
    case 'striped':
      return { layout, blocks, legs: stripes, copies: 1, blocksPerChunk, width: stripes, legBlocks: Math.ceil(chunks / stripes) * blocksPerChunk };
    case 'raid1':
      return { layout, blocks, legs: mirrors, copies: mirrors, blocksPerChunk, width: 1, legBlocks: blocks };
    case 'raid10':
      return { layout, blocks, legs: stripes * mirrors, copies: mirrors, blocksPerChunk, width: stripes, legBlocks: Math.ceil(chunks / stripes) * blocksPerChunk };
    case 'raid5':
      return { layout, blocks, legs: stripes, copies: 2, blocksPerChunk, width: stripes, legBlocks: Math.ceil(chunks / (stripes - 1)) * blocksPerChunk };
  }
}

/**
 * Writes the copies of `block` into `out` as (leg, leg block) pairs; returns
 * how many. For raid5, pair 0 is data and pair 1 is parity.
 */
export function locate(g: Geometry, block: number, out: Int32Array): number {
  const bpc = g.blocksPerChunk;
  switch (g.layout) {
    case 'linear':
    case 'thin':
      out[0] = 0;
      out[1] = block;
      return 1;
    case 'raid1':
      for (let i = 0; i < g.copies; i++) {
        out[2 * i] = i;
        out[2 * i + 1] = block;
      }
      return g.copies;
    case 'striped':
    case 'raid10': {
      const chunk = Math.floor(block / bpc);
      const legBlock = Math.floor(chunk / g.width) * bpc + (block % bpc);
      const stripe = chunk % g.width;
      for (let i = 0; i < g.copies; i++) {
        out[2 * i] = stripe * g.copies + i;
        out[2 * i + 1] = legBlock;
      }
      return g.copies;
    }
    case 'raid5': {
      const n = g.width;
      const chunk = Math.floor(block / bpc);
      const row = Math.floor(chunk / (n - 1));
      const parity = n - 1 - (row % n);
      const legBlock = row * bpc + (block % bpc);
      out[0] = (parity + 1 + (chunk % (n - 1))) % n;
      out[1] = legBlock;
      out[2] = parity;
      out[3] = legBlock;
      return 2;
    }
  }
}

/** raid5: the legs of the other data chunks in `block`'s row (all legs but data and parity). */
export function raid5Peers(g: Geometry, dataLeg: number, parityLeg: number, out: Int32Array): number {
  let count = 0;
  for (let leg = 0; leg < g.width; leg++) if (leg !== dataLeg && leg !== parityLeg) out[count++] = leg;
  return count;
}
