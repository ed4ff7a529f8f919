import 'reflect-metadata';
import { runMigration } from '../../src/app/use-cases/run-migration';
import type { Scenario } from '../../src/domain/scenario/schema';
import { RandomStreams } from '../../src/infrastructure/random';
import { eventsOfType, recordedWrites } from '../support/log';
import { smallScenario, type SmallScenarioOptions } from '../support/scenarios';

/**
 * A page-by-page reference of QEMU's pre-copy (stop policy `qemu`) as
 * DESIGN.md states it, written apart from the implementation: plain arrays,
 * one page at a time, no shared code but the write trace.
 */
interface ReferenceInput {
  readonly pages: number;
  readonly pageSizeBytes: number;
  /** 1 where a page starts out all zeros. */
  readonly zero: Uint8Array;
  /** Page of each guest write, in order; write n (1-based) happens at guest time n / writesPerSecond. */
  readonly writes: ArrayLike<number>;
  readonly writesPerSecond: number;
  readonly liveRateBytesPerS: number;
  readonly linkRateBytesPerS: number;
  readonly latencyNs: number;
  readonly downtimeLimitMs: number;
  /** CPU and device state sent in the stop-and-copy. */
  readonly stateBytes: number;
}

interface ReferenceOutcome {
  readonly setupNs: number;
  readonly pausedAtNs: number;
  readonly totalNs: number;
  readonly downtimeNs: number;
  readonly syncs: Array<{ atNs: number; dirtyPages: number }>;
  readonly rounds: Array<{ pages: number; bytes: number; durationNs: number }>;
  readonly precopyBytes: number;
  readonly downtimeBytes: number;
  readonly normalPages: number;
  readonly zeroPages: number;
  readonly writesBeforePause: number;
}

const HEADER_BYTES = 8;
const WINDOW_NS = 100_000_000;

function qemuReference(input: ReferenceInput): ReferenceOutcome {
  const pages = input.pages;
  const toSend = new Uint8Array(pages);
  const written = new Uint8Array(pages);
  const zero = Uint8Array.from(input.zero);
  let pending = 0;
  let applied = 0;
  let cursor = 0;
  let normalPages = 0;
  let zeroPages = 0;
  const syncs: Array<{ atNs: number; dirtyPages: number }> = [];
  const rounds: Array<{ pages: number; bytes: number; durationNs: number }> = [];
  let round = { pages: 0, bytes: 0, startNs: 0 };

  // The guest's writes up to virtual time t (the guest runs from t = 0 until the pause).
  const writesUntil = (t: number): void => {
    const due = Math.min(input.writes.length, Math.floor((t / 1e9) * input.writesPerSecond));
    for (; applied < due; applied++) {
      const page = input.writes[applied];
      written[page] = 1;
      zero[page] = 0;
    }
  };
  const closeRound = (t: number): void => {
    if (round.pages > 0) rounds.push({ pages: round.pages, bytes: round.bytes, durationNs: t - round.startNs });
    round = { pages: 0, bytes: 0, startNs: t };
  };
  const sync = (t: number): void => {
    writesUntil(t);
    for (let page = 0; page < pages; page++) {
      if (written[page] && !toSend[page]) {
        toSend[page] = 1;
        pending++;
      }
      written[page] = 0;
    }
    closeRound(t);
    syncs.push({ atNs: t, dirtyPages: pending });
  };
  // Next dirty page from the cursor, in address order, wrapping; costs its size plus a header (a zero page: the header and a fill byte).
  const sendOne = (): number => {
    let page = cursor;
    while (!toSend[page]) page = (page + 1) % pages;
    toSend[page] = 0;
    pending--;
    cursor = (page + 1) % pages;
    if (zero[page]) {
      zeroPages++;
      return HEADER_BYTES + 1;
    }
    normalPages++;
    return input.pageSizeBytes + HEADER_BYTES;
  };
  const wireNs = (bytes: number, rate: number): number => Math.ceil((bytes * 1e9) / rate);

  // Setup: a round trip. Then dirty tracking starts with every page dirty (sync 1).
  const setupNs = 2 * input.latencyNs;
  let t = setupNs;
  writesUntil(t);
  toSend.fill(1);
  written.fill(0);
  pending = pages;
  round = { pages: 0, bytes: 0, startNs: t };
  syncs.push({ atNs: t, dirtyPages: pending });

  const thresholdBytes = (input.liveRateBytesPerS * input.downtimeLimitMs) / 1000;
  const budgetBytes = input.liveRateBytesPerS / 10;
  const belowThreshold = (): boolean => pending === 0 || pending * input.pageSizeBytes < thresholdBytes;
  let precopyBytes = 0;
  for (;;) {
    // One 100 ms window: pages go at link speed until the budget is used (the last page may overrun it).
    writesUntil(t);
    let bytes = 0;
    let sent = 0;
    while (bytes < budgetBytes && pending > 0) {
      bytes += sendOne();
      sent++;
    }
    round.pages += sent;
    round.bytes += bytes;
    precopyBytes += bytes;
    const sendNs = wireNs(bytes, input.linkRateBytesPerS);
    // A window that used its budget lasts at least 100 ms; one that ran out of pages ends when sending ends.
    t += bytes >= budgetBytes ? Math.max(WINDOW_NS, sendNs) : sendNs;
    if (belowThreshold()) {
      sync(t);
      if (belowThreshold()) break;
    }
  }

  // Stop-and-copy: pause, last sync, the rest at link speed with CPU and device state, then one-way latency.
  const pausedAtNs = t;
  sync(t);
  const writesBeforePause = applied;
  let downtimeBytes = 0;
  while (pending > 0) downtimeBytes += sendOne();
  const downtimeNs = wireNs(downtimeBytes + input.stateBytes, input.linkRateBytesPerS) + input.latencyNs;
  return {
    setupNs, pausedAtNs, totalNs: pausedAtNs + downtimeNs, downtimeNs, syncs, rounds,
    precopyBytes, downtimeBytes, normalPages, zeroPages, writesBeforePause,
  };
}

