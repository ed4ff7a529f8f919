import { event } from '../../domain/event';
import { MemoryImage, type PageBatch } from '../../domain/memory/memory-image';
import type { WordSource } from '../../domain/memory/page-bitmap';
import { encodePageList, encodeRanges, withDecoded } from '../../domain/memory/page-set-codec';
import { RangeBuilder } from '../../domain/memory/range-builder';
import { XbzrleCache } from '../../domain/memory/xbzrle-cache';
import { seedZeroPages } from '../../domain/memory/zero-pages';
import { ThrottleTrigger } from '../../domain/migration/auto-converge';
import type {
  DeviceStateSent, DirtyBitmapSynced, HostCrashed, LinkDown, LinkUp, MigrationCancelled, MigrationCompleted,
  MigrationFailed, MigrationPaused, MigrationRecovered, MigrationRecovering, MigrationStarted, PagesDiscarded, PagesSent, PostcopyFaults,
  PostcopyStarted, SetupCompleted, SharedStorageUsed, ThrottleChanged, TransferPhase, XbzrleEncoded,
} from '../../domain/migration/events';
import { vmPages, type Scenario } from '../../domain/scenario/schema';
import { msToNs, NS_PER_S } from '../../domain/units';
import type { FaultRecord, MigrationContext } from '../../strategies/migration/context';
import type { StopPolicy } from '../../strategies/stop-policy/policy';
import type { GuestAccesses } from '../../strategies/workload/model';
import type { EventBus } from '../event-bus';
import type { RandomStreams } from '../random';
import type { Scheduler } from '../scheduler';
import { DiskMirror } from './disk-mirror';
import { Guest } from './guest';

/** How far past max-duration a guarded strategy may still schedule work (a step of a well-behaved one is <= 100 ms). */
const DEADLINE_GRACE_NS = NS_PER_S;
/** Actions at one virtual instant before a strategy is taken to loop without letting time pass. */
const MAX_ACTIONS_PER_INSTANT = 1_000_000;

export interface MigrationRuntimeOptions {
  readonly scenario: Scenario;
  readonly scheduler: Scheduler;
  readonly bus: EventBus;
  readonly random: RandomStreams;
  readonly accesses: GuestAccesses;
  readonly stopPolicy: StopPolicy;
  readonly strategyName: string;
  /** Where the page bitmaps get their arrays (default: fresh ones). */
  readonly words?: WordSource;
  /**
   * Stop a strategy that schedules work past max-duration or loops at one
   * instant: on for plugins. The built-ins stop themselves, and some end past
   * max-duration by design (a stop-and-copy under a suspend timeout).
   */
  readonly guardStrategy?: boolean;
}

/** Implements the context a migration strategy drives: every change it makes is an event. */
export class MigrationRuntime implements MigrationContext {
  readonly scenario: Scenario;
  readonly memory: MemoryImage;
  readonly guest: Guest;
  readonly stopPolicy: StopPolicy;
  private readonly baseLink: MigrationContext['link'];
  private readonly mirror: DiskMirror | null;
  readonly deadlineNs: number;
  readonly timeoutNs: number | null;
  readonly source: string;
  readonly destination: string;
  private sent = 0;
  private roundCount = 0;
  private roundPages = 0;
  private previousRoundPages = 0;
  private syncs = 0;
  private finished = false;
  private overrunStopping = false;
  private lastActionNs = -1;
  private actionsThisInstant = 0;
  private postcopy = false;
  private linkIsUp = true;
  private linkBackNs = 0;
  private throttlePercent = 0;
  private readonly throttleTrigger = new ThrottleTrigger();
  /** The pages a post-copy request sends, as ranges. */
  private readonly requestedRanges = new RangeBuilder();
  /** The pages a post-copy request actually takes, reused request after request. */
  private takenScratch = new Uint32Array(64);
  private readonly faultHandlers: Array<(fault: FaultRecord) => void> = [];

