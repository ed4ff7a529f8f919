import { z } from 'zod';
import { parseBytes, parseMilliseconds, parseRate } from '../units';
import { networkSchema } from '../network/scenario';
import { isolationSchema } from '../isolation/scenario';

/** A zod type that accepts a number or a string with a unit, via a unit parser. */
function quantity(parse: (input: unknown) => number) {
  return z.union([z.number(), z.string()]).transform((input, ctx) => {
    try {
      return parse(input);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
}

/** Past 2^53 bytes a size is no longer a whole number in a double: say it is too large, not fractional. */
const byteCount = () => z.number().max(Number.MAX_SAFE_INTEGER, { message: 'too large (at most 2^53 - 1 bytes)', abort: true }).int('must be a whole number of bytes');
export const bytes = () => quantity(parseBytes).pipe(byteCount().positive('must be positive'));
export const bytesOrZero = () => quantity(parseBytes).pipe(byteCount().nonnegative('must not be negative'));
export const rate = () => quantity(parseRate).pipe(z.number().positive('must be positive'));
export const milliseconds = () => quantity(parseMilliseconds).pipe(z.number().nonnegative('must not be negative'));
export const positiveMilliseconds = () => quantity(parseMilliseconds).pipe(z.number().positive('must be positive'));
export const ratio = () => z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const KiB = 1024;

/** The workload's model name; its own fields are checked by the model (see WorkloadModel). */
const workloadSchema = z.looseObject({ model: z.string().min(1).default('uniform') });

const vmSchema = z.strictObject({
  name: z.string().min(1).default('vm0'),
  memory: bytes().default(GiB),
  'page-size': z.number().int().refine((n) => n >= 512 && (n & (n - 1)) === 0, 'must be a power of two, at least 512').default(4096),
  'zero-page-ratio': ratio().default(0),
  vcpus: z.number().int().positive('must be positive').default(2),
  /** CPU state per vCPU (registers, MSRs, XSAVE area). */
  'cpu-state': bytesOrZero().default(8 * KiB),
  /** Emulated device state (virtio queues, timers, interrupt controllers). */
  'device-state': bytesOrZero().default(512 * KiB),
  workload: workloadSchema.default({ model: 'uniform' }),
});

const linkSchema = z.strictObject({
  bandwidth: rate().default(1e9 / 8),
  latency: milliseconds().default(0.1),
  /** Bytes queued in the sender's socket: a post-copy page request waits behind them unless postcopy-preempt. */
  'send-buffer': bytesOrZero().default(2 * MiB),
});

const hostsSchema = z.strictObject({
  source: z.string().min(1).default('host-a'),
  destination: z.string().min(1).default('host-b'),
});

const percent = () => z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');

/** QEMU's migration parameters, with QEMU's names and defaults. */
const parametersSchema = z.strictObject({
  'downtime-limit': milliseconds().default(300),
  'max-bandwidth': rate().default(128 * MiB),
  'cpu-throttle-initial': percent().default(20),
  'cpu-throttle-increment': percent().default(10),
  'max-cpu-throttle': percent().default(99),
  'xbzrle-cache-size': bytes().default(64 * MiB),
  'multifd-channels': z.number().int().min(1, 'must be at least 1').max(255, 'at most 255').default(2),
});

/** QEMU's migration capabilities (all off by default, as in QEMU). */
const capabilitiesSchema = z.strictObject({
  'auto-converge': z.boolean().default(false),
  xbzrle: z.boolean().default(false),
  multifd: z.boolean().default(false),
  'postcopy-ram': z.boolean().default(false),
  'postcopy-preempt': z.boolean().default(false),
  /** QEMU detects zero pages and sends a header only; off sends them in full. */
  'zero-page-detection': z.boolean().default(true),
});

/** Something that fails during the migration, at a time from its start. */
const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('link-down'), at: milliseconds(), duration: positiveMilliseconds() }),
  z.strictObject({ kind: z.literal('host-crash'), at: milliseconds(), host: z.enum(['source', 'destination']) }),
]);

const migrationSchema = z.strictObject({
  strategy: z.string().min(1).default('pre-copy'),
  'stop-policy': z.string().min(1).default('qemu'),
  parameters: parametersSchema.default(parametersSchema.parse({})),
  capabilities: capabilitiesSchema.default(capabilitiesSchema.parse({})),
  /** libvirt's --timeout: after this many ms, take `timeout-action`. */
  timeout: positiveMilliseconds().optional(),
  'timeout-action': z.enum(['suspend', 'cancel']).default('suspend'),
  /** Simulated-time cap so a run that cannot converge still ends (status failed). */
  'max-duration': positiveMilliseconds().default(3_600_000),
  /** hybrid: switch to post-copy after the first round (libvirt's default) or once a round stops shrinking the remainder. */
  'postcopy-switch': z.enum(['after-first-round', 'no-progress']).default('after-first-round'),
  /** Encrypt the migration stream; costs CPU per channel (tls-channel-rate). */
  tls: z.boolean().default(false),
  /** What one sender thread can push (page scanning, copying, socket writes): multifd adds threads. */
  'channel-rate': rate().default(10e9 / 8),
  /** What one thread can encrypt when tls is on. */
  'tls-channel-rate': rate().default(4e9 / 8),
  faults: z.array(faultSchema).default([]),
});

