import type { EventEnvelope, Projection } from '../../domain/event';
import { decodePageList } from '../../domain/memory/page-set-codec';
import { bucketUpperNs, HISTOGRAM_BUCKETS, quantileNs } from '../../domain/storage/latency-histogram';

/*
 * The data behind an HTML report, folded from a run's events only: the live
 * run and `replay` feed the same events and so draw the same report. Pure
 * (no I/O); long series are binned to at most SERIES_POINTS points.
 */

/** Points per time series: enough for a chart 900 px wide, small enough to keep the HTML light. */
export const SERIES_POINTS = 240;

/** A span of virtual time on one timeline row. */
export interface TimelineInterval {
  readonly row: string;
  readonly state: TimelineState;
  readonly fromNs: number;
  readonly toNs: number;
  readonly detail: string;
}

export type TimelineState =
  | 'running (source)' | 'running (destination)' | 'throttled' | 'stalled' | 'paused'
  | 'link down' | 'migration paused' | 'client outage' | 'connection broken' | 'still stalled';

export interface RoundBar {
  readonly label: string;
  readonly phase: 'precopy' | 'stop-and-copy' | 'postcopy';
  readonly pages: number;
  /** Pages the guest dirtied during the round (found by the sync that closed it); null when no sync closed it. */
  readonly redirtied: number | null;
}

export interface TimeSeries {
  /** Bin start times, ns since the run started. */
  readonly t: readonly number[];
  readonly binNs: number;
  readonly values: Readonly<Record<string, readonly number[]>>;
}

export interface MigrationReportData {
  readonly kind: 'migration';
  readonly strategy: string;
  readonly stopPolicy: string;
  readonly vm: string;
  readonly source: string;
  readonly destination: string;
  readonly endNs: number;
  /** When the migration ended (completed, cancelled or failed); the run may observe the LAN after it. */
  readonly migrationEndNs: number;
  readonly rounds: readonly RoundBar[];
  /** `dirtied` (guest writes x page size) and `sent` (wire bytes), both MiB/s. */
  readonly rates: TimeSeries;
  readonly timeline: readonly TimelineInterval[];
  /** Timeline rows in display order (VM first, then the link, then clients). */
  readonly rows: readonly string[];
  /** Whether the scenario had a network section (client rows). */
  readonly network: boolean;
}

export interface StorageMarker {
  readonly atNs: number;
  readonly label: string;
}

export interface StorageReportData {
  readonly kind: 'storage';
  readonly model: string;
  readonly endNs: number;
  readonly volumes: readonly string[];
  /** Per volume: `mean` and `p99` latency (ms) per bin, NaN where the bin saw no I/O; `iops`. */
  readonly latency: Readonly<Record<string, { readonly mean: readonly number[]; readonly p99: readonly number[]; readonly iops: readonly number[] }>>;
  readonly t: readonly number[];
  readonly binNs: number;
  /** Device utilization (0..1) per bin, for every device that did any work. */
  readonly deviceLoad: readonly { readonly device: string; readonly class: string; readonly failed: boolean; readonly utilization: readonly number[]; readonly mean: number; readonly ops: number; readonly bytes: number; readonly backgroundBytes: number }[];
  readonly markers: readonly StorageMarker[];
}

export type ReportData = MigrationReportData | StorageReportData;

/** Spreads `amount` evenly over [from, to) into bins of `binNs`, growing `into` as needed. */
function spread(into: number[], binNs: number, fromNs: number, toNs: number, amount: number): void {
  if (amount === 0) return;
  if (toNs <= fromNs) {
    const bin = Math.floor(fromNs / binNs);
    while (into.length <= bin) into.push(0);
    into[bin] += amount;
    return;
  }
  const perNs = amount / (toNs - fromNs);
  let at = fromNs;
  while (at < toNs) {
    const bin = Math.floor(at / binNs);
    const end = Math.min(toNs, (bin + 1) * binNs);
    while (into.length <= bin) into.push(0);
    into[bin] += perNs * (end - at);
    at = end;
  }
}