  constructor(private readonly options: MigrationRuntimeOptions) {
    const scenario = options.scenario;
    this.scenario = scenario;
    const capabilities = scenario.migration.capabilities;
    const parameters = scenario.migration.parameters;
    const pageSize = scenario.vm['page-size'];
    const pages = vmPages(scenario.vm);
    this.memory = new MemoryImage(pages, pageSize, options.words);
    seedZeroPages(this.memory.zero, scenario, options.random);
    if (capabilities.xbzrle) {
      this.memory.xbzrle = new XbzrleCache(pages, parameters['xbzrle-cache-size'], pageSize, options.accesses.bytesPerWrite);
    }
    this.source = scenario.hosts.source;
    this.destination = scenario.hosts.destination;
    this.guest = new Guest(options.scheduler, options.bus, this.memory, options.accesses, this.source, this.destination, scenario.vm.vcpus);
    this.stopPolicy = options.stopPolicy;

    const linkRate = scenario.link.bandwidth;
    const channels = capabilities.multifd ? parameters['multifd-channels'] : 1;
    const perChannel = Math.min(scenario.migration['channel-rate'], scenario.migration.tls ? scenario.migration['tls-channel-rate'] : Number.POSITIVE_INFINITY);
    const fullRate = Math.min(linkRate, channels * perChannel);
    const liveRate = Math.min(fullRate, parameters['max-bandwidth']);
    this.baseLink = {
      liveRateBytesPerS: liveRate,
      fullRateBytesPerS: fullRate,
      linkRateBytesPerS: linkRate,
      latencyNs: msToNs(scenario.link.latency),
      sendBufferBytes: scenario.link['send-buffer'],
    };
    this.mirror = scenario.storage?.mode === 'mirror' ? this.createMirror(scenario.storage, fullRate) : null;
    this.deadlineNs = msToNs(scenario.migration['max-duration']);
    this.timeoutNs = scenario.migration.timeout === undefined ? null : msToNs(scenario.migration.timeout);
    this.scheduleFaults();
  }

  get now(): number {
    return this.options.scheduler.now;
  }

  /** Memory's share of the link: what a mirroring disk holds is not available to pages. */
  get link(): MigrationContext['link'] {
    const reserved = this.mirror?.reservedRateBytesPerS() ?? 0;
    if (reserved === 0) return this.baseLink;
    const fullRate = this.baseLink.fullRateBytesPerS - reserved;
    return { ...this.baseLink, fullRateBytesPerS: fullRate, liveRateBytesPerS: Math.min(fullRate, this.scenario.migration.parameters['max-bandwidth']) };
  }

  get thresholdBytes(): number {
    return Math.floor((this.link.liveRateBytesPerS * this.scenario.migration.parameters['downtime-limit']) / 1000);
  }

  get storageReady(): boolean {
    return this.mirror === null || this.mirror.isReady;
  }

  flushStorage(): number {
    return this.mirror?.flushAndPivot() ?? 0;
  }

  get ended(): boolean {
    return this.finished;
  }

  get sentBytes(): number {
    return this.sent;
  }

  get rounds(): number {
    return this.roundCount;
  }

  get lastRoundPages(): number {
    return this.previousRoundPages;
  }

  get inPostcopy(): boolean {
    return this.postcopy;
  }

  get linkUp(): boolean {
    return this.linkIsUp;
  }

  get linkBackAtNs(): number {
    return this.linkBackNs;
  }

  /** The strategy's scheduling; a guarded (plugin) strategy that never ends is stopped here. */
  at(timeNs: number, action: () => void): void {
    if (this.options.guardStrategy && !this.withinBounds(timeNs)) return;
    this.schedule(timeNs, action);
  }

  /** The runtime's own scheduling (faults, the disk mirror): never refused. */
  private schedule(timeNs: number, action: () => void): void {
    this.options.scheduler.at(timeNs, () => {
      if (!this.finished) action();
    });
  }

  /** False (and the run failing) once the strategy schedules past max-duration or keeps scheduling at one instant. */
  private withinBounds(timeNs: number): boolean {
    if (timeNs > this.deadlineNs + DEADLINE_GRACE_NS) {
      this.stopOverrun(`the strategy scheduled work past migration.max-duration (${this.scenario.migration['max-duration']} ms)`);
      return false;
    }
    if (timeNs !== this.lastActionNs) {
      this.lastActionNs = timeNs;
      this.actionsThisInstant = 0;
    } else if (++this.actionsThisInstant > MAX_ACTIONS_PER_INSTANT) {
      this.stopOverrun(`the strategy scheduled more than ${MAX_ACTIONS_PER_INSTANT} actions at one instant (${timeNs} ns)`);
      return false;
    }
    return true;
  }

