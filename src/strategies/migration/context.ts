import type { MemoryImage, PageBatch } from '../../domain/memory/memory-image';
import type { TransferPhase } from '../../domain/migration/events';
import type { MigrationCapability, Scenario } from '../../domain/scenario/schema';
import type { StopPolicy } from '../stop-policy/policy';

/** The guest as a strategy may drive it; its accesses are a function of guest time. */
export interface GuestControl {
  readonly running: boolean;
  /** Host the guest runs on, or null while paused. */
  readonly host: string | null;
  /** Brings the guest's writes up to the current virtual time (emits PagesDirtied). */
  catchUp(): void;
  /**
   * Runs the guest's reads and writes up to now; each access to a page in
   * `missing` calls `onMissing(page, atNs)`, whose result (ns) stalls one vCPU.
   * Writes are held until `flushWrites`.
   */
  runWithFaults(missing: { has(page: number): boolean }, onMissing: (page: number, atNs: number) => number): void;
  flushWrites(): void;
  pause(reason: string): void;
  resume(host: string): void;
}

/** A fault injected by the scenario, as the strategy hears of it. */
export type FaultRecord =
  | { readonly kind: 'link-down'; readonly backAtNs: number }
  | { readonly kind: 'link-up' }
  | { readonly kind: 'host-crash'; readonly host: string };

/**
 * What a migration strategy works with. Every method that changes state
 * emits the matching event, so the log (and the verdict folded from it)
 * always tells what the strategy really did.
 */
export interface MigrationContext {
  readonly scenario: Scenario;
  /** Current virtual time, ns. */
  readonly now: number;
  at(timeNs: number, action: () => void): void;
  readonly memory: MemoryImage;
  readonly guest: GuestControl;
  readonly stopPolicy: StopPolicy;
  readonly link: {
    /** min(full rate, max-bandwidth), bytes/s: the live phase's rate limit. */
    readonly liveRateBytesPerS: number;
    /** min(link bandwidth, channels x per-channel rate): stop-and-copy and post-copy run at this. */
    readonly fullRateBytesPerS: number;
    readonly linkRateBytesPerS: number;
    readonly latencyNs: number;
    readonly sendBufferBytes: number;
  };
  readonly linkUp: boolean;
  /** When a failed link comes back (valid while linkUp is false). */
  readonly linkBackAtNs: number;
  readonly inPostcopy: boolean;
  /** False while a disk mirror is still catching up: switchover must wait for it. */
  readonly storageReady: boolean;
  /** At switchover (VM paused): flushes the disk mirror's dirty blocks and pivots; returns their bytes. */
  flushStorage(): number;
  /** live rate x downtime-limit, bytes. */
  readonly thresholdBytes: number;
  /** When the run must end at the latest (migration.max-duration). */
  readonly deadlineNs: number;
  /** When migration.timeout expires, if set. */
  readonly timeoutNs: number | null;
  readonly source: string;
  readonly destination: string;

  /** Emits MigrationStarted; the setup phase begins. */
  begin(): void;
  completeSetup(): void;
  /** Starts dirty tracking with every page dirty (sync 1). */
  markAllDirty(): void;
  /** Merges pages written since the last sync into the pages to send; returns how many were new. */
  sync(): number;
  /** Sends dirty pages in address order while under the byte budget (emits PagesSent). */
  sendDirty(phase: TransferPhase, budgetBytes: number): PageBatch;
  /** Sends the named pages now if still waiting on the source (post-copy requests); returns their bytes. */
  requestPages(pages: readonly number[]): number;
  /** Logs the vCPU stalls of post-copy faults served in this step, and the guest work they cost. */
  recordFaults(stallsNs: readonly number[], requests: number, guestLossNs: number): void;
  /** Switchover to post-copy: pages still to send become missing on the destination. */
  startPostcopy(): void;
  /** Called on every injected fault before the built-in outcome (fail, pause) applies. */
  onFault(handler: (fault: FaultRecord) => void): void;
  /** Sends CPU and device state; returns its bytes. */
  sendDeviceState(): number;
  /** Wire time of `bytes` at a rate, rounded up to whole ns. */
  transferNs(bytes: number, bytesPerS: number): number;
  complete(): void;
  cancel(reason: string): void;
  fail(reason: string, vmLost?: boolean): void;
  /** Total wire bytes of memory pages sent so far. */
  readonly sentBytes: number;
  /** Completed rounds so far. */
  readonly rounds: number;
  readonly lastRoundPages: number;
}

export interface MigrationStrategy {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /**
   * QEMU capabilities the strategy cannot run without (`postcopy-ram` for one
   * that switches to post-copy). A run turns them on, as libvirt's
   * `migrate --postcopy` does; a scenario that turns one off is an error.
   */
  readonly capabilities?: readonly MigrationCapability[];
  /** Schedules the migration's work on the context; the run ends when it completes, cancels or fails. */
  start(context: MigrationContext): void;
}