function binWidth(spanNs: number, points = SERIES_POINTS): number {
  // A round number of microseconds, so axis ticks fall on readable values.
  const raw = Math.max(1, Math.ceil(spanNs / points));
  const us = Math.ceil(raw / 1000);
  return Math.max(1000, us * 1000);
}

/** Same-state intervals on a row closer than `gapNs` become one (keeps long runs' timelines light). */
export function mergeIntervals(intervals: readonly TimelineInterval[], gapNs: number): TimelineInterval[] {
  const byKey = new Map<string, TimelineInterval[]>();
  for (const interval of intervals) {
    const key = `${interval.row}\u0000${interval.state}`;
    const list = byKey.get(key);
    if (list) list.push(interval);
    else byKey.set(key, [interval]);
  }
  const merged: TimelineInterval[] = [];
  for (const list of byKey.values()) {
    const sorted = [...list].sort((a, b) => a.fromNs - b.fromNs || a.toNs - b.toNs);
    let current: TimelineInterval | null = null;
    let count = 0;
    for (const interval of sorted) {
      if (current !== null && interval.fromNs - current.toNs <= gapNs) {
        const open: TimelineInterval = current;
        current = { ...open, toNs: Math.max(open.toNs, interval.toNs) };
        count++;
        continue;
      }
      if (current) merged.push(count > 1 ? { ...current, detail: `${current.state} (${count} spans)` } : current);
      current = interval;
      count = 1;
    }
    if (current) merged.push(count > 1 ? { ...current, detail: `${current.state} (${count} spans)` } : current);
  }
  return merged;
}

interface Sent { readonly at: number; readonly pages: number; readonly bytes: number }

/** Folds a migration log's events (network ones included) into a report's data. */
export class MigrationReportProjection implements Projection<MigrationReportData> {
  readonly name = 'migration-report';
  private startNs = 0;
  private lastNs = 0;
  private strategy = '';
  private stopPolicy = '';
  private vm = '';
  private source = '';
  private destination = '';
  private liveRate = 0;
  private pageSizeBytes = 4096;
  private readonly rounds: RoundBar[] = [];
  private openRound: { pages: number } | null = null;
  private stopAndCopyPages = 0;
  private postcopyPages = 0;
  private readonly dirtied: { at: number; count: number }[] = [];
  private readonly sent: Sent[] = [];
  private readonly intervals: TimelineInterval[] = [];
  // VM state.
  private base: { state: TimelineState; since: number } | null = null;
  private throttle: { percent: number; since: number } | null = null;
  private pausedSince: number | null = null;
  private pauseReason = '';
  private postcopySliceSince: number | null = null;
  private linkDownSince: number | null = null;
  private migrationPausedSince: number | null = null;
  private ended = false;
  private endedAt: number | null = null;
  // Network.
  private network = false;
  private readonly clientOf = new Map<string, string>();
  private readonly clients: string[] = [];

  handle(batch: readonly EventEnvelope[]): void {
    for (const envelope of batch) this.apply(envelope);
  }

  private at(envelope: EventEnvelope): number {
    return envelope.at - this.startNs;
  }

  private closeBase(at: number): void {
    if (this.base && at > this.base.since) {
      this.intervals.push({ row: 'VM', state: this.base.state, fromNs: this.base.since, toNs: at, detail: this.base.state });
    }
    this.base = null;
  }

  private closeThrottle(at: number): void {
    if (this.throttle && this.throttle.percent > 0 && at > this.throttle.since) {
      this.intervals.push({ row: 'VM', state: 'throttled', fromNs: this.throttle.since, toNs: at, detail: `throttled ${this.throttle.percent} %` });
    }
    if (this.throttle) this.throttle = { percent: this.throttle.percent, since: at };
  }