/** Zero pages as the runtime lays them out: 2 MiB-aligned regions (512 pages of 4 KiB), each zero with the given ratio. */
function initialZeroPages(scenario: Scenario, pages: number): Uint8Array {
  const zero = new Uint8Array(pages);
  const ratio = scenario.vm['zero-page-ratio'];
  if (ratio <= 0) return zero;
  const random = new RandomStreams(scenario.seed).stream('memory.zero-pages');
  for (let start = 0; start < pages; start += 512) {
    if (random.nextFloat() < ratio) zero.fill(1, start, Math.min(start + 512, pages));
  }
  return zero;
}

const toMs = (ns: number): number => Math.round(ns / 1000) / 1000;

// Every case converges well within max-duration (kept short so a regression fails fast instead of hanging).
const CASES: ReadonlyArray<[string, SmallScenarioOptions]> = [
  ['16 MiB, uniform over all memory, one round', { maxDurationMs: 20_000 }],
  ['32 MiB, 8 MiB working set, live rate below the link, syncs in mid-pass', {
    memory: '32MiB', workload: { model: 'uniform', 'dirty-rate': 15000, 'working-set': '8MiB' },
    bandwidth: '1Gbit/s', maxBandwidth: '400Mbit/s', latency: '1ms', downtimeLimitMs: 60, maxDurationMs: 20_000,
  }],
  ['64 MiB, hot-cold with zero pages', {
    memory: '64MiB', zeroPageRatio: 0.4, seed: 3,
    workload: { model: 'hot-cold', 'dirty-rate': 20000, 'hot-set': '2MiB', 'hot-fraction': 0.95 },
    bandwidth: '1Gbit/s', maxBandwidth: '800Mbit/s', downtimeLimitMs: 10, maxDurationMs: 20_000,
  }],
  ['16 MiB of 8 KiB pages, slow link, many syncs', {
    memory: '16MiB', pageSizeBytes: 8192, seed: 5,
    workload: { model: 'uniform', 'dirty-rate': 3000, 'working-set': '6MiB' },
    bandwidth: '200Mbit/s', latency: '500us', downtimeLimitMs: 15, maxDurationMs: 20_000,
  }],
  ['24 MiB idle guest', { memory: '24MiB', workload: { model: 'idle' }, bandwidth: '800Mbit/s', maxBandwidth: '300Mbit/s', maxDurationMs: 20_000 }],
  ['48 MiB with zero pages, small working set, small downtime limit', {
    memory: '48MiB', seed: 9, zeroPageRatio: 0.25,
    workload: { model: 'uniform', 'dirty-rate': 20000, 'working-set': '3MiB' },
    bandwidth: '1Gbit/s', maxBandwidth: '500Mbit/s', downtimeLimitMs: 4, maxDurationMs: 20_000,
  }],
];

interface Compared {
  readonly scenario: Scenario;
  readonly result: ReturnType<typeof runMigration>['result'];
  readonly log: string;
  readonly zero: Uint8Array;
  readonly reference: ReferenceOutcome;
}

