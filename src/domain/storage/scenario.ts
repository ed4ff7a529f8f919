import { z } from 'zod';
import { InputError } from '../errors';
import { withoutFileReferences, zodProblems } from '../scenario/parse-scenario';
import { bytes, bytesOrZero, milliseconds, positiveMilliseconds, rate, ratio } from '../scenario/schema';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

export const DEVICE_CLASSES = ['hdd', 'ssd', 'nvme'] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

/** Typical figures per class; a device may override each. */
export const DEVICE_DEFAULTS: Readonly<Record<DeviceClass, { capacity: number; bandwidth: number; iops: number; latency: number }>> = {
  hdd: { capacity: 4e12, bandwidth: 200e6, iops: 150, latency: 0.5 },
  ssd: { capacity: 1e12, bandwidth: 550e6, iops: 90_000, latency: 0.08 },
  nvme: { capacity: 2e12, bandwidth: 3.2e9, iops: 600_000, latency: 0.02 },
};

const name = () => z.string().min(1, 'must not be empty').regex(/^[A-Za-z0-9._:-]+$/, 'only letters, digits and . _ : -');

// Factories, not shared instances: the JSON Schema generator describes each zod instance once, so a reused one loses its type and unit at its second place.
const deviceSchema = () => z.strictObject({
  name: name(),
  class: z.enum(DEVICE_CLASSES),
  capacity: bytes().optional(),
  bandwidth: rate().optional(),
  iops: z.number().positive('must be positive').optional(),
  latency: milliseconds().optional(),
});

const hostSchema = z.strictObject({
  name: name(),
  devices: z.array(deviceSchema()).default([]),
  /** The volume manager's per-I/O cost on the host (host-based model). */
  'volume-manager-latency': milliseconds().default(0.005),
});

const cacheFields = () => ({
  cache: bytesOrZero().default(4 * GiB),
  'cache-latency': milliseconds().default(0.02),
});

const arraySchema = z.strictObject({
  name: name(),
  vendor: z.string().min(1).default('generic'),
  controller: z.strictObject({
    latency: milliseconds().default(0.05),
    bandwidth: rate().default(8 * GiB),
    ...cacheFields(),
  }).default({ latency: 0.05, bandwidth: 8 * GiB, cache: 4 * GiB, 'cache-latency': 0.02 }),
  devices: z.array(deviceSchema()).min(1, 'an array needs at least one device'),
});

const pathSchema = z.strictObject({
  name: name(),
  host: name(),
  /** An array's name, or `appliance` (network-based in-band). */
  target: name(),
  latency: milliseconds().optional(),
  bandwidth: rate().optional(),
  /** Priority group: failover uses the lowest group with a live path. */
  group: z.number().int().nonnegative().default(0),
});

const applianceSchema = z.strictObject({
  latency: milliseconds().default(0.05),
  bandwidth: rate().default(4 * GiB),
  ...cacheFields(),
  /** Round trip to the metadata server (out-of-band). */
  'metadata-latency': milliseconds().default(0.2),
});

const fabricSchema = z.strictObject({
  'path-latency': milliseconds().default(0.02),
  'path-bandwidth': rate().default(16e9 / 8),
  paths: z.array(pathSchema).default([]),
  appliance: applianceSchema.default(applianceSchema.parse({})),
});

/**
 * The hosts' lock manager (lvmlockd/clvmd over a DLM), host-based only. Absent:
 * metadata changes (moves, tiering and thin-pool growth included) are counted
 * in messages just the same but cost no time.
 */
const clusterSchema = z.strictObject({
  /** One lock-manager message on the hosts' network, one way, its processing included. */
  'message-latency': milliseconds().default(0.1),
});

const multipathSchema = z.strictObject({
  policy: z.enum(['failover', 'multibus']).default('failover'),
  selector: z.string().min(1).default('service-time'),
  /** dm-multipath's queue_if_no_path (`queue`) or fail at once (`fail`: multipath-tools' default, no_path_retry fail). */
  'no-path': z.enum(['queue', 'fail']).default('fail'),
});