/**
 * The VM's disk during migration: `shared` (NFS/NAS: nothing copied; both
 * hosts must reach the share) or `mirror` (QEMU drive-mirror: bulk copy while
 * the guest writes, dirty blocks re-copied, pivot at switchover).
 */
const storageSchema = z.strictObject({
  mode: z.enum(['shared', 'mirror']).default('shared'),
  disk: bytes().default(8 * GiB),
  /** Mirror granularity (QEMU's default: 64 KiB). */
  'block-size': bytes().refine((n) => n >= 512 && (n & (n - 1)) === 0, 'must be a power of two, at least 512').default(64 * KiB),
  /** Shared mode: the share and the hosts that can reach it (default: both). */
  share: z.strictObject({
    name: z.string().min(1).default('nas0'),
    reachable: z.array(z.string().min(1)).optional(),
  }).optional(),
  /** Guest disk writes: per guest-second, each to a random block of the working set. */
  workload: z.strictObject({
    'write-rate': z.number().nonnegative('must not be negative').default(200),
    'working-set': bytes().optional(),
  }).default({ 'write-rate': 200 }),
});

export const scenarioSchema = z.strictObject({
  /** The JSON Schema editors validate this file against (ignored here). */
  $schema: z.string().optional(),
  name: z.string().optional(),
  /** Plugin modules to load, relative to the scenario file (CLI only). */
  plugins: z.array(z.string().min(1)).optional(),
  seed: z.number().int('must be an integer').nonnegative('must not be negative').default(1),
  vm: vmSchema.default(vmSchema.parse({})),
  hosts: hostsSchema.default(hostsSchema.parse({})),
  link: linkSchema.default(linkSchema.parse({})),
  migration: migrationSchema.default(migrationSchema.parse({})),
  storage: storageSchema.optional(),
  network: z.lazy(networkSchema).optional(),
  isolation: z.lazy(isolationSchema).optional(),
}).superRefine((scenario, ctx) => {
  const pageSize = scenario.vm['page-size'];
  if (scenario.vm.memory % pageSize !== 0) {
    ctx.addIssue({ code: 'custom', path: ['vm', 'memory'], message: `must be a multiple of page-size (${pageSize})` });
  }
  if (scenario.vm.memory / pageSize > 2 ** 31) {
    ctx.addIssue({ code: 'custom', path: ['vm', 'memory'], message: 'more than 2^31 pages is not supported' });
  }
  const storage = scenario.storage;
  if (storage) {
    if (storage.disk % storage['block-size'] !== 0) {
      ctx.addIssue({ code: 'custom', path: ['storage', 'disk'], message: `must be a multiple of block-size (${storage['block-size']})` });
    }
    if ((storage.workload['working-set'] ?? 0) > storage.disk) {
      ctx.addIssue({ code: 'custom', path: ['storage', 'workload', 'working-set'], message: 'must not exceed storage.disk' });
    }
    const reachable = storage.share?.reachable;
    if (storage.mode === 'shared' && reachable) {
      for (const host of [scenario.hosts.source, scenario.hosts.destination]) {
        if (!reachable.includes(host)) {
          ctx.addIssue({ code: 'custom', path: ['storage', 'share', 'reachable'], message: `${host} cannot reach share ${storage.share?.name ?? 'nas0'}: migration refused (shared storage must be reachable from both hosts)` });
        }
      }
    }
  }
  if (scenario.hosts.source === scenario.hosts.destination) {
    ctx.addIssue({ code: 'custom', path: ['hosts', 'destination'], message: 'must differ from hosts.source' });
  }
});

/** A scenario as read: kebab-case keys, units resolved to bytes, bytes/s and ms. */
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type WorkloadSpec = Scenario['vm']['workload'];
export type MigrationCapability = keyof Scenario['migration']['capabilities'];

/**
 * The VM's page count. Truncated, though memory is a multiple of the page
 * size: a quotient of a memory above 2^31 bytes is a heap double in V8, and
 * page bitmaps that stored it had another hidden class than those built
 * from small integers, which deoptimized the code using both.
 */
export function vmPages(vm: Scenario['vm']): number {
  return Math.trunc(vm.memory / vm['page-size']);
}
