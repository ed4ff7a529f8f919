import type { EventEnvelope } from '../event';
import { decodePageList, decodeRanges } from '../memory/page-set-codec';
import type { MigrationEvent } from './events';

export interface DiskVerdict {
  readonly checked: boolean;
  readonly consistent: boolean;
  readonly mismatchedBlocks: number;
  readonly mismatchedSample: readonly number[];
}

const SAMPLE = 10;

/**
 * A version per disk block, folded from the events like memory's: a guest
 * disk write bumps the block on the host the VM runs on; a block copied
 * carries the source's version; after the pivot the destination's disk is
 * the VM's and must equal everything the guest wrote.
 */
export class DiskVerification {
  private source = new Uint32Array(0);
  private destination = new Uint32Array(0);
  private pivoted = false;
  private mirrored = false;
  private verdict: DiskVerdict = { checked: false, consistent: true, mismatchedBlocks: 0, mismatchedSample: [] };

  handle(envelope: EventEnvelope<MigrationEvent>): void {
    switch (envelope.type) {
      case 'DiskMirrorStarted':
        this.mirrored = true;
        this.source = new Uint32Array(envelope.data.blocks);
        this.destination = new Uint32Array(envelope.data.blocks);
        return;
      case 'DiskBlocksWritten': {
        if (!this.mirrored) return;
        const blocks = decodePageList(envelope.data.blocks);
        for (let i = 0; i < blocks.length; i++) {
          const block = blocks[i];
          if (block >= this.source.length) throw new Error(`block ${block} is beyond the disk's ${this.source.length} blocks`);
          this.source[block]++;
          if (this.pivoted) this.destination[block]++;
        }
        return;
      }
      case 'DiskBlocksSent': {
        const flat = decodeRanges(envelope.data.ranges);
        for (let i = 0; i < flat.length; i += 2) {
          const start = flat[i];
          const end = start + flat[i + 1];
          if (end > this.source.length) throw new Error(`block ${end - 1} is beyond the disk's ${this.source.length} blocks`);
          this.destination.set(this.source.subarray(start, end), start);
        }
        return;
      }
      case 'DiskMirrorPivoted':
        this.pivoted = true;
        return;
      case 'MigrationCompleted':
        if (this.mirrored) this.verdict = this.compare();
        return;
      default:
        return;
    }
  }

  result(): DiskVerdict {
    return this.verdict;
  }

  private compare(): DiskVerdict {
    let mismatched = 0;
    const sample: number[] = [];
    if (!this.pivoted) return { checked: true, consistent: false, mismatchedBlocks: this.source.length, mismatchedSample: [0] };
    for (let block = 0; block < this.source.length; block++) {
      if (this.source[block] !== this.destination[block]) {
        mismatched++;
        if (sample.length < SAMPLE) sample.push(block);
      }
    }
    return { checked: true, consistent: mismatched === 0, mismatchedBlocks: mismatched, mismatchedSample: sample };
  }
}
