import Table from 'cli-table3';
import type { MigrationResult } from '../../domain/migration/result';
import { formatIsolation, formatNetwork } from './network-text';

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** No rule between rows: a summary reads as a list. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

function ms(value: number): string {
  return value.toFixed(3);
}

/** The human summary of one migration: headline figures, then one row per round. */
export function formatMigration(result: MigrationResult): string {
  const summary = new Table({ chars: COMPACT, style: { head: [], border: [] } });
  summary.push(
    { strategy: `${result.strategy} (stop policy ${result['stop-policy']})` },
    { status: result.status + (result.reason ? `: ${result.reason}` : '') },
    { 'total time': `${ms(result['total-time'])} ms` },
    { downtime: `${ms(result.downtime)} ms` },
    { 'setup time': `${ms(result['setup-time'])} ms` },
    { 'RAM transferred': `${mib(result.ram.transferred)} MiB of ${mib(result.ram.total)} MiB (${(result.ram.transferred / result.ram.total).toFixed(3)}x)` },
    { 'pages sent': `${result.ram.normal} normal, ${result.ram.duplicate} zero` },
    { 'precopy / downtime / postcopy': `${mib(result.ram['precopy-bytes'])} / ${mib(result.ram['downtime-bytes'])} / ${mib(result.ram['postcopy-bytes'])} MiB` },
    { 'dirty syncs': String(result.ram['dirty-sync-count']) },
    { 'guest writes': String(result.ram['guest-writes']) },
    { 'guest impact': `${result.guest.degradation.toFixed(2)} % work lost; ${result.guest.faults} faults stalling ${ms(result.guest['stall-time'])} ms (p50 ${result.guest['stall-p50']} / p99 ${result.guest['stall-p99']} / max ${result.guest['stall-max']} ms); throttle ${ms(result.guest['throttle-time'])} ms (max ${result.guest['max-cpu-throttle']} %)` },
    ...(result['xbzrle-cache'] ? [{ xbzrle: `${result['xbzrle-cache'].pages} delta pages, ${result['xbzrle-cache']['cache-hit']} hits / ${result['xbzrle-cache']['cache-miss']} misses, ${result['xbzrle-cache'].overflow} overflows, ${mib(result['xbzrle-cache']['saved-bytes'])} MiB saved` }] : []),
    ...result.incidents.map((incident) => ({ [`at ${ms(incident.at)} ms`]: incident.what })),
    ...(result.disk ? [{ disk: result.disk.mode === 'shared'
      ? `shared (${result.disk.share}): nothing copied`
      : `mirrored: ${mib(result.disk.transferred)} MiB sent (${mib(result.disk['downtime-bytes'])} MiB in downtime), ${result.disk.rounds} rounds, ready after ${result.disk['time-to-ready'] === null ? 'never' : `${ms(result.disk['time-to-ready'])} ms`}, ${result.disk.consistent ? 'consistent' : `INCONSISTENT: ${result.disk['mismatched-blocks']} blocks differ`}` }] : []),
    { verification: result.verification['vm-lost']
      ? `VM LOST: ${result.verification['lost-pages']} pages are on no running host (see status)`
      : result.verification.consistent
      ? `consistent (checked on ${result.verification['verified-on']})`
      : `INCONSISTENT: ${result.verification['mismatched-pages']} pages differ, e.g. ${result.verification['mismatched-sample'].join(', ')}` },
    { log: `${result.log.events} events, sha256 ${result.log.sha256.slice(0, 16)}…` },
  );
  const rounds = new Table({ head: ['round', 'pages', 'MiB', 'duration ms'], chars: COMPACT, colAligns: ['right', 'right', 'right', 'right'], style: { head: [], border: [] } });
  for (const round of result.rounds) rounds.push([round.round, round.pages, mib(round.bytes), ms(round.duration)]);
  const sections = (result.network ? formatNetwork(result.network) : '') + (result.isolation ? formatIsolation(result.isolation) : '');
  return `${summary.toString()}\n${result.rounds.length > 0 ? rounds.toString() : '(no pre-copy rounds)'}\n${sections}`;
}

/** One row per strategy: the figures people compare. */
export function formatComparison(results: Readonly<Record<string, MigrationResult>>): string {
  const table = new Table({
    head: ['strategy', 'status', 'total ms', 'downtime ms', 'sent MiB', 'requests', 'stall ms', 'degradation %', 'consistent'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    chars: COMPACT,
    style: { head: [], border: [] },
  });
  for (const [name, r] of Object.entries(results)) {
    table.push([
      name, r.status, ms(r['total-time']), ms(r.downtime), mib(r.ram.transferred), r.ram['postcopy-requests'],
      ms(r.guest['stall-time']), r.guest.degradation.toFixed(2), r.verification['vm-lost'] ? 'VM LOST' : r.verification.consistent ? 'yes' : 'NO',
    ]);
  }
  return `${table.toString()}\n`;
}
