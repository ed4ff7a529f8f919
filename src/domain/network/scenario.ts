import { z } from 'zod';
import { milliseconds, positiveMilliseconds, ratio } from '../scenario/schema';

/*
 * The `network` section: a switched LAN (a tree of learning switches), the
 * hosts and clients on it, the VM's addresses, TCP and QEMU's announce
 * parameters. Built by a function that schema.ts wraps in z.lazy: schema.ts
 * imports this module and this module reuses schema.ts's unit helpers, so
 * nothing may be built while the modules load.
 */

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
const IPV4 = /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$/;

export const DEFAULT_VM_MAC = '52:54:00:12:34:56';
export const DEFAULT_VM_IP = '10.0.0.10';

export function networkSchema() {
  const name = () => z.string().min(1, 'must not be empty');
  const mac = () => z.string().regex(MAC, 'must be a MAC address like 52:54:00:12:34:56').transform((text) => text.toLowerCase());
  const ip = () => z.string().regex(IPV4, 'must be an IPv4 address like 10.0.0.10');

  const switchSchema = z.strictObject({
    name: name(),
    /** How long a learned MAC stays in the table without a frame from it (Linux bridge and most switches: 300 s). */
    'mac-aging': positiveMilliseconds().default(300_000),
  });
  const hostSchema = z.strictObject({
    name: name(),
    switch: name(),
    /** One-way latency of the host's uplink to its switch. */
    latency: milliseconds().default(0.05),
    /** IP subnet (any label or CIDR); a migration between different subnets is a layer-3 move. */
    subnet: z.string().min(1).default('lan'),
    /** The host's own MAC, which clients see for the VM under routed addressing; derived from its position when absent. */
    mac: mac().optional(),
  });
  const linkSchema = z.strictObject({
    from: name(),
    to: name(),
    latency: milliseconds().default(0.05),
  });
  const clientSchema = z.strictObject({
    name: name(),
    switch: name(),
    latency: milliseconds().default(0.05),
    /** Derived from the client's position when absent. */
    mac: mac().optional(),
    /** TCP connections this client holds to the VM. */
    connections: z.number().int('must be an integer').positive('must be positive').default(1),
    /** Requests per second on each connection (one outstanding request at a time). */
    'request-rate': z.number().positive('must be positive').max(10_000, 'at most 10000 requests/s per connection').default(10),
    /** The application gives up on a request (and its connection) after this long without an answer. */
    'app-timeout': positiveMilliseconds().default(5_000),
    /**
     * From the last confirmation to a broadcast ARP request: Linux's
     * base_reachable_time 30 s (randomised 15-45 s per interface; its mean is
     * taken), delay_first_probe_time 5 s and 3 unicast probes 1 s apart. Not
     * gc_stale_time (60 s), which only frees entries nobody uses.
     */
    'arp-timeout': positiveMilliseconds().default(38_000),
  });
  const tcpSchema = z.strictObject({
    /** Linux TCP_RTO_MIN. */
    'rto-min': positiveMilliseconds().default(200),
    /** Linux TCP_RTO_MAX. */
    'rto-max': positiveMilliseconds().default(120_000),
    /** Retransmissions before the connection is reset (Linux tcp_retries2). */
    retries: z.number().int('must be an integer').nonnegative('must not be negative').default(15),
  });
  /** QEMU's announce parameters (qemu_announce_self after the destination resumes), with the bounds migrate_params_check sets. */
  const announceSchema = z.strictObject({
    enabled: z.boolean().default(true),
    /** The gap after the first round, which goes out at resume. */
    'announce-initial': milliseconds().refine((ms) => ms <= 100_000, 'must be between 0 and 100000 ms (QEMU\'s limit)').default(50),
    'announce-max': milliseconds().refine((ms) => ms <= 100_000, 'must be between 0 and 100000 ms (QEMU\'s limit)').default(550),
    'announce-rounds': z.number().int('must be an integer').nonnegative('must not be negative').max(1000, 'at most 1000 (QEMU\'s limit)').default(5),
    'announce-step': milliseconds().refine((ms) => ms >= 1 && ms <= 10_000, 'must be between 1 and 10000 ms (QEMU\'s limit)').default(100),
    /** Probability that one announce frame is lost on the way. */
    loss: ratio().default(0),
  });
  const tunnelSchema = z.strictObject({
    /** Carry the VM's subnet to the destination (VXLAN, GRE ...) so its address stays reachable. */
    enabled: z.boolean().default(false),
    /** Extra one-way latency through the tunnel. */
    latency: milliseconds().default(0.5),
  });

  return z.strictObject({
    vm: z.strictObject({
      mac: mac().default(DEFAULT_VM_MAC),
      ip: ip().default(DEFAULT_VM_IP),
      /**
       * `bridged` (absent): the VM's MAC is on the LAN and moves with it.
       * `routed`: hosts route for the VM and answer ARP for its IP with their
       * own MAC (proxy ARP). No default is filled in, so scenarios without it
       * are recorded as they always were.
       */
      addressing: z.enum(['bridged', 'routed']).optional(),
    }).default({ mac: DEFAULT_VM_MAC, ip: DEFAULT_VM_IP }),
    switches: z.array(switchSchema).min(1, 'needs at least one switch'),
    hosts: z.array(hostSchema).min(1, 'needs the migration hosts'),
    links: z.array(linkSchema).default([]),
    clients: z.array(clientSchema).min(1, 'needs at least one client'),
    tcp: tcpSchema.default(tcpSchema.parse({})),
    announce: announceSchema.default(announceSchema.parse({})),
    tunnel: tunnelSchema.default(tunnelSchema.parse({})),
    /** After the migration ends, keep the LAN running at most this long so outages are measured. */
    'observe-after': positiveMilliseconds().default(10_000),
  }).superRefine((network, ctx) => {
    const switches = new Set<string>();
    const nodes = new Set<string>();
    const unique = (value: string, path: (string | number)[]) => {
      if (nodes.has(value)) ctx.addIssue({ code: 'custom', path, message: `name "${value}" is used twice` });
      nodes.add(value);
    };
    network.switches.forEach((s, i) => { unique(s.name, ['switches', i, 'name']); switches.add(s.name); });
    network.hosts.forEach((h, i) => unique(h.name, ['hosts', i, 'name']));
    network.clients.forEach((c, i) => unique(c.name, ['clients', i, 'name']));
    const attached = (value: string, path: (string | number)[]) => {
      if (!switches.has(value)) ctx.addIssue({ code: 'custom', path, message: `unknown switch "${value}"` });
    };
    network.hosts.forEach((h, i) => attached(h.switch, ['hosts', i, 'switch']));
    network.clients.forEach((c, i) => attached(c.switch, ['clients', i, 'switch']));
    // Learning switches without STP need a loop-free topology: a tree.
    const parent = new Map<string, string>([...switches].map((s) => [s, s]));
    const root = (s: string): string => {
      let node = s;
      while (parent.get(node) !== node) node = parent.get(node) as string;
      return node;
    };
    network.links.forEach((link, i) => {
      attached(link.from, ['links', i, 'from']);
      attached(link.to, ['links', i, 'to']);
      if (!switches.has(link.from) || !switches.has(link.to)) return;
      const a = root(link.from);
      const b = root(link.to);
      if (a === b) ctx.addIssue({ code: 'custom', path: ['links', i], message: `${link.from}-${link.to} closes a loop; switches must form a tree (no STP is modelled)` });
      else parent.set(a, b);
    });
    const roots = new Set([...switches].map(root));
    if (roots.size > 1) ctx.addIssue({ code: 'custom', path: ['links'], message: 'switches must be connected (one tree)' });
    if (network.vm.addressing === 'routed') {
      // Under proxy ARP the hosts' MACs carry the VM's traffic: one shared with another station would misdeliver it.
      const owners = new Map<string, string>([[network.vm.mac, 'the vm (vm.mac)']]);
      network.clients.forEach((c, i) => owners.set(c.mac ?? clientMac(i), `client "${c.name}"`));
      network.hosts.forEach((h, i) => {
        const address = hostMac(h, i);
        const owner = owners.get(address);
        if (owner) ctx.addIssue({ code: 'custom', path: ['hosts', i, 'mac'], message: `${address} is also the MAC of ${owner}; routed addressing needs every host's MAC to be its own` });
        owners.set(address, `host "${h.name}"`);
      });
    }
  });
}

