import 'reflect-metadata';
import { decodePageList } from '../../src/domain/memory/page-set-codec';
import { PageBitmap } from '../../src/domain/memory/page-bitmap';
import { seedZeroPages } from '../../src/domain/memory/zero-pages';
import { RandomStreams } from '../../src/infrastructure/random';
import type { MigrationRun } from '../../src/app/use-cases/run-migration';
import { events, eventsOfType, migrate, rangePages, replayed, scenario, type ScenarioPatch } from './helpers';

/*
 * Replay checks what only the run could know: each PagesSent's zero pages
 * (seeded from the header, less the pages written on the source) and that the
 * VM never goes back to the source once it ran on the destination. Genuine
 * logs, faults and all, must still replay to the live result.
 */

const withZeroPages = (migration: ScenarioPatch = {}, vm: ScenarioPatch = {}): ScenarioPatch =>
  scenario({ vm: { 'zero-page-ratio': 0.4, ...vm }, migration });

/** When the clean run paused the VM for its stop-and-copy or switchover, ms. */
function pausedAtMs(strategy: string, patch: ScenarioPatch): number {
  return eventsOfType(migrate({ scenario: patch, strategy }).logText, 'VmPaused')[0].at / 1e6;
}

/** Pages seeded zero that the guest wrote on the source before a send took them: sent whole, not as zero pages. */
function writtenZeroPagesSent({ logText, scenario: ran }: MigrationRun & { readonly logText: string }): number {
  const zero = new PageBitmap(ran.vm.memory / ran.vm['page-size']);
  seedZeroPages(zero, ran, new RandomStreams(ran.seed));
  const written = new Set<number>();
  let onSource = true;
  let count = 0;
  for (const envelope of events(logText)) {
    if (envelope.type === 'VmResumed') onSource = envelope.data.host === 'host-a';
    if (envelope.type === 'PagesDirtied' && onSource) for (const page of decodePageList(envelope.data.pages)) written.add(page);
    if (envelope.type === 'PagesSent') for (const page of rangePages(envelope.data.ranges)) if (zero.has(page) && written.has(page)) count++;
  }
  return count;
}

const CASES: ReadonlyArray<{ readonly name: string; readonly strategy: string; readonly patch: () => ScenarioPatch; readonly status: string; readonly resumedOn: readonly string[] }> = [
  { name: 'pre-copy', strategy: 'pre-copy', patch: () => withZeroPages(), status: 'completed', resumedOn: ['host-b'] },
  { name: 'pre-copy with xbzrle', strategy: 'pre-copy', patch: () => withZeroPages({ capabilities: { xbzrle: true } }), status: 'completed', resumedOn: ['host-b'] },
  {
    name: 'pre-copy, the link failing during stop-and-copy (the VM resumes on the source)',
    strategy: 'pre-copy',
    patch: () => withZeroPages({ faults: [{ kind: 'link-down', at: pausedAtMs('pre-copy', withZeroPages()) + 0.01, duration: 50 }] }),
    status: 'failed',
    resumedOn: ['host-a'],
  },
  { name: 'pre-copy, the destination crashing', strategy: 'pre-copy', patch: () => withZeroPages({ faults: [{ kind: 'host-crash', at: 100, host: 'destination' }] }), status: 'failed', resumedOn: [] },
  { name: 'pre-copy cancelled by its timeout', strategy: 'pre-copy', patch: () => withZeroPages({ timeout: 200, 'timeout-action': 'cancel' }), status: 'cancelled', resumedOn: [] },
  { name: 'post-copy', strategy: 'post-copy', patch: () => withZeroPages(), status: 'completed', resumedOn: ['host-b'] },
  { name: 'post-copy, the link down for a while', strategy: 'post-copy', patch: () => withZeroPages({ faults: [{ kind: 'link-down', at: 100, duration: 100 }] }), status: 'completed', resumedOn: ['host-b'] },
  { name: 'post-copy, the destination crashing (the VM is lost)', strategy: 'post-copy', patch: () => withZeroPages({ faults: [{ kind: 'host-crash', at: 100, host: 'destination' }] }), status: 'failed', resumedOn: ['host-b'] },
  { name: 'hybrid', strategy: 'hybrid', patch: () => withZeroPages(), status: 'completed', resumedOn: ['host-b'] },
  {
    name: 'hybrid, the link failing just after the switchover',
    strategy: 'hybrid',
    patch: () => withZeroPages({ faults: [{ kind: 'link-down', at: pausedAtMs('hybrid', withZeroPages()) + 0.01, duration: 100 }] }),
    status: 'completed',
    resumedOn: ['host-b'],
  },
];

describe('replaying genuine logs with zero pages', () => {
  for (const { name, strategy, patch, status, resumedOn } of CASES) {
    it(`${name}: replays to the live result`, () => {
      const run = migrate({ scenario: patch(), strategy });
      expect(run.result.status).toBe(status);
      expect(eventsOfType(run.logText, 'VmResumed').map((resumed) => resumed.data.host)).toEqual(resumedOn);
      const sent = eventsOfType(run.logText, 'PagesSent');
      expect(sent.some((batch) => batch.data.zeroPages > 0)).toBe(true);
      expect(replayed(run)).toEqual(run.result);
    });
  }

  it('counts a zero page the guest wrote before it was sent as a normal page (the seeded pages alone would not match)', () => {
    const run = migrate({ scenario: withZeroPages() });
    expect(writtenZeroPagesSent(run)).toBeGreaterThan(0);
    expect(replayed(run)).toEqual(run.result);
  });
});
