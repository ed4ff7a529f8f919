/** A small LAN: two hosts under their own access switches, a core switch, three clients. */
export function lanScenario(network: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'lan test',
    seed: 3,
    vm: { memory: '256MiB', workload: { model: 'uniform', 'dirty-rate': 2000, 'working-set': '32MiB' } },
    hosts: { source: 'host-a', destination: 'host-b' },
    link: { bandwidth: '10Gbit/s', latency: '100us' },
    migration: { strategy: 'pre-copy', parameters: { 'downtime-limit': 100, 'max-bandwidth': '10Gbit/s' } },
    network: {
      switches: [{ name: 'core' }, { name: 'tor-a' }, { name: 'tor-b' }],
      links: [{ from: 'core', to: 'tor-a' }, { from: 'core', to: 'tor-b' }],
      hosts: [{ name: 'host-a', switch: 'tor-a' }, { name: 'host-b', switch: 'tor-b' }],
      clients: [
        { name: 'web-1', switch: 'core', connections: 2, 'request-rate': 100 },
        { name: 'web-2', switch: 'tor-a', connections: 2, 'request-rate': 100 },
        { name: 'db-1', switch: 'tor-b', connections: 1, 'request-rate': 50 },
      ],
      ...network,
    },
    ...extra,
  };
}
