import { event } from '../../domain/event';
import { encodeRanges } from '../../domain/memory/page-set-codec';
import { MemoryImage, type PageBatch } from '../../domain/memory/memory-image';
import type {
  DeviceStateSent, DirtyBitmapSynced, MigrationCancelled, MigrationCompleted, MigrationFailed,
  MigrationStarted, PagesSent, SetupCompleted, TransferPhase,
} from '../../domain/migration/events';
import type { Scenario } from '../../domain/scenario/schema';
import { msToNs } from '../../domain/units';
import type { MigrationContext } from '../../strategies/migration/context';
import type { StopPolicy } from '../../strategies/stop-policy/policy';
import type { PageWriter } from '../../strategies/workload/model';
import type { EventBus } from '../event-bus';
import type { RandomStreams } from '../random';
import type { Scheduler } from '../scheduler';
import { Guest } from './guest';

/** Zero pages come in 2 MiB-aligned regions, as free memory does. */
const ZERO_REGION_PAGES = 512;

export interface MigrationRuntimeOptions {
  readonly scenario: Scenario;
  readonly scheduler: Scheduler;
  readonly bus: EventBus;
  readonly random: RandomStreams;
  readonly writer: PageWriter;
  readonly stopPolicy: StopPolicy;
  readonly strategyName: string;
}

/** Implements the context a migration strategy drives: every change it makes is an event. */
export class MigrationRuntime implements MigrationContext {
  readonly scenario: Scenario;
  readonly memory: MemoryImage;
  readonly guest: Guest;
  readonly stopPolicy: StopPolicy;
  readonly link: MigrationContext['link'];
  readonly thresholdBytes: number;
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

  constructor(private readonly options: MigrationRuntimeOptions) {
    const scenario = options.scenario;
    this.scenario = scenario;
    const pageSize = scenario.vm['page-size'];
    this.memory = new MemoryImage(scenario.vm.memory / pageSize, pageSize);
    this.seedZeroPages(scenario.vm['zero-page-ratio']);
    this.source = scenario.hosts.source;
    this.destination = scenario.hosts.destination;
    this.guest = new Guest(options.scheduler, options.bus, this.memory, options.writer, this.source);
    this.stopPolicy = options.stopPolicy;
    const linkRate = scenario.link.bandwidth;
    const liveRate = Math.min(linkRate, scenario.migration.parameters['max-bandwidth']);
    this.link = { liveRateBytesPerS: liveRate, linkRateBytesPerS: linkRate, latencyNs: msToNs(scenario.link.latency) };
    this.thresholdBytes = Math.floor((liveRate * scenario.migration.parameters['downtime-limit']) / 1000);
    this.deadlineNs = msToNs(scenario.migration['max-duration']);
    this.timeoutNs = scenario.migration.timeout === undefined ? null : msToNs(scenario.migration.timeout);
  }

  get now(): number {
    return this.options.scheduler.now;
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

  at(timeNs: number, action: () => void): void {
    this.options.scheduler.at(timeNs, () => {
      if (!this.finished) action();
    });
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
  }

  completeSetup(): void {
    this.options.bus.emit(event<SetupCompleted>('SetupCompleted', 1, {}));
  }

  markAllDirty(): void {
    this.guest.catchUp();
    this.memory.markAllDirty();
    this.recordSync(this.memory.pages);
  }

  sync(): number {
    this.guest.catchUp();
    const added = this.memory.sync();
    this.recordSync(added);
    return added;
  }

  sendDirty(phase: TransferPhase, budgetBytes: number): PageBatch {
    const batch = this.memory.takeToSend(budgetBytes);
    if (batch.pages > 0) {
      this.sent += batch.bytes;
      if (phase === 'precopy') this.roundPages += batch.pages;
      this.options.bus.emit(event<PagesSent>('PagesSent', 1, {
        phase,
        ranges: encodeRanges(batch.ranges),
        pages: batch.pages,
        normalPages: batch.normalPages,
        zeroPages: batch.zeroPages,
        bytes: batch.bytes,
      }));
    }
    return batch;
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
    if (!this.guest.running) this.guest.resume(this.source);
    this.end(event<MigrationCancelled>('MigrationCancelled', 1, { reason }));
  }

  fail(reason: string): void {
    if (!this.guest.running) this.guest.resume(this.source);
    this.end(event<MigrationFailed>('MigrationFailed', 1, { reason }));
  }

  private end(final: MigrationCompleted | MigrationCancelled | MigrationFailed): void {
    if (this.finished) throw new Error(`migration already ended; cannot emit ${final.type}`);
    this.guest.catchUp();
    this.options.bus.emit(final);
    this.finished = true;
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

  private seedZeroPages(ratio: number): void {
    if (ratio <= 0) return;
    const random = this.options.random.stream('memory.zero-pages');
    const zero = this.memory.zero;
    for (let start = 0; start < this.memory.pages; start += ZERO_REGION_PAGES) {
      if (random.nextFloat() < ratio) zero.addRange(start, Math.min(ZERO_REGION_PAGES, this.memory.pages - start));
    }
  }
}
