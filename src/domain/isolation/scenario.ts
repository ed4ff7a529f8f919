import { z } from 'zod';
import { bytes, positiveMilliseconds, rate } from '../scenario/schema';

/*
 * The `isolation` section: tenants, network segments (VLANs), the policy of
 * who may reach whom, resource limits per VM, and access attempts to play
 * through the run. Built by a function that schema.ts wraps in z.lazy
 * (schema.ts imports this module, this module reuses its unit helpers).
 */
export function isolationSchema() {
  const name = () => z.string().min(1, 'must not be empty');
  const limits = z.strictObject({
    /** Fraction of the host's CPU reserved for the VM and not exceeded by it (cgroup cpu.max with a matching reservation). */
    'vcpu-share': z.number().positive('must be positive').max(1, 'at most 1 (the whole host)').optional(),
    /** Memory cap, reserved on the host (memory cannot be overcommitted here). */
    memory: bytes().optional(),
    'disk-rate': rate().optional(),
    'net-rate': rate().optional(),
  });
  const demand = z.strictObject({
    /** Fraction of the host's CPU the VM would use unconstrained. */
    cpu: z.number().nonnegative('must not be negative').default(0),
    'disk-rate': rate().optional(),
    'net-rate': rate().optional(),
  });
  const vm = z.strictObject({
    name: name(),
    tenant: name(),
    segment: name(),
    host: name(),
    limits: limits.default({}),
    demand: demand.default({ cpu: 0 }),
    /** Memory the VM needs when it has no memory limit (the migrating VM uses vm.memory). */
    memory: bytes().optional(),
  });
  const host = z.strictObject({
    name: name(),
    memory: bytes(),
    'disk-rate': rate(),
    'net-rate': rate(),
    /** Only this tenant's VMs may run here: hardware isolation (AWS Dedicated Hosts, a Nova aggregate filtered by tenant). */
    'dedicated-to': name().optional(),
  });
  const segment = z.strictObject({
    name: name(),
    vlan: z.number().int('must be an integer').min(1, 'must be 1-4094').max(4094, 'must be 1-4094'),
    /** Tenants whose VMs may attach; more than one makes it shared. */
    tenants: z.array(name()).min(1, 'needs a tenant'),
    /** Hosts the VLAN is trunked to. */
    hosts: z.array(name()).min(1, 'needs a host'),
  });
  const port = () => z.number().int('must be an integer').min(1, 'must be 1-65535').max(65535, 'must be 1-65535');
  const rule = z.strictObject({
    from: name(),
    to: name(),
    /** TCP ports the rule opens on the target, as a security group rule's port range does; absent: all. */
    ports: z.array(port()).min(1, 'needs a port (leave it out to open all)').optional(),
  });
  const group = z.strictObject({
    name: name(),
    /** Nova server-group policies: affinity keeps the members on one host, anti-affinity on different hosts. */
    policy: z.enum(['affinity', 'anti-affinity']),
    vms: z.array(name()).min(2, 'needs two VMs'),
  });
  const router = z.strictObject({
    name: name(),
    /** Segments it has an interface on: traffic between any two of them is routed, still subject to the policy. */
    segments: z.array(name()).min(2, 'needs two segments'),
  });
  const attempt = z.strictObject({
    from: name(),
    to: name(),
    /** One attempt every interval, through the whole run. */
    interval: positiveMilliseconds().default(100),
    port: port().default(22),
  });
  return z.strictObject({
    tenants: z.array(name()).min(1, 'needs a tenant'),
    segments: z.array(segment).min(1, 'needs a segment'),
    hosts: z.array(host).min(1, 'needs the migration hosts'),
    vms: z.array(vm).min(1, 'needs the migrating VM'),
    policy: z.strictObject({
      'same-tenant': z.enum(['allow', 'deny']).default('allow'),
      /** Cross-tenant reachability, tenant to tenant; everything else across tenants is denied. */
      allow: z.array(rule).default([]),
    }).default({ 'same-tenant': 'allow', allow: [] }),
    attempts: z.array(attempt).default([]),
    /** Placement rules between VMs; absent: none. */
    'server-groups': z.array(group).optional(),
    /** Layer-3 routers between segments; absent, as empty: no two segments are routed (VLANs talk only through a router). */
    routers: z.array(router).optional(),
    /** Segment the migration stream crosses; defaults to the migrating VM's own segment. */
    'migration-segment': name().optional(),
    /** After the migration ends, attempts go on this long. */
    'observe-after': positiveMilliseconds().default(1_000),
  }).superRefine((iso, ctx) => {
    const tenants = new Set(iso.tenants);
    const segments = new Map(iso.segments.map((s) => [s.name, s]));
    const hosts = new Set(iso.hosts.map((h) => h.name));
    const dedicated = new Map(iso.hosts.map((h) => [h.name, h['dedicated-to']]));
    const vms = new Set<string>();
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const once = <T>(list: readonly T[], key: (item: T) => string | number, path: (i: number) => (string | number)[], what: (item: T, first: T) => string) => {
      const seen = new Map<string | number, T>();
      list.forEach((item, i) => {
        const first = seen.get(key(item));
        if (first !== undefined) issue(path(i), what(item, first));
        else seen.set(key(item), item);
      });
    };
    once(iso.tenants, (t) => t, (i) => ['tenants', i], (t) => `tenant "${t}" is listed twice`);
    once(iso.hosts, (h) => h.name, (i) => ['hosts', i, 'name'], (h) => `host "${h.name}" is listed twice`);
    once(iso.segments, (s) => s.name, (i) => ['segments', i, 'name'], (s) => `segment "${s.name}" is listed twice`);
    // An 802.1Q tag names one broadcast domain: two segments on one VLAN would be one segment, open to both.
    once(iso.segments, (s) => s.vlan, (i) => ['segments', i, 'vlan'], (s, first) => `VLAN ${s.vlan} is already segment ${first.name}'s; two segments on one VLAN are one broadcast domain`);
    iso.segments.forEach((s, i) => {
      s.tenants.forEach((t, j) => { if (!tenants.has(t)) issue(['segments', i, 'tenants', j], `unknown tenant "${t}"`); });
      s.hosts.forEach((h, j) => { if (!hosts.has(h)) issue(['segments', i, 'hosts', j], `unknown host "${h}"`); });
    });
    iso.vms.forEach((v, i) => {
      if (vms.has(v.name)) issue(['vms', i, 'name'], `VM "${v.name}" is listed twice`);
      vms.add(v.name);
      if (!tenants.has(v.tenant)) issue(['vms', i, 'tenant'], `unknown tenant "${v.tenant}"`);
      if (!hosts.has(v.host)) issue(['vms', i, 'host'], `unknown host "${v.host}"`);
      const owner = dedicated.get(v.host);
      if (owner !== undefined && owner !== v.tenant) issue(['vms', i, 'host'], `host ${v.host} is dedicated to tenant ${owner}, not ${v.tenant}`);
      const seg = segments.get(v.segment);
      if (!seg) issue(['vms', i, 'segment'], `unknown segment "${v.segment}"`);
      else {
        if (!seg.tenants.includes(v.tenant)) issue(['vms', i, 'segment'], `segment ${v.segment} is not open to tenant ${v.tenant}`);
        if (!seg.hosts.includes(v.host)) issue(['vms', i, 'host'], `segment ${v.segment} does not reach host ${v.host}`);
      }
    });
    iso.hosts.forEach((h, i) => {
      if (h['dedicated-to'] !== undefined && !tenants.has(h['dedicated-to'])) issue(['hosts', i, 'dedicated-to'], `unknown tenant "${h['dedicated-to']}"`);
    });
    iso.policy.allow.forEach((r, i) => {
      if (!tenants.has(r.from)) issue(['policy', 'allow', i, 'from'], `unknown tenant "${r.from}"`);
      if (!tenants.has(r.to)) issue(['policy', 'allow', i, 'to'], `unknown tenant "${r.to}"`);
    });
    iso.attempts.forEach((a, i) => {
      if (!vms.has(a.from)) issue(['attempts', i, 'from'], `unknown VM "${a.from}"`);
      if (!vms.has(a.to)) issue(['attempts', i, 'to'], `unknown VM "${a.to}"`);
    });
    const hostOf = new Map(iso.vms.map((v) => [v.name, v.host]));
    (iso['server-groups'] ?? []).forEach((g, i) => {
      // Host -> the first member placed there, to name whom a member clashes with.
      const firstOn = new Map<string, string>();
      g.vms.forEach((member, j) => {
        const at = ['server-groups', i, 'vms', j];
        if (!vms.has(member)) return issue(at, `unknown VM "${member}"`);
        if (g.vms.indexOf(member) !== j) return issue(at, `VM "${member}" is listed twice`);
        const host = hostOf.get(member) as string;
        if (g.policy === 'anti-affinity' && firstOn.has(host)) {
          issue(at, `${member} shares ${host} with ${firstOn.get(host)}; anti-affinity keeps the group on different hosts`);
        }
        const [firstHost, first] = [...firstOn][0] ?? [];
        if (g.policy === 'affinity' && first !== undefined && host !== firstHost) {
          issue(at, `${member} is on ${host} but ${first} is on ${firstHost}; affinity keeps the group on one host`);
        }
        if (!firstOn.has(host)) firstOn.set(host, member);
      });
    });
    (iso.routers ?? []).forEach((r, i) => {
      r.segments.forEach((seg, j) => { if (!segments.has(seg)) issue(['routers', i, 'segments', j], `unknown segment "${seg}"`); });
    });
    if (iso['migration-segment'] !== undefined && !segments.has(iso['migration-segment'])) issue(['migration-segment'], `unknown segment "${iso['migration-segment']}"`);
  });
}

export type IsolationScenario = z.output<ReturnType<typeof isolationSchema>>;
export type IsolatedVm = IsolationScenario['vms'][number];
