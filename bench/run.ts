import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Table from 'cli-table3';
import type { GoldenHashes } from './golden-cases';

/**
 * `npm run bench` (issue 7): runs each scenario several times as a child
 * process of the built CLI and reports, per scenario, the median wall time,
 * simulated time per wall time, simulated pages per wall-second, peak RSS and
 * event-log size; writes the same to bench/results.json. Not a test: nothing
 * here asserts a time.
 *
 *   node dist/bench/run.js [--runs N] [--only id,id] [--out FILE]
 */

/** The checkout (bench/scenarios, bench/results.json); the CLI is the one compiled beside this file. */
const ROOT = resolve(process.env.VIRTSIM_ROOT ?? join(__dirname, '..', '..'));
const CLI = join(__dirname, '..', 'bin', 'virtsim.js');
const SCENARIOS = join(ROOT, 'bench', 'scenarios');
const TIME = '/usr/bin/time';

/** What one CLI run printed that the figures need (the `--json` result, one or several keyed by strategy). */
interface RunFigures {
  /** Simulated time, ms (summed over strategies for compare). */
  readonly simulatedMs: number;
  /** Pages that crossed the link (normal + zero), summed likewise; for storage, I/Os completed. */
  readonly pages: number;
  /** log.sha256 per run ('' when the command prints none). */
  readonly hashes: Readonly<Record<string, string>>;
}

interface Scenario {
  readonly id: string;
  readonly description: string;
  /** What `pages` counts: pages sent, or I/Os. */
  readonly unit: 'pages' | 'I/Os';
  /** The CLI arguments; `dir` is this benchmark's scratch directory. */
  args(dir: string): string[];
  /** Files whose total size is the event-log size. */
  logFiles(dir: string): string[];
  /** Runs once, untimed, before the timed runs (e.g. to write the log a replay reads). */
  prepare?(dir: string): void;
  figures(json: unknown): RunFigures;
}

interface MigrateJson {
  readonly strategy: string;
  readonly 'total-time': number;
  readonly ram: { readonly normal: number; readonly duplicate: number };
  readonly log: { readonly sha256: string };
}

function single(json: unknown): RunFigures {
  const result = json as MigrateJson;
  return { simulatedMs: result['total-time'], pages: result.ram.normal + result.ram.duplicate, hashes: { [result.strategy]: result.log.sha256 } };
}

function keyed(json: unknown): RunFigures {
  const results = json as Record<string, MigrateJson>;
  let simulatedMs = 0;
  let pages = 0;
  const hashes: Record<string, string> = {};
  for (const [name, result] of Object.entries(results)) {
    simulatedMs += result['total-time'];
    pages += result.ram.normal + result.ram.duplicate;
    hashes[name] = result.log.sha256;
  }
  return { simulatedMs, pages, hashes };
}

const scenarioFile = (name: string): string => join(SCENARIOS, `${name}.json`);

const MIGRATION_SCENARIOS: readonly Scenario[] = [
  {
    id: 'precopy-64g',
    description: '64 GiB VM, 10 Gbit/s, hot-cold (1 GiB hot, 50k writes/s), pre-copy, qemu policy, events to a file',
    unit: 'pages',
    args: (dir) => ['migrate', '--scenario', scenarioFile('precopy-64g'), '--events', join(dir, 'precopy-64g.ndjson'), '--json'],
    logFiles: (dir) => [join(dir, 'precopy-64g.ndjson')],
    figures: single,
  },
  {
    id: 'postcopy-64g',
    description: 'the same VM, post-copy (reads on: 4 per write), events to a file',
    unit: 'pages',
    args: (dir) => ['migrate', '--scenario', scenarioFile('postcopy-64g'), '--events', join(dir, 'postcopy-64g.ndjson'), '--json'],
    logFiles: (dir) => [join(dir, 'postcopy-64g.ndjson')],
    figures: single,
  },
  {
    id: 'replay-64g',
    description: "virtsim replay of precopy-64g's log",
    unit: 'pages',
    prepare: (dir) => {
      if (!existsSync(join(dir, 'replay-source.ndjson'))) {
        execFileSync(process.execPath, [CLI, 'migrate', '--scenario', scenarioFile('precopy-64g'), '--events', join(dir, 'replay-source.ndjson'), '--json'], { stdio: 'ignore' });
      }
    },
    args: (dir) => ['replay', join(dir, 'replay-source.ndjson'), '--json'],
    logFiles: (dir) => [join(dir, 'replay-source.ndjson')],
    figures: single,
  },
  {
    id: 'compare-16g',
    description: '16 GiB VM, same workload, compare pre-copy, post-copy, hybrid on one trace, one log each',
    unit: 'pages',
    args: (dir) => ['compare', '--scenario', scenarioFile('compare-16g'), '--strategies', 'pre-copy,post-copy,hybrid', '--events-dir', join(dir, 'compare-16g'), '--json'],
    logFiles: (dir) => {
      const logs = join(dir, 'compare-16g');
      return existsSync(logs) ? readdirSync(logs).filter((name) => name.endsWith('.ndjson')).map((name) => join(logs, name)) : [];
    },
    figures: keyed,
  },
];

