import Table from 'cli-table3';
import type { IsolationReport } from '../../domain/isolation/report';
import type { NetworkReport } from '../../domain/network/report';

/** The LAN beside the migration: what clients saw next to the downtime. */
export function formatNetwork(net: NetworkReport): string {
  const t = new Table({ style: { head: [], border: [] } });
  const c = net.connections;
  t.push(
    { 'migration downtime': `${net['migration-downtime'].toFixed(3)} ms` },
    { 'client outage': `p50 ${net['client-outage'].p50.toFixed(3)} ms, max ${net['client-outage'].max.toFixed(3)} ms (${net['client-outage'].affected} of ${c.total} connections affected)` },
    { connections: `${c.recovered} recovered, ${c.broken} broken, ${c.stalled} stalled, ${c.untouched} untouched` },
    { 'frames lost': `${net['frames-lost']} of ${net['frames-sent']} (${Object.entries(net['frames-lost-by-reason']).map(([r, n]) => `${n} ${r}`).join('; ') || 'none'})` },
    { retransmissions: String(net.retransmissions) },
    { announce: net.announce.enabled ? `${net.announce['rounds-sent']} of ${net.announce.rounds} rounds, ${net.announce['frames-lost']} frames lost` : 'disabled' },
    { 'table updates': `${net['mac-table-updates']} MAC moves, ${net['mac-entries-aged']} aged out, ${net['arp-updates']} ARP updates` },
    ...(net.routed
      ? [{ addressing: `routed (proxy ARP): ${net.routed['rebound-by-announce']} client ARP entries re-bound by the ARP redirect, ${net.routed['rebound-by-arp-reply']} by ARP replies` }]
      : []),
    { 'layer 3': net.layer3['subnet-change']
      ? `${net.layer3.from} -> ${net.layer3.to}, ${net.layer3.tunnel ? 'tunnel' : 'no tunnel'}: address ${net.layer3['address-reachable'] ? 'reachable' : 'UNREACHABLE, connections break'}`
      : `same subnet (${net.layer3.from})` },
    { rtt: `${net.rtt.before.toFixed(3)} ms before, ${net.rtt.after.toFixed(3)} ms after` },
    { observed: `${net['observed-until'].toFixed(3)} ms (${net['stop-reason']})` },
  );
  return `network\n${t.toString()}\n`;
}

export function formatIsolation(iso: IsolationReport): string {
  const t = new Table({ style: { head: [], border: [] } });
  t.push(
    { vm: `${iso.vm} (tenant ${iso.tenant}, segment ${iso.segment})` },
    { denied: `${iso.denied.total} (${Object.entries(iso.denied['by-stage']).map(([s, n]) => `${n} ${s}`).join(', ') || 'none'})` },
    { allowed: `${iso.allowed.total}, ${iso.allowed.delivered} delivered` },
    { exposure: iso.exposure.exposed
      ? `EXPOSED: unencrypted stream over ${iso.exposure['migration-segment']}, shared with ${iso.exposure['other-tenants'].join(', ')}`
      : `none (${iso.exposure.tls ? 'tls' : `segment ${iso.exposure['migration-segment']} not shared`})` },
    { limits: iso.limits.held ? `held at ${iso.limits.reallocations} reallocations` : `VIOLATED: ${iso.limits.violations.join('; ')}` },
  );
  return `isolation\n${t.toString()}\n`;
}