  private apply(envelope: EventEnvelope): void {
    const data = envelope.data as Record<string, unknown>;
    if (envelope.type === 'MigrationStarted') {
      this.startNs = envelope.at;
      this.strategy = String(data.strategy);
      this.stopPolicy = String(data.stopPolicy);
      this.vm = String(data.vm);
      this.source = String(data.source);
      this.destination = String(data.destination);
      this.liveRate = Number(data.liveRateBytesPerS) || 0;
      this.pageSizeBytes = Number(data.pageSizeBytes) || 4096;
      this.base = { state: 'running (source)', since: 0 };
      this.throttle = { percent: 0, since: 0 };
    }
    const at = this.at(envelope);
    this.lastNs = Math.max(this.lastNs, at);
    switch (envelope.type) {
      case 'SetupCompleted':
        this.openRound = { pages: 0 };
        return;
      case 'DirtyBitmapSynced': {
        const round = this.openRound;
        if (round && round.pages > 0) {
          this.rounds.push({ label: `round ${this.rounds.length}`, phase: 'precopy', pages: round.pages, redirtied: Number(data.newlyDirtyPages) });
        }
        this.openRound = this.base && this.pausedSince === null && !this.ended && this.postcopySliceSince === null ? { pages: 0 } : null;
        return;
      }
      case 'PagesSent': {
        const pages = Number(data.pages);
        const bytes = Number(data.bytes);
        this.sent.push({ at, pages, bytes });
        if (data.phase === 'precopy') {
          if (this.openRound) this.openRound.pages += pages;
        } else if (data.phase === 'stop-and-copy') this.stopAndCopyPages += pages;
        else this.postcopyPages += pages;
        return;
      }
      case 'PagesDirtied':
        this.dirtied.push({ at, count: Number(data.count) });
        return;
      case 'VmPaused':
        this.closeThrottle(at);
        this.closeBase(at);
        this.pausedSince = at;
        this.pauseReason = String(data.reason ?? '');
        return;
      case 'VmResumed': {
        if (this.pausedSince !== null && at > this.pausedSince) {
          this.intervals.push({ row: 'VM', state: 'paused', fromNs: this.pausedSince, toNs: at, detail: `paused${this.pauseReason ? ` (${this.pauseReason})` : ''}` });
        }
        this.pausedSince = null;
        this.base = { state: data.host === this.destination ? 'running (destination)' : 'running (source)', since: at };
        if (this.throttle) this.throttle = { percent: this.throttle.percent, since: at };
        return;
      }
      case 'ThrottleChanged':
        if (this.pausedSince === null) this.closeThrottle(at);
        this.throttle = { percent: Number(data.percent), since: at };
        return;
      case 'PostcopyStarted':
        this.openRound = null;
        this.postcopySliceSince = at;
        return;
      case 'PostcopyFaults': {
        const since = this.postcopySliceSince ?? at;
        const lossNs = Number(data.guestLossNs);
        if (lossNs > 0) {
          const share = at > since ? Math.min(100, (100 * lossNs) / (at - since)) : 100;
          this.intervals.push({ row: 'VM', state: 'stalled', fromNs: since, toNs: Math.max(at, since + 1), detail: `stalled: ${Number(data.requests)} faults, ${share.toFixed(0)} % of guest work lost` });
        }
        this.postcopySliceSince = at;
        return;
      }
      case 'LinkDown':
        this.linkDownSince = at;
        return;
      case 'LinkUp':
        if (this.linkDownSince !== null) this.intervals.push({ row: 'migration link', state: 'link down', fromNs: this.linkDownSince, toNs: at, detail: 'link down' });
        this.linkDownSince = null;
        return;
      case 'MigrationPaused':
        this.migrationPausedSince = at;
        return;
      case 'MigrationRecovered':
        if (this.migrationPausedSince !== null) this.intervals.push({ row: 'migration link', state: 'migration paused', fromNs: this.migrationPausedSince, toNs: at, detail: 'post-copy paused' });
        this.migrationPausedSince = null;
        return;
      case 'MigrationCompleted':
      case 'MigrationCancelled':
      case 'MigrationFailed':
        // A round still open here was cut short (cancelled or failed): result() shows it as unfinished.
        this.ended = true;
        this.endedAt = at;
        return;
      case 'NetworkStarted': {
        this.network = true;
        for (const connection of data.connections as readonly { id: string; client: string }[]) {
          this.clientOf.set(connection.id, connection.client);
          if (!this.clients.includes(connection.client)) this.clients.push(connection.client);
        }
        return;
      }
      case 'ConnectionRecovered': {
        const from = Number(data.stalledSinceNs) - this.startNs;
        this.intervals.push({ row: this.clientRow(String(data.conn)), state: 'client outage', fromNs: from, toNs: from + Number(data.outageNs), detail: `${String(data.conn)}: outage ${(Number(data.outageNs) / 1e6).toFixed(1)} ms, ${Number(data.retransmissions)} retransmissions` });
        return;
      }
      case 'ConnectionBroken': {
        const from = Number(data.stalledSinceNs) - this.startNs;
        const brokeAt = from + Number(data.outageNs);
        this.intervals.push({ row: this.clientRow(String(data.conn)), state: 'client outage', fromNs: from, toNs: brokeAt, detail: `${String(data.conn)}: outage until it broke` });
        this.intervals.push({ row: this.clientRow(String(data.conn)), state: 'connection broken', fromNs: brokeAt, toNs: Number.POSITIVE_INFINITY, detail: `${String(data.conn)} broken (${String(data.reason)})` });
        return;
      }
      case 'NetworkStopped':
        for (const stalled of data.stalled as readonly { conn: string; stalledSinceNs: number }[]) {
          this.intervals.push({ row: this.clientRow(stalled.conn), state: 'still stalled', fromNs: stalled.stalledSinceNs - this.startNs, toNs: at, detail: `${stalled.conn} still stalled when the LAN stopped watching` });
        }
        return;
      default:
        return;
    }
  }

