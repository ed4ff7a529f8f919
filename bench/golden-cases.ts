/**
 * The runs whose event logs must stay byte-identical across performance work
 * (issue 7). `small` cases run in the jest test
 * test/performance/log-stability.test.ts; `large` ones are re-checked by hand
 * with `node dist/bench/golden.js --large`. Hashes live in
 * bench/golden-hashes.json, written by `node dist/bench/golden.js --record`.
 */
export interface GoldenCase {
  readonly name: string;
  /** Raw scenario: a path under bench/scenarios (string) or an inline object; absent = the built-in default. */
  readonly scenario?: string | Record<string, unknown>;
  readonly strategy?: string;
  readonly stopPolicy?: string;
  readonly set?: readonly string[];
}

const small1g = (workload: Record<string, unknown>, migration: Record<string, unknown> = {}, vm: Record<string, unknown> = {}): Record<string, unknown> => ({
  seed: 11,
  vm: { memory: '1GiB', workload, ...vm },
  link: { bandwidth: '10Gbit/s', latency: '100us' },
  migration: { parameters: { 'max-bandwidth': '10Gbit/s' }, ...migration },
});

const hot = { model: 'hot-cold', 'hot-set': '64MiB', 'dirty-rate': 20000 };

export const SMALL_CASES: readonly GoldenCase[] = [
  { name: 'builtin-pre-copy', strategy: 'pre-copy' },
  { name: 'builtin-post-copy', strategy: 'post-copy' },
  { name: 'builtin-hybrid', strategy: 'hybrid' },
  { name: 'pass-threshold-uniform', scenario: small1g({ model: 'uniform', 'dirty-rate': 20000, 'working-set': '256MiB' }), stopPolicy: 'pass-threshold' },
  { name: 'xen-uniform', scenario: small1g({ model: 'uniform', 'dirty-rate': 200000, 'working-set': '512MiB' }, {}, { 'zero-page-ratio': 0.3 }), stopPolicy: 'xen' },
  { name: 'xen-hot-cold', scenario: small1g(hot, { parameters: { 'max-bandwidth': '2Gbit/s' } }), stopPolicy: 'xen' },
  {
    name: 'xbzrle-hot-cold',
    scenario: small1g({ ...hot, 'write-size': 256 }, { parameters: { 'max-bandwidth': '2Gbit/s', 'xbzrle-cache-size': '32MiB' }, capabilities: { xbzrle: true } }),
  },
  {
    name: 'auto-converge-uniform',
    scenario: small1g({ model: 'uniform', 'dirty-rate': 60000, 'working-set': '256MiB' }, { parameters: { 'max-bandwidth': '1Gbit/s' }, capabilities: { 'auto-converge': true } }, { memory: '256MiB' }),
  },
  { name: 'zero-pages-idle', scenario: small1g({ model: 'idle' }, {}, { 'zero-page-ratio': 0.5 }) },
  { name: 'multifd-tls', scenario: small1g(hot, { parameters: { 'max-bandwidth': '10Gbit/s', 'multifd-channels': 4 }, capabilities: { multifd: true }, tls: true }) },
  { name: 'post-copy-preempt', scenario: small1g(hot, { capabilities: { 'postcopy-preempt': true } }, { 'zero-page-ratio': 0.2 }), strategy: 'post-copy' },
  { name: 'post-copy-link-down', scenario: small1g(hot, { faults: [{ kind: 'link-down', at: '300ms', duration: '200ms' }] }), strategy: 'post-copy' },
  { name: 'post-copy-dest-crash', scenario: small1g(hot, { faults: [{ kind: 'host-crash', at: '400ms', host: 'destination' }] }), strategy: 'post-copy' },
  { name: 'pre-copy-link-down', scenario: small1g(hot, { faults: [{ kind: 'link-down', at: '300ms', duration: '200ms' }] }) },
  {
    name: 'hybrid-no-progress',
    scenario: small1g({ model: 'uniform', 'dirty-rate': 80000, 'working-set': '256MiB' }, { 'postcopy-switch': 'no-progress', parameters: { 'max-bandwidth': '1Gbit/s' } }, { memory: '256MiB' }),
    strategy: 'hybrid',
  },
  {
    name: 'timeout-cancel',
    scenario: small1g({ model: 'uniform', 'dirty-rate': 150000, 'working-set': '1GiB' }, { parameters: { 'max-bandwidth': '1Gbit/s' }, timeout: 1000, 'timeout-action': 'cancel' }),
  },
];

export const LARGE_CASES: readonly GoldenCase[] = [
  { name: 'precopy-64g', scenario: 'precopy-64g.json' },
  { name: 'postcopy-64g', scenario: 'postcopy-64g.json' },
  { name: 'compare-16g/pre-copy', scenario: 'compare-16g.json', strategy: 'pre-copy' },
  { name: 'compare-16g/post-copy', scenario: 'compare-16g.json', strategy: 'post-copy' },
  { name: 'compare-16g/hybrid', scenario: 'compare-16g.json', strategy: 'hybrid' },
];

export interface GoldenHashes {
  readonly note: string;
  /** name -> sha256 of the event log, as `--json` prints under log.sha256. */
  readonly small: Readonly<Record<string, string>>;
  readonly large: Readonly<Record<string, string>>;
}
