import type { DeviceClass } from '../../domain/storage/scenario';
import type { StrategyInfo } from '../strategy';

/** A device as a model sees it. */
export interface TopologyDevice {
  readonly index: number;
  /** Qualified: `array/device` or `host/device`. */
  readonly name: string;
  readonly class: DeviceClass;
  readonly location: 'host' | 'array';
  /** The host or array it sits in. */
  readonly enclosure: string;
  readonly vendor: string;
}

export interface PoolPlan {
  readonly name: string;
  readonly devices: readonly TopologyDevice[];
  /** As given in the scenario; undefined means the model's default. */
  readonly extentBytes: number | undefined;
  /** Hosts that map or drive volumes of this pool. */
  readonly hosts: readonly string[];
}

export type NetworkMode = 'in-band' | 'out-of-band';

/** One stage an I/O crosses; the runtime turns each into a queueing resource. */
export type Hop =
  | { readonly kind: 'volume-manager'; readonly host: string }
  | { readonly kind: 'path'; readonly target: string }
  | { readonly kind: 'controller'; readonly array: string; readonly cache: boolean }
  | { readonly kind: 'appliance'; readonly cache: boolean }
  | { readonly kind: 'metadata-lookup' }
  | { readonly kind: 'device' };

/**
 * How an I/O from a host reaches a device: `front` is crossed once per I/O,
 * `back` once per copy (where mirrored writes fan out shows in which side
 * the hops are on), ending with the device.
 */
export interface RoutePlan {
  readonly front: readonly Hop[];
  readonly back: readonly Hop[];
}

/** A storage-virtualization model: where the virtualization engine sits. */
export interface StorageModel extends StrategyInfo {
  defaultExtentBytes(mode: NetworkMode): number;
  /** Null when this model can host the pool; otherwise the reason it refuses. */
  checkPool(pool: PoolPlan, mode: NetworkMode): string | null;
  route(host: string, device: TopologyDevice, mode: NetworkMode): RoutePlan;
  /** Messages one metadata change costs when `hosts` hosts use the pool. */
  lockMessagesPerChange(hosts: number, mode: NetworkMode): number;
  /**
   * True when a thin pool and its thin volumes can be active on one host only
   * (LVM with lvmlockd): a thin volume mapped to several hosts is refused, and
   * a thin chunk allocation changes no shared metadata, so it costs no lock
   * messages. Absent or false: the engine allocates for every host, and an
   * allocation costs what any metadata change does.
   */
  readonly exclusiveThin?: boolean;
  /**
   * True when metadata changes made during the run (move checkpoints, a
   * thin-pool extension, a rebuild taking a spare) are LVM commits on the
   * hosts: each takes the pool's lock, counted as `lockMessagesPerChange`
   * messages, and with the scenario's `cluster` section also holds it for
   * their time and suspends the volumes it changes until then. Absent or
   * false: the engine changes its metadata internally (no change counted).
   */
  readonly clusterLocksChanges?: boolean;
}

/** What a path selector sees of a path group's live paths. */
export interface PathLoad {
  /** Virtual time (ns) each path is busy until. */
  readonly busyUntilNs: Float64Array;
  readonly nsPerByte: Float64Array;
}

/** dm-multipath's path selector: picks one of `count` candidate paths for an I/O of `bytes`. */
export interface PathSelector extends StrategyInfo {
  select(candidates: Int32Array, count: number, load: PathLoad, bytes: number, nowNs: number): number;
}

export interface DeviceChoice {
  readonly index: number;
  readonly freeExtents: number;
  readonly largestFreeRun: number;
}

export interface LegRequest {
  readonly extents: number;
  /** Pool devices with free space, already ordered by the pool's balancing. */
  readonly devices: readonly DeviceChoice[];
  /** Devices holding other legs (stripes, mirrors) of the volume. */
  readonly otherLegs: ReadonlySet<number>;
  /** Devices already holding this leg. */
  readonly thisLeg: ReadonlySet<number>;
}

/** LVM's allocation policy: which devices a leg's extents come from. */
export interface AllocationPolicy extends StrategyInfo {
  /** Whether a leg must be one run of physical extents. */
  readonly contiguous: boolean;
  /** Devices to take extents from, in order, or the reason the leg cannot be placed. */
  order(request: LegRequest): readonly number[] | string;
}
