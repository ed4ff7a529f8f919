import { decodePageList } from '../memory/page-set-codec';
import { geometry, locate, type Geometry } from './layout';
import type { Layout } from './scenario';

export const UNALLOCATED = -1;

/** What a VolumeCreated event says about a volume's shape. */
export interface VolumeShape {
  readonly layout: Layout;
  readonly blocks: number;
  readonly blocksPerChunk: number;
  readonly width: number;
  readonly legs: number;
  readonly copies: number;
  readonly blocksPerExtent: number;
}

/**
 * A volume's extent map in typed arrays: for each leg and logical extent, the
 * device (index in the run's device table) and physical extent holding it.
 * Runtime and projections each keep their own, built from the same events.
 */
export class VolumeMap {
  readonly geometry: Geometry;
  readonly legExtents: number;
  readonly device: Int32Array;
  readonly pe: Int32Array;
  private readonly scratch = new Int32Array(16);

  constructor(readonly shape: VolumeShape) {
    const mirrors = shape.layout === 'raid1' ? shape.legs : shape.layout === 'raid10' ? shape.copies : 2;
    this.geometry = geometry(shape.layout, shape.blocks, shape.blocksPerChunk, shape.width, mirrors);
    this.legExtents = Math.ceil(this.geometry.legBlocks / shape.blocksPerExtent);
    this.device = new Int32Array(shape.legs * this.legExtents).fill(UNALLOCATED);
    this.pe = new Int32Array(shape.legs * this.legExtents).fill(UNALLOCATED);
  }

  /** Index of (leg, logical extent) in `device` / `pe`. */
  slot(leg: number, legBlock: number): number {
    return leg * this.legExtents + Math.floor(legBlock / this.shape.blocksPerExtent);
  }

  /** Copies of `block` as (leg, leg block) pairs into `out`; returns how many. */
  locate(block: number, out: Int32Array): number {
    return locate(this.geometry, block, out);
  }

  /** Device holding copy `copy` of `block`, or UNALLOCATED. */
  deviceOf(block: number, copy: number): number {
    locate(this.geometry, block, this.scratch);
    return this.device[this.slot(this.scratch[2 * copy], this.scratch[2 * copy + 1])];
  }

  /** Applies flat [leg, le, count, device, pe] runs. */
  apply(runs: ArrayLike<number>): void {
    for (let i = 0; i + 4 < runs.length; i += 5) {
      const base = runs[i] * this.legExtents + runs[i + 1];
      for (let k = 0; k < runs[i + 2]; k++) {
        this.device[base + k] = runs[i + 3];
        this.pe[base + k] = runs[i + 4] + k;
      }
    }
  }

  applyEncoded(encoded: string): Uint32Array {
    const runs = decodePageList(encoded);
    if (runs.length % 5 !== 0) throw new Error('extent runs must be quintuples');
    this.apply(runs);
    return runs;
  }

  /** The whole map as runs (contiguous physical extents on one device fold into one run). */
  toRuns(): number[] {
    const flat: number[] = [];
    for (let leg = 0; leg < this.shape.legs; leg++) {
      let le = 0;
      while (le < this.legExtents) {
        const index = leg * this.legExtents + le;
        const device = this.device[index];
        if (device === UNALLOCATED) {
          le++;
          continue;
        }
        let count = 1;
        while (le + count < this.legExtents && this.device[index + count] === device && this.pe[index + count] === this.pe[index] + count) count++;
        flat.push(leg, le, count, device, this.pe[index]);
        le += count;
      }
    }
    return flat;
  }
}