  /** Fails the run now (once); past switchover the VM is split between the hosts, so it is lost. */
  private stopOverrun(reason: string): void {
    if (this.overrunStopping) return;
    this.overrunStopping = true;
    this.options.scheduler.at(this.now, () => {
      if (!this.finished) this.fail(reason, this.postcopy && this.memory.toSend.count > 0);
    });
  }

  onFault(handler: (fault: FaultRecord) => void): void {
    this.faultHandlers.push(handler);
  }

  begin(): void {
    this.options.bus.emit(event<MigrationStarted>('MigrationStarted', 1, {
      vm: this.scenario.vm.name,
      source: this.source,
      destination: this.destination,
      strategy: this.options.strategyName,
      stopPolicy: this.stopPolicy.name,
      pages: this.memory.pages,
      pageSizeBytes: this.memory.pageSizeBytes,
      zeroPages: this.memory.zero.count,
      liveRateBytesPerS: this.link.liveRateBytesPerS,
      linkRateBytesPerS: this.link.linkRateBytesPerS,
      thresholdBytes: this.thresholdBytes,
    }));
    const storage = this.scenario.storage;
    if (storage?.mode === 'shared') {
      this.options.bus.emit(event<SharedStorageUsed>('SharedStorageUsed', 1, { share: storage.share?.name ?? 'nas0', diskBytes: storage.disk }));
    }
    this.mirror?.start();
  }

  completeSetup(): void {
    this.options.bus.emit(event<SetupCompleted>('SetupCompleted', 1, {}));
  }

  markAllDirty(): void {
    this.guest.catchUp();
    this.memory.markAllDirty();
    this.throttleTrigger.start(this.now, this.sent);
    this.recordSync(this.memory.pages);
  }

  sync(): number {
    this.guest.catchUp();
    const added = this.memory.sync();
    this.recordSync(added);
    this.autoConverge(added);
    return added;
  }

  sendDirty(phase: TransferPhase, budgetBytes: number): PageBatch {
    const batch = this.memory.takeToSend(budgetBytes);
    this.emitSent(phase, batch);
    return batch;
  }

  requestPages(pages: readonly number[]): number {
    if (this.takenScratch.length < pages.length) this.takenScratch = new Uint32Array(Math.max(pages.length, 2 * this.takenScratch.length));
    let count = 0;
    let bytes = 0;
    let zeroPages = 0;
    for (const page of pages) {
      const cost = this.memory.takePage(page);
      if (cost === 0) continue;
      this.takenScratch[count++] = page;
      bytes += cost;
      if (cost === this.memory.zeroPageCost && this.memory.zero.has(page)) zeroPages++;
    }
    if (count === 0) return 0;
    // A typed array sorts numerically in place: no comparator calls, no copy.
    const taken = this.takenScratch.subarray(0, count).sort();
    const ranges = this.requestedRanges;
    ranges.reset();
    for (let i = 0; i < count; i++) ranges.extend(taken[i], 1);
    this.emitSent('postcopy', { pages: count, normalPages: count - zeroPages, zeroPages, bytes, ranges: ranges.view().slice() });
    return bytes;
  }

  recordFaults(stallsNs: readonly number[], requests: number, guestLossNs: number): void {
    if (stallsNs.length === 0 && requests === 0) return;
    let stallNs = 0;
    for (const stall of stallsNs) stallNs += stall;
    // A typed array, as the guest's page lists are: the encoder sees two array kinds, not every kind a JS array of numbers takes.
    const stallsUs = Float64Array.from(stallsNs, (stall) => Math.ceil(stall / 1000));
    this.options.bus.emit(event<PostcopyFaults>('PostcopyFaults', 1, {
      requests,
      // The count given, as the guest gives it: the default's `.length`, first read here, deoptimized the encoder.
      stallsUs: encodePageList(stallsUs, stallsUs.length),
      stallNs,
      guestLossNs: Math.round(guestLossNs),
    }));
  }


