/** Two tenants on two hosts, their segments joined by a router; acme's vm0 migrates from host-a to host-b, where globex's vm9 runs. */
export function isolationScenario(isolation: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'isolation test',
    seed: 5,
    vm: { name: 'vm0', memory: '256MiB', workload: { model: 'uniform', 'dirty-rate': 2000, 'working-set': '32MiB' } },
    hosts: { source: 'host-a', destination: 'host-b' },
    link: { bandwidth: '10Gbit/s', latency: '100us' },
    migration: { strategy: 'pre-copy', parameters: { 'downtime-limit': 100, 'max-bandwidth': '10Gbit/s' } },
    isolation: {
      tenants: ['acme', 'globex'],
      segments: [
        { name: 'acme-net', vlan: 10, tenants: ['acme'], hosts: ['host-a', 'host-b'] },
        { name: 'globex-net', vlan: 20, tenants: ['globex'], hosts: ['host-a', 'host-b'] },
        { name: 'mgmt', vlan: 99, tenants: ['acme', 'globex'], hosts: ['host-a', 'host-b'] },
      ],
      // The tenants' segments are routed, so their attempts reach the policy at the target.
      routers: [{ name: 'edge', segments: ['acme-net', 'globex-net'] }],
      hosts: [
        { name: 'host-a', memory: '16GiB', 'disk-rate': '1GiB/s', 'net-rate': '10Gbit/s' },
        { name: 'host-b', memory: '16GiB', 'disk-rate': '1GiB/s', 'net-rate': '10Gbit/s' },
      ],
      vms: [
        { name: 'vm0', tenant: 'acme', segment: 'acme-net', host: 'host-a', limits: { 'vcpu-share': 0.25, memory: '1GiB', 'net-rate': '1Gbit/s' }, demand: { cpu: 0.2, 'net-rate': '500Mbit/s' } },
        { name: 'vm1', tenant: 'acme', segment: 'acme-net', host: 'host-a', limits: { 'vcpu-share': 0.25, memory: '2GiB' }, demand: { cpu: 0.1 } },
        { name: 'vm9', tenant: 'globex', segment: 'globex-net', host: 'host-b', limits: { 'vcpu-share': 0.5, memory: '4GiB', 'net-rate': '5Gbit/s' }, demand: { cpu: 0.5, 'net-rate': '5Gbit/s' } },
        { name: 'noisy', tenant: 'globex', segment: 'globex-net', host: 'host-b', memory: '2GiB', demand: { cpu: 1, 'net-rate': '10Gbit/s' } },
      ],
      attempts: [
        { from: 'vm9', to: 'vm0', interval: '1ms', port: 22 },
        { from: 'vm0', to: 'vm9', interval: '5ms', port: 443 },
        { from: 'vm1', to: 'vm0', interval: '10ms', port: 80 },
      ],
      ...isolation,
    },
    ...extra,
  };
}
