import type { EventEnvelope } from '../event';
import { PageBitmap } from '../memory/page-bitmap';
import { decodePageList } from '../memory/page-set-codec';
import type { StorageEvent } from './events';
import { raid5Peers } from './layout';
import { UNALLOCATED, VolumeMap } from './volume-map';

/** What the check found for one volume. */
export interface VolumeVerdict {
  readonly volume: string;
  readonly blocks: number;
  /** Blocks that read back the last acknowledged write. */
  readonly intactBlocks: number;
  readonly lostBlocks: number;
  /** Lost blocks by cause (`device a1/d0 failed`, `corruption`, `stale copy`). */
  readonly causes: Readonly<Record<string, number>>;
  /** Lost blocks as [start, length] ranges, the first 16. */
  readonly lostRanges: readonly (readonly [number, number])[];
  /** Copies that still hold an older version than acknowledged although readable: a simulator bug. */
  readonly staleCopies: number;
}

export interface BlockVerdict {
  readonly checked: boolean;
  /** No block was lost silently: every block is intact or listed lost with a cause, and no copy is stale. */
  readonly consistent: boolean;
  readonly volumes: readonly VolumeVerdict[];
}

interface Tracked {
  readonly name: string;
  readonly map: VolumeMap;
  readonly copies: number;
  readonly raid5: boolean;
  readonly acked: Uint32Array;
  readonly version: Uint32Array;
  /** 0 readable; device index + 1 when the copy's device failed. */
  readonly lost: Uint16Array;
  readonly corrupt: Uint8Array;
  /** Blocks ever written. */
  readonly written: PageBitmap;
  /** Some copy was ever lost or corrupted: the verdict must look at every block, not only written ones. */
  damaged: boolean;
}

const RANGE_SAMPLE = 16;

/**
 * Tracks a version per block and per copy from the events alone (typed
 * arrays, never immer state). A write acknowledged in an IoSliceCompleted
 * lands on every copy whose device is alive; a failed device loses its
 * copies; a rebuild reconstructs copies from the survivors; a move keeps
 * contents. At the end each block must read back its last acknowledged
 * version, or be listed lost with the cause.
 */
export class BlockTracker {
  private readonly volumes = new Map<string, Tracked>();
  private readonly deviceNames: string[] = [];
  private readonly failed: boolean[] = [];
  private readonly locateOut = new Int32Array(16);
  private readonly peers = new Int32Array(16);
  private verdict: BlockVerdict = { checked: false, consistent: true, volumes: [] };

  handle(batch: readonly EventEnvelope[]): void {
    for (const envelope of batch) this.apply(envelope as EventEnvelope<StorageEvent>);
  }

  result(): BlockVerdict {
    return this.verdict.checked ? this.verdict : this.judge(false);
  }

  private apply(envelope: EventEnvelope<StorageEvent>): void {
    switch (envelope.type) {
      case 'DeviceAdded':
        this.deviceNames[envelope.data.index] = envelope.data.device;
        this.failed[envelope.data.index] = false;
        return;
      case 'VolumeCreated': {
        const d = envelope.data;
        const map = new VolumeMap(d);
        map.applyEncoded(d.runs);
        const slots = d.blocks * d.copies;
        this.volumes.set(d.volume, {
          name: d.volume, map, copies: d.copies, raid5: d.layout === 'raid5',
          acked: new Uint32Array(d.blocks), version: new Uint32Array(slots), lost: new Uint16Array(slots), corrupt: new Uint8Array(slots),
          written: new PageBitmap(d.blocks), damaged: false,
        });
        return;
      }
      case 'ThinExtentsAllocated':
      case 'ExtentsMoved':
        this.volume(envelope.data.volume).map.applyEncoded(envelope.data.runs);
        return;
      case 'IoSliceCompleted': {
        const volume = this.volume(envelope.data.volume);
        this.applyWrites(volume, decodePageList(envelope.data.written));
        const repaired = decodePageList(envelope.data.repaired);
        for (let i = 0; i < repaired.length; i++) this.repair(volume, repaired[i]);
        return;
      }
      case 'DeviceFailed':
        this.failed[envelope.data.device] = true;
        for (const volume of this.volumes.values()) this.loseCopiesOn(volume, envelope.data.device);
        return;
      case 'BlocksCorrupted': {
        const volume = this.volume(envelope.data.volume);
        const slots = decodePageList(envelope.data.slots);
        for (let i = 0; i < slots.length; i++) if (volume.lost[slots[i]] === 0) volume.corrupt[slots[i]] = 1;
        if (slots.length > 0) volume.damaged = true;
        return;
      }
      case 'ScrubCompleted': {
        const volume = this.volume(envelope.data.volume);
        const slots = decodePageList(envelope.data.repaired);
        for (let i = 0; i < slots.length; i++) this.repair(volume, slots[i]);
        return;
      }
      case 'ExtentsRebuilt': {
        const volume = this.volume(envelope.data.volume);
        const runs = volume.map.applyEncoded(envelope.data.runs);
        this.rebuild(volume, runs);
        return;
      }
      case 'StorageRunEnded':
        this.verdict = this.judge(true);
        return;
      default:
        return;
    }
  }

  private volume(name: string): Tracked {
    const volume = this.volumes.get(name);
    if (!volume) throw new Error(`event for unknown volume ${name}`);
    return volume;
  }

