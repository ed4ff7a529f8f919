import type { EventEnvelope } from '../event';
import { decodedOf, decodePageList } from '../memory/page-set-codec';
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

/** Per copy slot (block * copies + copy). */
interface CopyStates {
  readonly version: Uint32Array;
  /** 0 readable; device index + 1 when the copy's device failed. */
  readonly lost: Uint16Array;
  readonly corrupt: Uint8Array;
}

interface Tracked {
  readonly name: string;
  readonly map: VolumeMap;
  readonly copies: number;
  readonly raid5: boolean;
  readonly blocks: number;
  /** Acknowledged writes per block, not counting those still in `unfolded`; created on first need (see `ackedCounts`). */
  acked: Uint32Array | null;
  /**
   * Writes not yet counted into `acked`, in order. While no copy state exists
   * only the counts matter and they can wait: keeping the writes costs memory
   * in proportion to them, not to the volume, and no random access per write.
   */
  unfolded: Uint32Array[];
  unfoldedCount: number;
  /**
   * Null until some copy is lost, corrupted or rebuilt: until then every copy
   * holds the acknowledged version, so nothing is lost and nothing is stale.
   */
  slots: CopyStates | null;
}

const RANGE_SAMPLE = 16;

/**
 * Tracks a version per block and per copy from the events alone (typed
 * arrays, never immer state; per-copy arrays only once some copy is lost,
 * corrupted or rebuilt, since until then every copy holds the acknowledged
 * version). A write acknowledged in an IoSliceCompleted lands on every copy
 * whose device is alive; a failed device loses its copies; a rebuild
 * reconstructs copies from the survivors; a move keeps contents. At the end
 * each block must read back its last acknowledged version, or be listed lost
 * with the cause.
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
        this.volumes.set(d.volume, {
          name: d.volume, map, copies: d.copies, raid5: d.layout === 'raid5',
          blocks: d.blocks, acked: null, unfolded: [], unfoldedCount: 0, slots: null,
        });
        return;
      }
      case 'ThinExtentsAllocated':
      case 'ExtentsMoved':
        this.volume(envelope.data.volume).map.applyEncoded(envelope.data.runs);
        return;
      case 'IoSliceCompleted': {
        const volume = this.volume(envelope.data.volume);
        // Kept as is until counted (see `unfolded`): compact (a freshly decoded list sits in a larger buffer) and written by nobody.
        this.applyWrites(volume, decodedOf(envelope.data) ?? decodePageList(envelope.data.written).slice());
        // Without copy states every copy already holds what a good read returns: nothing to repair.
        if (volume.slots) {
          const repaired = decodePageList(envelope.data.repaired);
          for (let i = 0; i < repaired.length; i++) this.repair(volume, volume.slots, repaired[i]);
        }
        return;
      }
      case 'DeviceFailed':
        this.failed[envelope.data.device] = true;
        for (const volume of this.volumes.values()) this.loseCopiesOn(volume, envelope.data.device);
        return;
      case 'BlocksCorrupted': {
        const volume = this.volume(envelope.data.volume);
        const slots = decodePageList(envelope.data.slots);
        if (slots.length === 0) return;
        const { lost, corrupt } = this.copyStates(volume);
        for (let i = 0; i < slots.length; i++) if (lost[slots[i]] === 0) corrupt[slots[i]] = 1;
        return;
      }
      case 'ScrubCompleted': {
        const volume = this.volume(envelope.data.volume);
        if (!volume.slots) return;
        const slots = decodePageList(envelope.data.repaired);
        for (let i = 0; i < slots.length; i++) this.repair(volume, volume.slots, slots[i]);
        return;
      }
      case 'ExtentsRebuilt': {
        const volume = this.volume(envelope.data.volume);
        const runs = volume.map.applyEncoded(envelope.data.runs);
        this.rebuild(volume, this.copyStates(volume), runs);
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
    for (let i = 0; i < blocks.length; i++) {
      if (blocks[i] >= volume.blocks) throw new Error(`block ${blocks[i]} is beyond volume ${volume.name}'s ${volume.blocks} blocks`);
    }
    const slots = volume.slots;
    if (!slots) {
      volume.unfolded.push(blocks);
      volume.unfoldedCount += blocks.length;
      // Once the writes outnumber the blocks, counting them is the smaller record.
      if (volume.unfoldedCount > volume.blocks) this.ackedCounts(volume);
      return;
    }
    const acked = this.ackedCounts(volume);
    const copies = volume.copies;
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i];
      const v = ++acked[block];
      const base = block * copies;
      for (let c = 0; c < copies; c++) {
        if (slots.lost[base + c] !== 0) continue;
        slots.version[base + c] = v;
        slots.corrupt[base + c] = 0;
      }
    }
  }

  /** Acknowledged writes per block, with every write so far counted. */
  private ackedCounts(volume: Tracked): Uint32Array {
    const acked = volume.acked ?? new Uint32Array(volume.blocks);
    for (const blocks of volume.unfolded) for (let i = 0; i < blocks.length; i++) acked[blocks[i]]++;
    volume.acked = acked;
    volume.unfolded = [];
    volume.unfoldedCount = 0;
    return acked;
  }

  /** The volume's copy states, created on first use: every copy then holds its block's acknowledged version. */
  private copyStates(volume: Tracked): CopyStates {
    if (volume.slots) return volume.slots;
    const acked = this.ackedCounts(volume);
    const copies = volume.copies;
    const version = new Uint32Array(acked.length * copies);
    for (let block = 0; block < acked.length; block++) if (acked[block] !== 0) version.fill(acked[block], block * copies, (block + 1) * copies);
    volume.slots = { version, lost: new Uint16Array(version.length), corrupt: new Uint8Array(version.length) };
    return volume.slots;
  }

  /** Copy slot rewritten from a good copy: it now holds what a good read returns. */
  private repair(volume: Tracked, slots: CopyStates, slot: number): void {
    const block = Math.floor(slot / volume.copies);
    const good = this.readable(volume, slots, block, slot);
    if (good < 0) return;
    slots.version[slot] = good;
    slots.corrupt[slot] = 0;
  }

  private loseCopiesOn(volume: Tracked, device: number): void {
    const { map, copies } = volume;
    const out = this.locateOut;
    let lost: Uint16Array | null = null;
    for (let block = 0; block < map.geometry.blocks; block++) {
      map.locate(block, out);
      for (let c = 0; c < copies; c++) {
        if (map.device[map.slot(out[2 * c], out[2 * c + 1])] !== device) continue;
        lost ??= this.copyStates(volume).lost;
        if (lost[block * copies + c] === 0) lost[block * copies + c] = device + 1;
      }
    }
  }

  private rebuild(volume: Tracked, slots: CopyStates, runs: Uint32Array): void {
    const { map, copies } = volume;
    const out = this.locateOut;
    for (let block = 0; block < map.geometry.blocks; block++) {
      map.locate(block, out);
      for (let c = 0; c < copies; c++) {
        const leg = out[2 * c];
        const le = Math.floor(out[2 * c + 1] / map.shape.blocksPerExtent);
        if (!inRuns(runs, leg, le)) continue;
        const slot = block * copies + c;
        const good = this.readable(volume, slots, block, slot);
        slots.lost[slot] = 0;
        slots.corrupt[slot] = 0;
        if (good >= 0) slots.version[slot] = good;
        else slots.lost[slot] = 0xffff;
      }
    }
  }

  /**
   * The version a read of `block` returns without using copy `except`, or -1.
   * raid5 data comes from the data copy, else from parity when every other
   * data chunk of the row is on a live device.
   */
  private readable(volume: Tracked, slots: CopyStates, block: number, except = -1): number {
    const { copies } = volume;
    const { lost, corrupt, version } = slots;
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
    const { copies, slots } = volume;
    // Every copy holds its block's acknowledged version: nothing lost, nothing stale.
    if (!slots) return { volume: volume.name, blocks: volume.blocks, intactBlocks: volume.blocks, lostBlocks: 0, causes: {}, lostRanges: [], staleCopies: 0 };
    const acked = this.ackedCounts(volume);
    const { lost, corrupt, version } = slots;
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
      const got = this.readable(volume, slots, block);
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
    for (let block = 0; block < acked.length; block++) judgeBlock(block);
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