  private clientRow(conn: string): string {
    return `client ${this.clientOf.get(conn) ?? conn}`;
  }

  result(): MigrationReportData {
    const endNs = Math.max(this.lastNs, 1);
    const rounds = [...this.rounds];
    if (this.openRound && this.openRound.pages > 0) rounds.push({ label: `round ${rounds.length} (unfinished)`, phase: 'precopy', pages: this.openRound.pages, redirtied: null });
    if (this.stopAndCopyPages > 0) rounds.push({ label: 'stop-and-copy', phase: 'stop-and-copy', pages: this.stopAndCopyPages, redirtied: null });
    if (this.postcopyPages > 0) rounds.push({ label: 'post-copy', phase: 'postcopy', pages: this.postcopyPages, redirtied: null });

    // Rates matter while the migration runs; the LAN may be watched for a while after it.
    const migrationEndNs = Math.max(1, this.endedAt ?? endNs);
    const binNs = binWidth(migrationEndNs);
    const dirtied: number[] = [];
    let previous = 0;
    for (const d of this.dirtied) {
      spread(dirtied, binNs, previous, d.at, d.count * this.pageSizeBytes);
      previous = d.at;
    }
    const sent: number[] = [];
    previous = 0;
    for (const s of this.sent) {
      // A batch starts going out at its event's time, after the batch before it, at the live rate.
      const duration = this.liveRate > 0 ? Math.round((s.bytes / this.liveRate) * 1e9) : 0;
      const from = Math.max(previous, s.at);
      spread(sent, binNs, from, from + duration, s.bytes);
      previous = from + duration;
    }
    const bins = Math.max(1, Math.ceil(migrationEndNs / binNs));
    const mibPerSecond = (series: number[]) => Array.from({ length: bins }, (_, i) => Math.round(((series[i] ?? 0) * 1e9) / binNs / 1048.576) / 1000);

    const intervals = [...this.intervals];
    const close = (row: string, state: TimelineState, since: number | null, detail: string) => {
      if (since !== null && endNs > since) intervals.push({ row, state, fromNs: since, toNs: endNs, detail });
    };
    if (this.base && endNs > this.base.since) intervals.push({ row: 'VM', state: this.base.state, fromNs: this.base.since, toNs: endNs, detail: this.base.state });
    if (this.throttle && this.throttle.percent > 0 && this.pausedSince === null) close('VM', 'throttled', this.throttle.since, `throttled ${this.throttle.percent} %`);
    close('VM', 'paused', this.pausedSince, 'paused until the end of the run');
    close('migration link', 'link down', this.linkDownSince, 'link down until the end of the run');
    close('migration link', 'migration paused', this.migrationPausedSince, 'post-copy paused until the end of the run');
    const clipped = intervals.map((i) => (i.toNs > endNs ? { ...i, toNs: endNs } : i)).filter((i) => i.toNs > i.fromNs || i.state === 'stalled');
    const timeline = mergeIntervals(clipped, endNs / 600);
    const rows = ['VM'];
    if (timeline.some((i) => i.row === 'migration link')) rows.push('migration link');
    for (const client of this.clients) rows.push(`client ${client}`);

    return {
      kind: 'migration',
      strategy: this.strategy,
      stopPolicy: this.stopPolicy,
      vm: this.vm,
      source: this.source,
      destination: this.destination,
      endNs,
      migrationEndNs,
      rounds,
      rates: { t: Array.from({ length: bins }, (_, i) => i * binNs), binNs, values: { dirtied: mibPerSecond(dirtied), sent: mibPerSecond(sent) } },
      timeline,
      rows,
      network: this.network,
    };
  }
}