const thinSchema = z.strictObject({
  size: bytes(),
  /** dm-thin's allocation unit (lvcreate --chunksize): a first write to a chunk maps one; a power of two from 64 KiB to 1 GiB that divides the extent size. */
  'chunk-size': bytes().default(64 * KiB),
  'low-water-mark': ratio().default(0.8),
  'when-full': z.enum(['queue', 'error']).default('queue'),
  'queue-timeout': positiveMilliseconds().default(60_000),
});

const tieringSchema = z.strictObject({
  interval: positiveMilliseconds().default(200),
  'extents-per-pass': z.number().int().positive().default(4),
  'fast-class': z.enum(DEVICE_CLASSES).default('nvme'),
});

const poolSchema = z.strictObject({
  name: name(),
  /** Qualified device names: `array/device` or `host/device`. */
  devices: z.array(z.string().min(1)).min(1, 'a pool needs at least one device'),
  /** Default 4 MiB (16 MiB under network-based, which allows 16 MiB..8 GiB). */
  'extent-size': bytes().optional(),
  allocation: z.string().min(1).default('normal'),
  balance: z.enum(['none', 'free-space', 'load']).default('free-space'),
  spares: z.array(z.string().min(1)).default([]),
  thin: thinSchema.optional(),
  tiering: tieringSchema.optional(),
  'rebuild-rate': rate().default(200 * MiB),
});

export const LAYOUTS = ['linear', 'striped', 'raid1', 'raid5', 'raid10', 'thin'] as const;
export type Layout = (typeof LAYOUTS)[number];

const volumeSchema = z.strictObject({
  name: name(),
  pool: name(),
  layout: z.enum(LAYOUTS).default('linear'),
  size: bytes(),
  /** Data stripes, as LVM's -i: striped and raid10 default 2; raid5 default 3, plus one device for parity. */
  stripes: z.number().int().min(1).optional(),
  'stripe-size': bytes().default(64 * KiB),
  mirrors: z.number().int().min(2).max(4).default(2),
  checksums: z.boolean().default(false),
  /** Unit of version tracking and of I/O. */
  'block-size': bytes().default(4 * KiB),
  allocation: z.string().min(1).optional(),
});

const lunSchema = z.strictObject({
  volume: name(),
  lun: z.number().int().nonnegative().max(16383),
  /** The ACL: initiators (hosts) that may see this LUN. */
  hosts: z.array(name()).min(1),
});

const workloadSchema = z.strictObject({
  host: name(),
  volume: name(),
  'read-ratio': ratio().default(0.7),
  'block-size': bytes().default(4 * KiB),
  pattern: z.enum(['random', 'sequential']).default('random'),
  /** Open loop: I/Os per second (10 M: past any one host's load; more only makes a run take hours). */
  iops: z.number().positive('must be positive').max(1e7, 'at most 1e7 I/Os per second').optional(),
  /** Closed loop: I/Os kept outstanding. */
  'queue-depth': z.number().int().positive().max(4096).optional(),
  /** Stop after this many I/Os. */
  ios: z.number().int().positive().optional(),
  start: milliseconds().default(0),
  duration: positiveMilliseconds().optional(),
});

const at = milliseconds();
const actionSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('fail-device'), at, device: z.string().min(1) }),
  z.strictObject({ action: z.literal('fail-path'), at, path: name() }),
  z.strictObject({ action: z.literal('reinstate-path'), at, path: name() }),
  z.strictObject({ action: z.literal('corrupt'), at, volume: name(), blocks: z.number().int().positive(), copy: z.number().int().nonnegative().default(0) }),
  z.strictObject({ action: z.literal('scrub'), at, volume: name() }),
  z.strictObject({ action: z.literal('extend-thin-pool'), at, pool: name(), by: bytes() }),
  z.strictObject({ action: z.literal('migrate'), at, volume: name(), to: z.array(z.string().min(1)).min(1), rate: rate().default(200 * MiB) }),
  z.strictObject({ action: z.literal('crash'), at }),
  z.strictObject({ action: z.literal('resume-migrations'), at }),
]);

export const MODEL_NAMES = ['host-based', 'device-based', 'network-based'] as const;