  startPostcopy(): void {
    // QEMU refuses migrate-start-postcopy unless the capability was set before the migration started.
    if (!this.scenario.migration.capabilities['postcopy-ram']) {
      throw new Error('switched to post-copy without migration.capabilities.postcopy-ram (a strategy that does so lists it in its capabilities)');
    }
    const stale = this.memory.toSend;
    if (this.sent > 0 && stale.count > 0) {
      const ranges = stale.toRanges();
      this.options.bus.emit(event<PagesDiscarded>('PagesDiscarded', 1, withDecoded({ ranges: encodeRanges(ranges), pages: stale.count }, 'ranges', ranges)));
    }
    this.postcopy = true;
    this.options.bus.emit(event<PostcopyStarted>('PostcopyStarted', 1, { pagesOnSource: stale.count }));
  }

  sendDeviceState(): number {
    const cpuStateBytes = this.scenario.vm['cpu-state'] * this.scenario.vm.vcpus;
    const deviceStateBytes = this.scenario.vm['device-state'];
    this.options.bus.emit(event<DeviceStateSent>('DeviceStateSent', 1, { cpuStateBytes, deviceStateBytes }));
    return cpuStateBytes + deviceStateBytes;
  }

  transferNs(bytes: number, bytesPerS: number): number {
    return Math.ceil((bytes * 1e9) / bytesPerS);
  }

  complete(): void {
    this.end(event<MigrationCompleted>('MigrationCompleted', 1, {}));
  }

  cancel(reason: string): void {
    if (!this.guest.running) this.guest.resume(this.survivingHost);
    this.end(event<MigrationCancelled>('MigrationCancelled', 1, { reason }));
  }

  fail(reason: string, vmLost = false): void {
    if (!vmLost && !this.guest.running) this.guest.resume(this.survivingHost);
    this.end(event<MigrationFailed>('MigrationFailed', 2, { reason, vmLost }));
  }

  /** Where a paused VM resumes when the migration ends without losing it: the source, unless the VM already ran on the destination. */
  private get survivingHost(): string {
    return this.guest.ranOnDestination ? this.destination : this.source;
  }

  private end(final: MigrationCompleted | MigrationCancelled | MigrationFailed): void {
    if (this.finished) throw new Error(`migration already ended; cannot emit ${final.type}`);
    this.mirror?.stop();
    if (!this.postcopy || this.memory.toSend.count === 0) this.guest.catchUp();
    this.options.bus.emit(final);
    this.finished = true;
  }

  private emitSent(phase: TransferPhase, batch: PageBatch): void {
    if (batch.pages === 0) return;
    this.sent += batch.bytes;
    if (phase === 'precopy') this.roundPages += batch.pages;
    this.options.bus.emit(event<PagesSent>('PagesSent', 1, withDecoded({
      phase,
      ranges: encodeRanges(batch.ranges),
      pages: batch.pages,
      normalPages: batch.normalPages,
      zeroPages: batch.zeroPages,
      bytes: batch.bytes,
    }, 'ranges', batch.ranges)));
    const xbzrle = this.memory.xbzrle;
    if (xbzrle && (xbzrle.stats.cacheHits > 0 || xbzrle.stats.cacheMisses > 0)) {
      this.options.bus.emit(event<XbzrleEncoded>('XbzrleEncoded', 1, xbzrle.drain()));
    }
  }

  private recordSync(newlyDirtyPages: number): void {
    if (this.roundPages > 0) {
      this.roundCount++;
      this.previousRoundPages = this.roundPages;
    }
    this.roundPages = 0;
    this.syncs++;
    this.options.bus.emit(event<DirtyBitmapSynced>('DirtyBitmapSynced', 1, {
      sync: this.syncs,
      newlyDirtyPages,
      dirtyPages: this.memory.toSend.count,
    }));
  }