interface VolumeBins {
  ops: number[];
  latencySumNs: number[];
  histograms: (number[] | undefined)[];
  maxNs: number[];
}

interface DeviceInfo { name: string; class: string; failed: boolean; busyNs: number[]; ops: number; bytes: number; background: number }

const MARKER_EVENTS: Readonly<Record<string, (data: Record<string, unknown>) => string>> = {
  DeviceFailed: (d) => `${String(d.name)} failed`,
  PathFailed: (d) => `path ${String(d.name)} failed`,
  PathReinstated: (d) => `path ${String(d.name)} back`,
  ThinPoolFull: (d) => `thin pool ${String(d.pool)} full`,
  ThinPoolExtended: (d) => `thin pool ${String(d.pool)} extended`,
  RebuildStarted: (d) => `rebuild ${String(d.volume)} started`,
  RebuildCompleted: (d) => `rebuild ${String(d.volume)} done`,
  DataMigrationStarted: (d) => `migration of ${String(d.volume)} started`,
  DataMigrationInterrupted: (d) => `migration of ${String(d.volume)} interrupted`,
  DataMigrationResumed: (d) => `migration of ${String(d.volume)} resumed`,
  DataMigrationCompleted: (d) => `migration of ${String(d.volume)} done`,
  ScrubCompleted: (d) => `scrub of ${String(d.volume)}`,
};

/** Most markers a chart shows; later ones are counted in the last label. */
const MAX_MARKERS = 16;

/** Folds a storage log's events into a report's data: latency per volume over time, device load. */
export class StorageReportProjection implements Projection<StorageReportData> {
  readonly name = 'storage-report';
  private model = '';
  private binNs = 1_000_000;
  private lastNs = 0;
  private readonly volumes = new Map<string, VolumeBins>();
  private readonly devices = new Map<number, DeviceInfo>();
  private readonly markers: StorageMarker[] = [];
  private extraMarkers = 0;

  handle(batch: readonly EventEnvelope[]): void {
    for (const envelope of batch) this.apply(envelope);
  }