  private applyWrites(volume: Tracked, blocks: Uint32Array): void {
    const { acked, version, lost, corrupt, copies } = volume;
    const total = acked.length;
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i];
      if (block >= total) throw new Error(`block ${block} is beyond volume ${volume.name}'s ${total} blocks`);
      const v = ++acked[block];
      volume.written.add(block);
      const base = block * copies;
      for (let c = 0; c < copies; c++) {
        if (lost[base + c] !== 0) continue;
        version[base + c] = v;
        corrupt[base + c] = 0;
      }
    }
  }

  /** Copy slot rewritten from a good copy: it now holds what a good read returns. */
  private repair(volume: Tracked, slot: number): void {
    const block = Math.floor(slot / volume.copies);
    const good = this.readable(volume, block, slot);
    if (good < 0) return;
    volume.version[slot] = good;
    volume.corrupt[slot] = 0;
  }

  private loseCopiesOn(volume: Tracked, device: number): void {
    const { map, copies, lost } = volume;
    const out = this.locateOut;
    for (let block = 0; block < map.geometry.blocks; block++) {
      map.locate(block, out);
      for (let c = 0; c < copies; c++) {
        if (map.device[map.slot(out[2 * c], out[2 * c + 1])] === device && lost[block * copies + c] === 0) {
          lost[block * copies + c] = device + 1;
          volume.damaged = true;
        }
      }
    }
  }

  private rebuild(volume: Tracked, runs: Uint32Array): void {
    const { map, copies } = volume;
    const out = this.locateOut;
    for (let block = 0; block < map.geometry.blocks; block++) {
      map.locate(block, out);
      for (let c = 0; c < copies; c++) {
        const leg = out[2 * c];
        const le = Math.floor(out[2 * c + 1] / map.shape.blocksPerExtent);
        if (!inRuns(runs, leg, le)) continue;
        const slot = block * copies + c;
        const good = this.readable(volume, block, slot);
        volume.lost[slot] = 0;
        volume.corrupt[slot] = 0;
        if (good >= 0) volume.version[slot] = good;
        else {
          volume.lost[slot] = 0xffff;
          volume.damaged = true;
        }
      }
    }
  }

  /**
   * The version a read of `block` returns without using copy `except`, or -1.
   * raid5 data comes from the data copy, else from parity when every other
   * data chunk of the row is on a live device.
   */
  private readable(volume: Tracked, block: number, except = -1): number {
    const { copies, lost, corrupt, version } = volume;
    const base = block * copies;
    if (!volume.raid5) {
      for (let c = 0; c < copies; c++) {
        const slot = base + c;
        if (slot !== except && lost[slot] === 0 && corrupt[slot] === 0) return version[slot];
      }
      return -1;
    }
    if (base !== except && lost[base] === 0 && corrupt[base] === 0) return version[base];
    if (base + 1 !== except && lost[base + 1] === 0 && corrupt[base + 1] === 0 && this.peersAlive(volume, block)) return version[base + 1];
    return -1;
  }

  private peersAlive(volume: Tracked, block: number): boolean {
    const map = volume.map;
    const out = this.locateOut;
    map.locate(block, out);
    const count = raid5Peers(map.geometry, out[0], out[2], this.peers);
    for (let i = 0; i < count; i++) {
      const device = map.device[map.slot(this.peers[i], out[1])];
      if (device !== UNALLOCATED && this.failed[device]) return false;
    }
    return true;
  }

  private judge(checked: boolean): BlockVerdict {
    const volumes: VolumeVerdict[] = [];
    let consistent = true;
    for (const volume of this.volumes.values()) {
      const verdict = this.judgeVolume(volume);
      if (verdict.staleCopies > 0) consistent = false;
      volumes.push(verdict);
    }
    return { checked, consistent, volumes };
  }

  private judgeVolume(volume: Tracked): VolumeVerdict {
    const { acked, copies, lost, corrupt, version } = volume;
    const causes: Record<string, number> = {};
    const ranges: [number, number][] = [];
    let lostBlocks = 0;
    let stale = 0;
    const addLost = (block: number, cause: string) => {
      lostBlocks++;
      causes[cause] = (causes[cause] ?? 0) + 1;
      const last = ranges[ranges.length - 1];
      if (last && last[0] + last[1] === block) last[1]++;
      else if (ranges.length < RANGE_SAMPLE) ranges.push([block, 1]);
    };
    const judgeBlock = (block: number): void => {
      const base = block * copies;
      for (let c = 0; c < copies; c++) {
        // raid5 parity may legitimately lag when the data copy is readable.
        if (volume.raid5 && c === 1) continue;
        if (lost[base + c] === 0 && corrupt[base + c] === 0 && version[base + c] !== acked[block]) stale++;
      }
      const got = this.readable(volume, block);
      if (got === acked[block]) return;
      if (got >= 0) {
        addLost(block, 'stale copy');
        return;
      }
      let cause = 'corruption';
      for (let c = 0; c < copies; c++) {
        const code = lost[base + c];
        if (code !== 0) {
          cause = code === 0xffff ? 'no clean copy to rebuild from (corruption)' : `device ${this.deviceNames[code - 1]} failed`;
          break;
        }
      }
      addLost(block, cause);
    };
    if (volume.damaged) {
      for (let block = 0; block < acked.length; block++) judgeBlock(block);
    } else {
      // Without a lost or corrupt copy, a block never written reads back 0 as acknowledged: only written ones can differ.
      for (let block = volume.written.nextSet(0); block !== -1; block = volume.written.nextSet(block + 1)) judgeBlock(block);
    }
    return {
      volume: volume.name,
      blocks: acked.length,
      intactBlocks: acked.length - lostBlocks,
      lostBlocks,
      causes,
      lostRanges: ranges,
      staleCopies: stale,
    };
  }
}

function inRuns(runs: Uint32Array, leg: number, le: number): boolean {
  for (let i = 0; i + 4 < runs.length; i += 5) if (runs[i] === leg && le >= runs[i + 1] && le < runs[i + 1] + runs[i + 2]) return true;
  return false;
}