export const storageScenarioSchema = z.strictObject({
  /** The JSON Schema editors validate this file against (ignored here). */
  $schema: z.string().optional(),
  name: z.string().optional(),
  /** Plugin modules to load, relative to the scenario file (CLI only). */
  plugins: z.array(z.string().min(1)).optional(),
  seed: z.number().int('must be an integer').nonnegative('must not be negative').default(1),
  model: z.string().min(1).default('host-based'),
  'network-mode': z.enum(['in-band', 'out-of-band']).default('in-band'),
  /** How long workloads run (each may say otherwise). */
  duration: positiveMilliseconds().default(1000),
  /** I/O is summarized into one event per volume per slice (below 1 ms a log holds more slices than I/Os). */
  slice: milliseconds().pipe(z.number().min(1, 'at least 1ms')).default(100),
  /** Simulated-time cap: background work still running then is reported unfinished. */
  'max-duration': positiveMilliseconds().default(600_000),
  hosts: z.array(hostSchema).min(1, 'at least one host'),
  arrays: z.array(arraySchema).default([]),
  fabric: fabricSchema.default(fabricSchema.parse({})),
  multipath: multipathSchema.default(multipathSchema.parse({})),
  // No default: a scenario without it runs (and logs) as before the lock cost existed.
  cluster: clusterSchema.optional(),
  pools: z.array(poolSchema).min(1, 'at least one pool'),
  volumes: z.array(volumeSchema).default([]),
  luns: z.array(lunSchema).default([]),
  workloads: z.array(workloadSchema).default([]),
  events: z.array(actionSchema).default([]),
}).superRefine((s, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const devices = new Set<string>();
  const hostNames = new Set(s.hosts.map((h) => h.name));
  const arrayNames = new Set(s.arrays.map((a) => a.name));
  s.hosts.forEach((h, i) => h.devices.forEach((d, j) => {
    if (devices.has(`${h.name}/${d.name}`)) issue(['hosts', i, 'devices', j, 'name'], 'duplicate device name');
    devices.add(`${h.name}/${d.name}`);
  }));
  s.arrays.forEach((a, i) => {
    if (hostNames.has(a.name)) issue(['arrays', i, 'name'], 'an array and a host share this name');
    a.devices.forEach((d, j) => {
      if (devices.has(`${a.name}/${d.name}`)) issue(['arrays', i, 'devices', j, 'name'], 'duplicate device name');
      devices.add(`${a.name}/${d.name}`);
    });
  });
  s.fabric.paths.forEach((p, i) => {
    if (!hostNames.has(p.host)) issue(['fabric', 'paths', i, 'host'], `unknown host "${p.host}"`);
    if (p.target !== 'appliance' && !arrayNames.has(p.target)) issue(['fabric', 'paths', i, 'target'], `unknown array "${p.target}" (or "appliance")`);
  });
  const pathNames = new Set(s.fabric.paths.map((p) => p.name));
  const pools = new Set<string>();
  const claimed = new Map<string, string>();
  s.pools.forEach((p, i) => {
    if (pools.has(p.name)) issue(['pools', i, 'name'], 'duplicate pool name');
    pools.add(p.name);
    const chunk = p.thin?.['chunk-size'];
    if (chunk !== undefined && (chunk < 64 * KiB || chunk > GiB || (chunk & (chunk - 1)) !== 0)) issue(['pools', i, 'thin', 'chunk-size'], `must be a power of two from 64 KiB to 1 GiB, got ${chunk} bytes`);
    [...p.devices, ...p.spares].forEach((d, j) => {
      const field = j < p.devices.length ? 'devices' : 'spares';
      const index = j < p.devices.length ? j : j - p.devices.length;
      if (!devices.has(d)) issue(['pools', i, field, index], `unknown device "${d}" (use array/device or host/device)`);
      else if (claimed.has(d)) issue(['pools', i, field, index], `device "${d}" already belongs to pool ${claimed.get(d)}`);
      claimed.set(d, p.name);
    });
  });
  const volumes = new Map<string, (typeof s.volumes)[number]>();
  s.volumes.forEach((v, i) => {
    if (volumes.has(v.name)) issue(['volumes', i, 'name'], 'duplicate volume name');
    volumes.set(v.name, v);
    const pool = s.pools.find((p) => p.name === v.pool);
    if (!pool) issue(['volumes', i, 'pool'], `unknown pool "${v.pool}"`);
    if (v.layout === 'thin' && pool && !pool.thin) issue(['volumes', i, 'layout'], `pool ${v.pool} has no thin section`);
    if (v.size % v['block-size'] !== 0) issue(['volumes', i, 'size'], `must be a multiple of block-size (${v['block-size']})`);
    if (v.size / v['block-size'] > 2 ** 28) issue(['volumes', i, 'size'], 'more than 2^28 blocks is not supported');
    if (v['stripe-size'] % v['block-size'] !== 0) issue(['volumes', i, 'stripe-size'], 'must be a multiple of block-size');
    if (v.layout === 'raid5' && v.stripes !== undefined && v.stripes < 2) issue(['volumes', i, 'stripes'], 'raid5 needs at least 2 data stripes (3 devices with parity)');
    if (v.layout === 'raid10' && v.stripes !== undefined && v.stripes < 2) issue(['volumes', i, 'stripes'], 'raid10 needs at least 2 stripes');
  });
  s.luns.forEach((l, i) => {
    if (!volumes.has(l.volume)) issue(['luns', i, 'volume'], `unknown volume "${l.volume}"`);
    l.hosts.forEach((h, j) => { if (!hostNames.has(h)) issue(['luns', i, 'hosts', j], `unknown host "${h}"`); });
    if (s.luns.some((o, k) => k < i && o.lun === l.lun && o.hosts.some((h) => l.hosts.includes(h)))) issue(['luns', i, 'lun'], 'LUN id already used for one of these hosts');
  });
  s.workloads.forEach((w, i) => {
    if (!hostNames.has(w.host)) issue(['workloads', i, 'host'], `unknown host "${w.host}"`);
    const volume = volumes.get(w.volume);
    if (!volume) issue(['workloads', i, 'volume'], `unknown volume "${w.volume}"`);
    else if (w['block-size'] % volume['block-size'] !== 0 || w['block-size'] > volume.size) issue(['workloads', i, 'block-size'], `must be a multiple of the volume's block-size (${volume['block-size']}) no larger than the volume`);
    if ((w.iops === undefined) === (w['queue-depth'] === undefined)) issue(['workloads', i], 'give exactly one of iops (open loop) or queue-depth (closed loop)');
  });
  s.events.forEach((e, i) => {
    if ('device' in e && !devices.has(e.device)) issue(['events', i, 'device'], `unknown device "${e.device}"`);
    if ('path' in e && !pathNames.has(e.path)) issue(['events', i, 'path'], `unknown path "${e.path}"`);
    if ('volume' in e && !volumes.has(e.volume)) issue(['events', i, 'volume'], `unknown volume "${e.volume}"`);
    if ('pool' in e && !pools.has(e.pool)) issue(['events', i, 'pool'], `unknown pool "${e.pool}"`);
    if (e.action === 'migrate') e.to.forEach((d, j) => { if (!devices.has(d)) issue(['events', i, 'to', j], `unknown device "${d}"`); });
  });
});

/** A storage scenario as read: kebab-case keys, units resolved to bytes, bytes/s and ms. */
export type StorageScenario = z.output<typeof storageScenarioSchema>;
export type StorageScenarioInput = z.input<typeof storageScenarioSchema>;
export type VolumeSpec = StorageScenario['volumes'][number];
export type PoolSpec = StorageScenario['pools'][number];
export type WorkloadSpec = StorageScenario['workloads'][number];
export type StorageAction = StorageScenario['events'][number];
export type DeviceSpec = z.output<ReturnType<typeof deviceSchema>>;

/** Validates a storage scenario; every problem names its field. */
export function parseStorageScenario(input: unknown, source?: string): StorageScenario {
  const parsed = storageScenarioSchema.safeParse(input);
  if (!parsed.success) throw new InputError(zodProblems(parsed.error), source);
  return withoutFileReferences(parsed.data);
}