interface StorageJson {
  readonly model: string;
  readonly elapsed: number;
  readonly volumes: readonly { readonly ios: number }[];
  readonly log: { readonly sha256: string };
}

/** Included when the CLI has a `storage` command (issue 7's storage-1m). */
const STORAGE_SCENARIO: Scenario = {
  id: 'storage-1m',
  description: '1 M random 4 KiB I/Os (70% reads) on a raid1 volume, network-based in-band, events to a file',
  unit: 'I/Os',
  args: (dir) => ['storage', '--scenario', scenarioFile('storage-1m'), '--events', join(dir, 'storage-1m.ndjson'), '--json'],
  logFiles: (dir) => [join(dir, 'storage-1m.ndjson')],
  figures: (json) => {
    const result = json as StorageJson;
    return { simulatedMs: result.elapsed, pages: result.volumes.reduce((sum, volume) => sum + volume.ios, 0), hashes: { [result.model]: result.log.sha256 } };
  },
};

/**
 * sweep-200 (issue 7): 200 runs of a 4 GiB scenario (10 dirty rates x pre-copy, hybrid x 10 seeds), the
 * same sweep with `--jobs 1` (in the CLI's own thread) and `--jobs 2` (that thread and one worker), alternately;
 * reports the speed-up of the median walls and checks both wrote the same bytes. Each sample is 200
 * runs already, so no warm-up and at most 3 samples per setting (the machine drifts: a median of 3).
 * sweep-800 (only with `--only sweep-800`) is the same sweep with 40 seeds: how the speed-up grows once
 * the worker's start and JIT warm-up are spread over more runs.
 */
const SWEEP_SEEDS = { 'sweep-200': 10, 'sweep-800': 40 } as const;
type SweepId = keyof typeof SWEEP_SEEDS;

const sweepArgs = (id: SweepId): string[] => [
  '--vary', 'vm.workload.dirty-rate=10000,20000,30000,40000,50000,60000,70000,80000,90000,100000',
  '--strategies', 'pre-copy,hybrid', '--seeds', String(SWEEP_SEEDS[id]),
];

interface SweepSample {
  readonly wallMs: number;
  readonly cpuMs: number | null;
  readonly rssKiB: number | null;
}