  private apply(envelope: EventEnvelope): void {
    const data = envelope.data as Record<string, unknown>;
    this.lastNs = Math.max(this.lastNs, envelope.at);
    if (envelope.type === 'DeviceFailed') {
      const device = this.devices.get(Number(data.device));
      if (device) device.failed = true;
    }
    const marker = MARKER_EVENTS[envelope.type];
    if (marker) {
      if (this.markers.length < MAX_MARKERS) this.markers.push({ atNs: envelope.at, label: marker(data) });
      else this.extraMarkers++;
      return;
    }
    switch (envelope.type) {
      case 'StorageRunStarted': {
        this.model = data.mode ? `${String(data.model)} (${String(data.mode)})` : String(data.model);
        const slice = Math.max(1, Number(data.sliceNs));
        // Bins hold whole slices.
        this.binNs = Math.max(slice, Math.ceil(Number(data.durationNs) / SERIES_POINTS / slice) * slice);
        return;
      }
      case 'DeviceAdded':
        this.devices.set(Number(data.index), { name: String(data.device), class: String(data.class), failed: false, busyNs: [], ops: 0, bytes: 0, background: 0 });
        return;
      case 'VolumeCreated':
        this.volumes.set(String(data.volume), { ops: [], latencySumNs: [], histograms: [], maxNs: [] });
        return;
      case 'IoSliceCompleted': {
        const volume = this.volumes.get(String(data.volume));
        if (!volume) return;
        const bin = Math.floor(Number(data.fromNs) / this.binNs);
        while (volume.ops.length <= bin) {
          volume.ops.push(0);
          volume.latencySumNs.push(0);
          volume.histograms.push(undefined);
          volume.maxNs.push(0);
        }
        const ops = Number(data.reads) + Number(data.writes);
        volume.ops[bin] += ops;
        volume.latencySumNs[bin] += Number(data.latencySumNs);
        volume.maxNs[bin] = Math.max(volume.maxNs[bin], Number(data.latencyMaxNs));
        const pairs = decodePageList(String(data.histogram));
        if (pairs.length > 0) {
          const histogram = volume.histograms[bin] ?? (volume.histograms[bin] = new Array<number>(HISTOGRAM_BUCKETS).fill(0));
          for (let i = 0; i + 1 < pairs.length; i += 2) histogram[pairs[i]] += pairs[i + 1];
        }
        return;
      }
      case 'LoadSliced': {
        const flat = data.devices as readonly number[];
        const bin = Math.floor(Number(data.fromNs) / this.binNs);
        for (let i = 0; i + 4 < flat.length; i += 5) {
          const device = this.devices.get(flat[i]);
          if (!device) continue;
          while (device.busyNs.length <= bin) device.busyNs.push(0);
          device.busyNs[bin] += flat[i + 3];
          device.ops += flat[i + 1];
          device.bytes += flat[i + 2];
          device.background += flat[i + 4];
        }
        return;
      }
      default:
        return;
    }
  }

  result(): StorageReportData {
    const endNs = Math.max(this.lastNs, 1);
    const bins = Math.max(1, Math.ceil(endNs / this.binNs));
    const t = Array.from({ length: bins }, (_, i) => i * this.binNs);
    const ms = (ns: number) => Math.round(ns / 1000) / 1000;
    const latency: Record<string, { mean: number[]; p99: number[]; iops: number[] }> = {};
    for (const [name, v] of this.volumes) {
      const mean: number[] = [];
      const p99: number[] = [];
      const iops: number[] = [];
      for (let i = 0; i < bins; i++) {
        const ops = v.ops[i] ?? 0;
        const binSpan = Math.min(this.binNs, endNs - i * this.binNs);
        iops.push(binSpan > 0 ? Math.round((ops * 1e9) / binSpan) : 0);
        mean.push(ops > 0 ? ms(v.latencySumNs[i] / ops) : Number.NaN);
        const histogram = v.histograms[i];
        p99.push(ops > 0 && histogram ? ms(quantileNs(histogram, 0.99, v.maxNs[i] || bucketUpperNs(HISTOGRAM_BUCKETS - 1))) : Number.NaN);
      }
      latency[name] = { mean, p99, iops };
    }
    const deviceLoad = [...this.devices.values()]
      .filter((d) => d.ops > 0 || d.failed || d.busyNs.some((b) => b > 0))
      .map((d) => {
        const utilization = t.map((start, i) => {
          const span = Math.min(this.binNs, endNs - start);
          return span > 0 ? Math.min(1, Math.round(((d.busyNs[i] ?? 0) / span) * 1000) / 1000) : 0;
        });
        const busy = d.busyNs.reduce((a, b) => a + b, 0);
        return { device: d.name, class: d.class, failed: d.failed, utilization, mean: Math.min(1, Math.round((busy / endNs) * 1000) / 1000), ops: d.ops, bytes: d.bytes, backgroundBytes: d.background };
      });
    const markers = [...this.markers];
    if (this.extraMarkers > 0 && markers.length > 0) {
      const last = markers[markers.length - 1];
      markers[markers.length - 1] = { ...last, label: `${last.label} (+${this.extraMarkers} later events)` };
    }
    return { kind: 'storage', model: this.model, endNs, volumes: [...this.volumes.keys()], latency, t, binNs: this.binNs, deviceLoad, markers };
  }
}
