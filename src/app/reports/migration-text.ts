import Table from 'cli-table3';
import type { MigrationResult } from '../../domain/migration/result';

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

function ms(value: number): string {
  return value.toFixed(3);
}

/** The human summary of one migration: headline figures, then one row per round. */
export function formatMigration(result: MigrationResult): string {
  const summary = new Table({ style: { head: [], border: [] } });
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
    { verification: result.verification.consistent
      ? `consistent (checked on ${result.verification['verified-on']})`
      : `INCONSISTENT: ${result.verification['mismatched-pages']} pages differ, e.g. ${result.verification['mismatched-sample'].join(', ')}` },
    { log: `${result.log.events} events, sha256 ${result.log.sha256.slice(0, 16)}…` },
  );
  const rounds = new Table({ head: ['round', 'pages', 'MiB', 'duration ms'], colAligns: ['right', 'right', 'right', 'right'], style: { head: [], border: [] } });
  for (const round of result.rounds) rounds.push([round.round, round.pages, mib(round.bytes), ms(round.duration)]);
  return `${summary.toString()}\n${result.rounds.length > 0 ? rounds.toString() : '(no pre-copy rounds)'}\n`;
}