  /** QEMU's auto-converge: throttle the guest down when its trigger (ThrottleTrigger) says so. */
  private autoConverge(newlyDirty: number): void {
    if (!this.scenario.migration.capabilities['auto-converge'] || !this.guest.running || this.guest.host !== this.source) return;
    if (!this.throttleTrigger.sync(this.now, newlyDirty, this.memory.pageSizeBytes, this.sent)) return;
    const p = this.scenario.migration.parameters;
    const next = this.throttlePercent === 0 ? p['cpu-throttle-initial'] : Math.min(this.throttlePercent + p['cpu-throttle-increment'], p['max-cpu-throttle']);
    if (next === this.throttlePercent) return;
    this.throttlePercent = next;
    this.guest.setThrottle(next);
    this.options.bus.emit(event<ThrottleChanged>('ThrottleChanged', 1, { percent: next }));
  }

  private createMirror(storage: NonNullable<Scenario['storage']>, fullRate: number): DiskMirror {
    return new DiskMirror({
      diskBytes: storage.disk,
      blockSizeBytes: storage['block-size'],
      writesPerSecond: storage.workload['write-rate'],
      workingSetBytes: storage.workload['working-set'] ?? storage.disk,
      downtimeLimitMs: this.scenario.migration.parameters['downtime-limit'],
      random: this.options.random.stream('storage.writes'),
      bus: this.options.bus,
      schedule: (atNs, action) => this.schedule(atNs, action),
      clock: this.options.scheduler,
      guestTimeNs: () => this.guest.guestTimeNs,
      fullRateBytesPerS: () => fullRate,
    });
  }

  private scheduleFaults(): void {
    for (const fault of this.scenario.migration.faults) {
      const atNs = msToNs(fault.at);
      if (fault.kind === 'link-down') {
        const backNs = atNs + msToNs(fault.duration);
        this.schedule(atNs, () => {
          this.linkIsUp = false;
          this.linkBackNs = backNs;
          this.options.bus.emit(event<LinkDown>('LinkDown', 1, {}));
          this.react({ kind: 'link-down', backAtNs: backNs });
        });
        this.schedule(backNs, () => {
          this.linkIsUp = true;
          this.options.bus.emit(event<LinkUp>('LinkUp', 1, {}));
          this.react({ kind: 'link-up' });
        });
      } else {
        const host = fault.host === 'source' ? this.source : this.destination;
        this.schedule(atNs, () => {
          this.options.bus.emit(event<HostCrashed>('HostCrashed', 1, { host }));
          this.react({ kind: 'host-crash', host });
        });
      }
    }
  }

  /** What a fault does, whatever the strategy: the outcomes DESIGN.md and QEMU define. */
  private react(fault: FaultRecord): void {
    for (const handler of this.faultHandlers) handler(fault);
    if (this.finished) return;
    const guestHost = this.guest.host;
    if (!this.postcopy) {
      // Before switchover the source holds the whole truth.
      if (fault.kind === 'link-down') this.fail('migration stream failed: link down; the VM keeps running on the source');
      else if (fault.kind === 'host-crash' && fault.host === this.destination) this.fail('destination host crashed; the VM keeps running on the source');
      else if (fault.kind === 'host-crash') this.fail(`source host crashed${guestHost === null ? ' while the VM was paused' : ''}: the VM is lost`, true);
      return;
    }
    if (fault.kind === 'link-down') {
      this.options.bus.emit(event<MigrationPaused>('MigrationPaused', 1, { reason: 'link down during post-copy' }));
    } else if (fault.kind === 'link-up') {
      // QEMU's postcopy-recover: a handshake (one round trip) before pages flow again.
      this.options.bus.emit(event<MigrationRecovering>('MigrationRecovering', 1, {}));
      this.schedule(this.now + 2 * this.baseLink.latencyNs, () => {
        this.options.bus.emit(event<MigrationRecovered>('MigrationRecovered', 1, {}));
      });
    } else if (fault.host === this.source) {
      this.fail(`source host crashed during post-copy: ${this.memory.toSend.count} pages existed only there; the VM is lost`, true);
    } else {
      this.fail('destination host crashed during post-copy: the running VM and the pages it wrote there are lost', true);
    }
  }
}
