import Table from 'cli-table3';
import type { StorageResult } from '../../domain/storage/result';

const style = { head: [], border: [] };

function modelName(result: StorageResult): string {
  return result.mode ? `${result.model} (${result.mode})` : result.model;
}

/**
 * What metadata changes cost in messages, named for what they are: out of
 * band, the metadata server invalidating the map each host caches (one host
 * or many); otherwise the lock traffic of pools several hosts share.
 */
function metadataMessagesLine(result: StorageResult): string | undefined {
  const { 'metadata-changes': changes, messages, 'messages-per-change': each, 'shared-pools': shared } = result['cluster-locking'];
  if (messages === 0) return undefined;
  if (result.mode === 'out-of-band') return `map invalidations: ${changes} metadata changes sent ${messages} invalidations of hosts' cached maps (${each} each)`;
  return `cluster locking: ${changes} metadata changes cost ${messages} lock messages (${each} each${shared.length > 0 ? `; shared pools ${shared.join(', ')}` : ''})`;
}

/** The human summary of one storage run: volumes, devices, then what happened. */
export function formatStorage(result: StorageResult): string {
  const lines: string[] = [];
  lines.push(`model ${modelName(result)}, ${result.elapsed} ms simulated, log ${result.log.events} events sha256 ${result.log.sha256.slice(0, 16)}…`);
  const volumes = new Table({ head: ['volume', 'layout', 'IOPS', 'MB/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'cache hits', 'lost blocks'], style });
  for (const v of result.volumes) {
    volumes.push([v.name, v.layout, v.iops, v['mb-per-s'], v.latency.p50, v.latency.p99, v.latency.max, v.errors, v['cache-hits'], v['lost-blocks']]);
  }
  lines.push(volumes.toString());
  const devices = new Table({ head: ['device', 'class', 'ops', 'MB/s', 'util', 'background MiB', 'state'], style });
  for (const d of result.devices) {
    if (d.ops === 0 && !d.failed) continue;
    devices.push([d.name, d.class, d.ops, d['mb-per-s'], d.utilization, (d['background-bytes'] / 1024 / 1024).toFixed(1), d.failed ? 'FAILED' : 'ok']);
  }
  lines.push(devices.toString());
  const notes: string[] = [];
  if (result.appliance) notes.push(`appliance: ${result.appliance.ops} ops, ${result.appliance['mb-per-s']} MB/s, utilization ${result.appliance.utilization}`);
  const metadataMessages = metadataMessagesLine(result);
  if (metadataMessages) notes.push(metadataMessages);
  const duringRun = result['cluster-locking']['during-run'];
  if (duringRun) {
    notes.push(`cluster lock during the run: ${duringRun.changes} metadata changes held it ${duringRun.held} ms (queued ${duringRun.queued} ms); ${duringRun['delayed-ios']} I/Os waited for it, ${duringRun['io-wait']} ms in all (mean ${duringRun['mean-io-wait']} ms, max ${duringRun['max-io-wait']} ms)`);
    for (const v of duringRun.volumes) notes.push(`  ${v.volume}: ${v['delayed-ios']} I/Os waited ${v['io-wait']} ms for the cluster lock`);
  }
  if (result['metadata-lookups'] > 0) notes.push(`metadata-server lookups: ${result['metadata-lookups']}`);
  for (const p of result.paths) if (p.failures > 0 || !p.up) notes.push(`path ${p.name}: ${p.up ? 'up' : 'DOWN'}, ${p.failures} failure(s), ${p.ops} ops`);
  for (const t of result['thin-pools']) {
    notes.push(`thin pool ${t.pool}: ${t['used-bytes']} of ${t['data-bytes']} bytes used${t.overcommitted ? `, OVERCOMMITTED (${t['virtual-bytes']} virtual)` : ''}${t['low-water-at'] !== null ? `, low-water mark at ${t['low-water-at']} ms` : ''}${t['full-at'] !== null ? `, full at ${t['full-at']} ms` : ''}`);
  }
  for (const d of result['access-denied']) notes.push(`access denied: ${d.host} -> ${d.volume}: ${d.reason}`);
  for (const r of result.rebuilds) notes.push(`rebuild ${r.volume} leg ${r.leg}: ${r.failed} -> ${r.spare}, ${r.rebuilt}/${r.extents} extents${r.duration !== null ? ` in ${r.duration} ms` : ' (unfinished)'}`);
  for (const r of result['rebuilds-impossible']) notes.push(`no rebuild for ${r.volume} leg ${r.leg}: ${r.reason}`);
  for (const m of result.migrations) notes.push(`data migration ${m.volume}: ${m.checkpoint}/${m.segments} segments, ${m.interruptions} interruption(s), ${m.resumes} resume(s), ${m.completed ? 'completed' : 'NOT completed'}`);
  for (const s of result.scrubs) notes.push(`scrub ${s.volume}: ${s['checked-blocks']} blocks, ${s.mismatches} mismatches, ${s.repaired} repaired, ${s.unrepairable} unrepairable`);
  for (const v of result.volumes) {
    // Only a volume without checksums returns corrupt blocks silently, so only then is that said.
    const silent = v['silent-corrupt-reads'] > 0 ? `, ${v['silent-corrupt-reads']} corrupt blocks returned silently (no checksums)` : '';
    if (v['repaired-reads'] + v['read-errors'] + v['silent-corrupt-reads'] > 0) notes.push(`${v.name}: ${v['repaired-reads']} reads repaired from a good copy, ${v['read-errors']} read errors${silent}`);
    for (const [cause, blocks] of Object.entries(v['lost-causes'])) notes.push(`${v.name}: ${blocks} blocks lost (${cause}), e.g. ${v['lost-ranges'].slice(0, 3).map(([s, n]) => `${s}+${n}`).join(', ')}`);
  }
  if (result.tiering) notes.push(`tiering: ${result.tiering.passes} passes, ${result.tiering.promoted} extents promoted; mean latency ${result.tiering['mean-latency-before']} ms -> ${result.tiering['mean-latency-after']} ms (gain ${(result.tiering['latency-gain'] * 100).toFixed(1)} %)`);
  for (const u of result.unfinished) notes.push(`unfinished: ${u}`);
  notes.push(`verification: ${result.verification.consistent ? 'consistent' : 'INCONSISTENT'}; every block reads back its last acknowledged write except ${result.verification['lost-blocks']} listed lost`);
  lines.push(notes.join('\n'));
  return `${lines.join('\n')}\n`;
}

/** One row per model, same volumes and trace. */
export function formatStorageComparison(results: readonly StorageResult[]): string {
  // Lock messages, or out of band map invalidations: both what metadata changes cost.
  const table = new Table({ head: ['model', 'volume', 'IOPS', 'MB/s', 'mean ms', 'p50 ms', 'p99 ms', 'max ms', 'metadata msgs', 'lookups', 'lost'], style });
  for (const result of results) {
    for (const v of result.volumes) {
      table.push([modelName(result), v.name, v.iops, v['mb-per-s'], v.latency.mean, v.latency.p50, v.latency.p99, v.latency.max, result['cluster-locking'].messages, result['metadata-lookups'], v['lost-blocks']]);
    }
  }
  return `${table.toString()}\n`;
}