function sweepOnce(dir: string, id: SweepId, jobs: number): SweepSample {
  const out = join(dir, `${id}-jobs-${jobs}.csv`);
  rmSync(out, { force: true }); // a file left by the previous sample would be skipped row by row
  const args = [CLI, 'sweep', '--scenario', scenarioFile('sweep-4g'), ...sweepArgs(id), '--jobs', String(jobs), '--out', out];
  const rssFile = join(dir, 'rss.txt');
  const timed = existsSync(TIME);
  const started = process.hrtime.bigint();
  const child = spawnSync(timed ? TIME : process.execPath, timed ? ['-f', '%M %U %S', '-o', rssFile, process.execPath, ...args] : args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${id} --jobs ${jobs}: exit ${String(child.status)}\n${child.stderr}`);
  const measured = timed ? (readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number) : [];
  return {
    wallMs,
    rssKiB: measured.length === 3 ? measured[0] : null,
    cpuMs: measured.length === 3 ? Math.round((measured[1] + measured[2]) * 1000) : null,
  };
}

function runSweep(dir: string, id: SweepId, runs: number) {
  const samples: Record<1 | 2, SweepSample[]> = { 1: [], 2: [] };
  for (let i = 0; i < Math.min(runs, 3); i++) {
    for (const jobs of [1, 2] as const) samples[jobs].push(sweepOnce(dir, id, jobs));
  }
  const output = (jobs: number): string => readFileSync(join(dir, `${id}-jobs-${jobs}.csv`), 'utf8');
  const rows = output(1).trimEnd().split('\n').length - 1;
  const identical = output(1) === output(2);
  const summary = (list: readonly SweepSample[]) => {
    const cpu = list.map((s) => s.cpuMs).filter((v): v is number => v !== null);
    const rss = list.map((s) => s.rssKiB).filter((v): v is number => v !== null);
    return {
      'wall-ms': { median: round(median(list.map((s) => s.wallMs)), 1), all: list.map((s) => round(s.wallMs, 1)) },
      'cpu-ms': cpu.length ? { median: median(cpu), all: cpu } : null,
      'peak-rss-mib': rss.length ? round(Math.max(...rss) / 1024, 1) : null,
    };
  };
  const one = summary(samples[1]);
  const two = summary(samples[2]);
  return {
    id,
    description: `virtsim sweep over bench/scenarios/sweep-4g.json (4 GiB, hot-cold, 1 GiB hot): ${sweepArgs(id).join(' ')}, --jobs 1 vs --jobs 2`,
    runs: samples[1].length,
    rows,
    'jobs-1': one,
    'jobs-2': two,
    'speed-up': round(one['wall-ms'].median / two['wall-ms'].median, 2),
    'identical-output': identical,
  };
}

interface Sample {
  readonly wallMs: number;
  readonly rssKiB: number | null;
  /** user + system CPU time of the child (10 ms resolution): less disturbed by other load on the machine than wall time. */
  readonly cpuMs: number | null;
  readonly figures: RunFigures;
}

function runOnce(scenario: Scenario, dir: string): Sample {
  const args = [CLI, ...scenario.args(dir)];
  const rssFile = join(dir, 'rss.txt');
  const timed = existsSync(TIME);
  const command = timed ? TIME : process.execPath;
  const commandArgs = timed ? ['-f', '%M %U %S', '-o', rssFile, process.execPath, ...args] : args;
  const started = process.hrtime.bigint();
  const child = spawnSync(command, commandArgs, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${scenario.id}: exit ${String(child.status)}\n${child.stderr}`);
  const measured = timed ? (readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number) : [];
  const rssKiB = measured.length === 3 ? measured[0] : null;
  const cpuMs = measured.length === 3 ? Math.round((measured[1] + measured[2]) * 1000) : null;
  return { wallMs, rssKiB, cpuMs, figures: scenario.figures(JSON.parse(child.stdout)) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function totalBytes(files: readonly string[]): number {
  return files.reduce((sum, file) => sum + (existsSync(file) ? statSync(file).size : 0), 0);
}

/** The CLI's subcommands, to include scenarios whose commands exist yet (storage-1m, the sweeps). */
function cliCommands(): Set<string> {
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  const commands = new Set<string>();
  const section = (help.stdout ?? '').split(/^Commands:$/m)[1] ?? '';
  for (const line of section.split('\n')) {
    const match = /^\s{2}(\S+)/.exec(line);
    if (match) commands.add(match[1]);
  }
  return commands;
}

function goldenLarge(): Readonly<Record<string, string>> {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'bench', 'golden-hashes.json'), 'utf8')) as GoldenHashes).large;
  } catch {
    return {};
  }
}