function compare(options: SmallScenarioOptions): Compared {
  const live = runMigration({ scenario: smallScenario({ ...options, stopPolicy: 'qemu' }), keepLog: true });
  const scenario = live.scenario;
  const log = live.logText as string;
  const pages = scenario.vm.memory / scenario.vm['page-size'];
  const zero = initialZeroPages(scenario, pages);
  const reference = qemuReference({
    pages,
    pageSizeBytes: scenario.vm['page-size'],
    zero,
    writes: recordedWrites(log),
    writesPerSecond: scenario.vm.workload['dirty-rate'] as number,
    liveRateBytesPerS: Math.min(scenario.link.bandwidth, scenario.migration.parameters['max-bandwidth']),
    linkRateBytesPerS: scenario.link.bandwidth,
    latencyNs: Math.round(scenario.link.latency * 1e6),
    downtimeLimitMs: scenario.migration.parameters['downtime-limit'],
    stateBytes: scenario.vm['cpu-state'] * scenario.vm.vcpus + scenario.vm['device-state'],
  });
  return { scenario, result: live.result, log, zero, reference };
}

describe('pre-copy under the qemu stop policy, against a page-by-page reference', () => {
  for (const [name, options] of CASES) {
    describe(`given ${name}`, () => {
      let run: Compared;
      beforeAll(() => {
        run = compare(options);
      });

      it('starts from the same memory and completes', () => {
        const { log, result, zero } = run;
        expect(eventsOfType(log, 'MigrationStarted')[0].data.zeroPages).toBe(zero.reduce((sum, z) => sum + z, 0));
        expect(result.status).toBe('completed');
        expect(result.verification.consistent).toBe(true);
      });

      it('writes exactly the pages the guest wrote up to the pause (write n at n / dirty-rate)', () => {
        const { result, reference } = run;
        expect(result.ram['guest-writes']).toBe(reference.writesBeforePause);
      });

      it('syncs the dirty bitmap at the same times with the same pages pending', () => {
        const { log, result, reference } = run;
        const syncs = eventsOfType(log, 'DirtyBitmapSynced').map((e) => ({ atNs: e.at, dirtyPages: e.data.dirtyPages }));
        expect(syncs).toEqual(reference.syncs);
        expect(result.ram['dirty-sync-count']).toBe(reference.syncs.length);
      });

      it('sends the same rounds, bytes and pages', () => {
        const { result, reference } = run;
        expect(result.rounds.map((r) => ({ pages: r.pages, bytes: r.bytes, duration: r.duration })))
          .toEqual(reference.rounds.map((r) => ({ pages: r.pages, bytes: r.bytes, duration: toMs(r.durationNs) })));
        expect(result.ram['precopy-bytes']).toBe(reference.precopyBytes);
        expect(result.ram['downtime-bytes']).toBe(reference.downtimeBytes);
        expect(result.ram.transferred).toBe(reference.precopyBytes + reference.downtimeBytes);
        expect(result.ram.normal).toBe(reference.normalPages);
        expect(result.ram.duplicate).toBe(reference.zeroPages);
      });

      it('takes the same setup, total time and downtime', () => {
        const { log, result, reference } = run;
        const pausedAt = eventsOfType(log, 'VmPaused')[0].at;
        const resumedAt = eventsOfType(log, 'VmResumed')[0].at;
        const endedAt = eventsOfType(log, 'MigrationCompleted')[0].at;
        expect(pausedAt).toBe(reference.pausedAtNs);
        expect(Math.abs(resumedAt - pausedAt - reference.downtimeNs)).toBeLessThanOrEqual(1);
        expect(Math.abs(endedAt - reference.totalNs)).toBeLessThanOrEqual(1);
        expect(result['setup-time']).toBe(toMs(reference.setupNs));
        expect(result['total-time']).toBe(toMs(reference.totalNs));
        expect(result.downtime).toBe(toMs(reference.downtimeNs));
      });
    });
  }

  it('the cases exercise what they claim: several syncs, zero pages, re-sent pages', () => {
    const outcomes = CASES.map(([, options]) => runMigration({ scenario: smallScenario(options) }).result);
    expect(Math.max(...outcomes.map((r) => r.ram['dirty-sync-count']))).toBeGreaterThanOrEqual(6);
    expect(Math.max(...outcomes.map((r) => r.rounds.length))).toBeGreaterThanOrEqual(4);
    expect(outcomes.some((r) => r.ram.duplicate > 0)).toBe(true);
    expect(outcomes.some((r) => r.ram.normal + r.ram.duplicate > 1.5 * (r.ram.total / r.ram['page-size']))).toBe(true);
  });
});