export type NetworkScenario = z.output<ReturnType<typeof networkSchema>>;
export type NetworkScenarioInput = z.input<ReturnType<typeof networkSchema>>;

/** Checks that need the rest of the scenario: both migration hosts must sit on the LAN. */
export function networkPlacementProblems(network: NetworkScenario, hosts: { readonly source: string; readonly destination: string }): { path: string; reason: string }[] {
  const names = new Set(network.hosts.map((h) => h.name));
  const problems: { path: string; reason: string }[] = [];
  for (const role of ['source', 'destination'] as const) {
    if (!names.has(hosts[role])) problems.push({ path: 'network.hosts', reason: `must include hosts.${role} "${hosts[role]}"` });
  }
  return problems;
}

/** A host's MAC: the scenario's, or one derived from its position (locally administered, apart from the clients' defaults). */
export function hostMac(host: { readonly mac?: string }, index: number): string {
  return host.mac ?? positionalMac(1, index);
}

/** A client's MAC when the scenario gives none: locally administered, from its position. */
export function clientMac(index: number): string {
  return positionalMac(0, index);
}

/** 02:00:00:KIND:hi:lo, numbering the stations of one kind (clients 0, hosts 1) from 1. */
function positionalMac(kind: number, index: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `02:00:00:${hex(kind)}:${hex((index + 1) >> 8)}:${hex((index + 1) & 0xff)}`;
}