/** Whether the logs this run wrote are the golden ones (bench/golden-hashes.json), where golden ones exist. */
function logCheck(id: string, hashes: Readonly<Record<string, string>>, golden: Readonly<Record<string, string>>): string {
  const keys = Object.keys(hashes).map((strategy) => (id === 'compare-16g' ? `compare-16g/${strategy}` : id === 'replay-64g' ? 'precopy-64g' : id));
  const known = keys.filter((key) => golden[key] !== undefined);
  if (known.length === 0) return 'n/a';
  const values = Object.values(hashes);
  return known.every((key, i) => golden[key] === values[i]) ? 'golden' : 'CHANGED';
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    return line ? line.split(':')[1].trim() : cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

function option(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

function main(argv: readonly string[]): number {
  if (!existsSync(CLI)) {
    process.stderr.write(`bench: ${CLI} not found; build first (npm run build)\n`);
    return 2;
  }
  const runs = Number(option(argv, '--runs') ?? 5);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write('bench: --runs must be a positive integer\n');
    return 2;
  }
  const only = option(argv, '--only')?.split(',');
  const out = resolve(option(argv, '--out') ?? join(ROOT, 'bench', 'results.json'));
  const commands = cliCommands();
  const skipped: Record<string, string> = {};
  const available = [...MIGRATION_SCENARIOS];
  if (commands.has('storage')) available.push(STORAGE_SCENARIO);
  else skipped['storage-1m'] = 'no `virtsim storage` command in this build';
  // The sweeps (--jobs 2 vs --jobs 1) need `virtsim sweep`; sweep-800 runs only when asked for.
  const sweepsWanted = (Object.keys(SWEEP_SEEDS) as SweepId[])
    .filter((id) => commands.has('sweep') && (only ? only.includes(id) : id === 'sweep-200'));
  if (!commands.has('sweep')) skipped['sweep-200'] = 'no `virtsim sweep` command in this build';
  const scenarios = available.filter((s) => !only || only.includes(s.id));
  const golden = goldenLarge();
  const dir = mkdtempSync(join(tmpdir(), 'virtsim-bench-'));
  const load = loadavg();
  const results = [];
  const sweeps: ReturnType<typeof runSweep>[] = [];
  try {
    for (const scenario of scenarios) {
      scenario.prepare?.(dir);
      runOnce(scenario, dir); // warm-up: file cache, JIT of node itself; not counted
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i++) samples.push(runOnce(scenario, dir));
      const wall = median(samples.map((s) => s.wallMs));
      const figures = samples[0].figures;
      const rss = samples.map((s) => s.rssKiB).filter((v): v is number => v !== null);
      const cpu = samples.map((s) => s.cpuMs).filter((v): v is number => v !== null);
      const result = {
        id: scenario.id,
        description: scenario.description,
        runs,
        'wall-ms': { median: round(wall, 1), min: round(Math.min(...samples.map((s) => s.wallMs)), 1), max: round(Math.max(...samples.map((s) => s.wallMs)), 1), all: samples.map((s) => round(s.wallMs, 1)) },
        'cpu-ms': cpu.length ? { median: median(cpu), all: cpu } : null,
        'simulated-ms': figures.simulatedMs,
        'simulated-per-wall': round(figures.simulatedMs / wall, 0),
        unit: scenario.unit,
        'simulated-units': figures.pages,
        'units-per-wall-second': Math.round(figures.pages / (wall / 1000)),
        'peak-rss-mib': rss.length ? { median: round(median(rss) / 1024, 1), max: round(Math.max(...rss) / 1024, 1) } : null,
        'log-bytes': totalBytes(scenario.logFiles(dir)),
        'log-sha256': figures.hashes,
        'log-check': logCheck(scenario.id, figures.hashes, golden),
      };
      results.push(result);
      process.stderr.write(`${scenario.id}: ${result['wall-ms'].median} ms\n`);
    }
    for (const id of sweepsWanted) {
      const sweep = runSweep(dir, id, runs);
      sweeps.push(sweep);
      process.stderr.write(`${id}: ${sweep['jobs-1']['wall-ms'].median} ms with --jobs 1, ${sweep['jobs-2']['wall-ms'].median} ms with --jobs 2\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const table = new Table({
    style: { head: [], border: [] },
    head: ['scenario', 'median wall', 'median CPU', 'sim/wall', 'simulated/wall-s', 'peak RSS', 'log', 'log hash'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  });
  for (const r of results) {
    table.push([
      r.id,
      `${r['wall-ms'].median.toFixed(0)} ms`,
      r['cpu-ms'] ? `${r['cpu-ms'].median.toFixed(0)} ms` : 'n/a',
      `${r['simulated-per-wall'].toLocaleString('en-US')}x`,
      `${(r['units-per-wall-second'] / 1e6).toFixed(1)} M ${r.unit}`,
      r['peak-rss-mib'] ? `${r['peak-rss-mib'].max.toFixed(0)} MiB` : 'n/a',
      `${(r['log-bytes'] / 2 ** 20).toFixed(1)} MiB`,
      r['log-check'],
    ]);
  }
  if (results.length > 0) process.stdout.write(`${table.toString()}\n`);
  for (const sweep of sweeps) {
    const cpu = (side: typeof sweep['jobs-1']): string => (side['cpu-ms'] ? `, CPU ${side['cpu-ms'].median.toFixed(0)} ms` : '');
    process.stdout.write(`${sweep.id}: ${sweep.rows} runs; --jobs 1 ${sweep['jobs-1']['wall-ms'].median.toFixed(0)} ms${cpu(sweep['jobs-1'])}; `
      + `--jobs 2 ${sweep['jobs-2']['wall-ms'].median.toFixed(0)} ms${cpu(sweep['jobs-2'])}; speed-up ${sweep['speed-up'].toFixed(2)}x`
      + `${sweep.id === 'sweep-200' ? ' (target >= 1.7x)' : ''}; outputs ${sweep['identical-output'] ? 'identical' : 'DIFFER'} (median of ${sweep.runs} each)\n`);
  }
  for (const [id, reason] of Object.entries(skipped)) process.stdout.write(`${id}: skipped (${reason})\n`);
  process.stdout.write(`${runs} timed runs each after one warm-up; load average at start ${load.map((l) => l.toFixed(2)).join(' ')}\n`);

  const report = {
    'generated-at': new Date().toISOString(),
    commit: gitCommit(),
    machine: { cpus: cpus().length, 'cpu-model': cpuModel(), node: process.version, 'load-average-at-start': load.map((l) => round(l, 2)) },
    scenarios: results,
    ...Object.fromEntries(sweeps.map((sweep) => [sweep.id === 'sweep-200' ? 'sweep' : sweep.id, sweep])),
    skipped,
  };
  const temp = `${out}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(temp, out);
  process.stdout.write(`wrote ${out}\n`);
  return results.some((r) => r['log-check'] === 'CHANGED') || sweeps.some((sweep) => !sweep['identical-output']) ? 1 : 0;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

process.exitCode = main(process.argv.slice(2));
