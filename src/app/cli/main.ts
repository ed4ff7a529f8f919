#!/usr/bin/env node
import 'reflect-metadata';
import { normalize } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Command, CommanderError, Option } from 'commander';
import { InputError } from '../../domain/errors';
import { createRegistry } from '../../infrastructure/container/built-ins';
import type { StrategyRegistry } from '../../infrastructure/container/strategy-registry';
import { loadPlugins } from '../../infrastructure/plugins/plugin-loader';
import { listPlugins } from '../../infrastructure/plugins/plugin-listing';
import { LOG_FORMAT } from '../../infrastructure/event-store/log-format';
import { checkDistinctOutputs, checkOutputDirectory, checkOutputFile } from '../../infrastructure/output-files';
import { nearestPackageInfo } from '../../infrastructure/package-info';
import { formatComparison, formatMigration } from '../reports/migration-text';
import { compareStrategiesInParallel } from '../use-cases/compare';
import { replayAny, type MigrationReplay } from '../use-cases/replay';
import type { StorageReplay } from '../use-cases/replay-storage';
import type * as StorageText from '../reports/storage-text';
import { reportFor, type ReportCollector } from '../reports/report-file';
import type { RunReport } from '../reports/report-fold';
import type * as StorageRun from '../use-cases/run-storage';
import { runMigration } from '../use-cases/run-migration';
import { readScenarioFile } from '../use-cases/scenario-input';
import { collect, list, nonNegativeInteger, positiveInteger } from './options';
import { addSweepCommand } from './sweep-command';
import type { MigrationResult } from '../../domain/migration/result';

/** Exit statuses: 0 simulated (whatever the migration's status), 2 bad input, 3 inconsistent memory. */
export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INCONSISTENT = 3;

/**
 * Storage's modules load only for the commands that use them: a migration
 * should not pay for them at start-up (benchmarks count start-up).
 */
function storageModules(): typeof StorageRun & typeof StorageText {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return { ...(require('../use-cases/run-storage') as typeof StorageRun), ...(require('../reports/storage-text') as typeof StorageText) };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

const PLUGIN_HELP = 'load strategies from a plugin module (repeatable)';
const REPORT_HELP = 'also write an HTML report with charts here (self-contained, no script)';
const SET_HELP = 'override a scenario field, e.g. link.bandwidth=10Gbit/s; a number indexes an element the list has, from 0: network.clients.0.app-timeout=2s (repeatable)';


function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * `--workload-from LOG` replaces the workload with the writes that log
 * recorded. The path is normalized (`./x` is `x`): the log records it, and
 * two spellings of one file must not write two logs.
 */
function withWorkloadFrom(set: readonly string[], log: string | undefined): string[] {
  return log === undefined ? [...set] : [...set, `vm.workload=${JSON.stringify({ model: 'trace', from: normalize(log) })}`];
}

/** A registry with the built-ins and every plugin {@link listPlugins} finds. */
async function registryWith(flagPlugins: readonly string[], scenario: unknown, scenarioPath: string | undefined): Promise<StrategyRegistry> {
  const registry = createRegistry();
  await loadPlugins(listPlugins(flagPlugins, scenario, scenarioPath), registry);
  return registry;
}

/** The same plugins' paths, for worker threads to load. */
function pluginPaths(flagPlugins: readonly string[], scenario: unknown, scenarioPath: string | undefined): string[] {
  return listPlugins(flagPlugins, scenario, scenarioPath).map((plugin) => plugin.path);
}

/**
 * Checks every output path before anything runs (each can be written, no
 * file is named twice) and returns the report's collector, if one was asked for.
 */
function checkOutputs(log: { readonly flag: string; readonly path?: string; readonly directory?: boolean }, reportPath: string | undefined): ReportCollector | undefined {
  if (log.path !== undefined) (log.directory ? checkOutputDirectory : checkOutputFile)(log.flag, log.path);
  const report = reportFor(reportPath);
  checkDistinctOutputs([{ flag: log.flag, path: log.path }, { flag: '--report', path: reportPath }]);
  return report;
}

/**
 * Several logs replay as the comparison their runs printed: all of one kind,
 * from one scenario, seed and set of plugins (as compare and storage
 * --models run them), one run per strategy (or storage model), as compare's
 * rows are keyed.
 */
function checkComparable(files: readonly string[], replayed: readonly (MigrationReplay | StorageReplay)[]): void {
  const seen = new Map<string, string>();
  const first = replayed[0];
  const firstScenario = comparedScenario(first);
  replayed.forEach((run, index) => {
    const file = files[index];
    if (run.kind !== first.kind) throw InputError.at('line 1', `a ${run.kind} log cannot be compared with ${files[0]}, a ${first.kind} log`, file);
    const differs = [
      run.header.seed !== first.header.seed && `seed ${run.header.seed}, not ${first.header.seed}`,
      !isDeepStrictEqual(comparedScenario(run), firstScenario) && 'another scenario',
      !isDeepStrictEqual(run.header.plugins, first.header.plugins) && 'other plugins',
    ].filter(Boolean);
    if (differs.length > 0) {
      throw InputError.at('line 1', `not from the same comparison as ${files[0]} (${differs.join('; ')}): a comparison's runs share one scenario, seed and plugins`, file);
    }
    // network-based runs in either mode: each mode is a model of its own here, as in storage --models.
    const name = run.kind === 'storage' ? [run.result.model, run.result.mode].filter(Boolean).join(':') : run.result.strategy;
    const earlier = seen.get(name);
    if (earlier !== undefined) throw InputError.at('line 1', `${name} again (as in ${earlier}): a comparison shows one run per ${run.kind === 'storage' ? 'model' : 'strategy'}`, file);
    seen.set(name, file);
  });
}

/** A run's scenario without what a comparison varies: the strategy (and the postcopy-ram it turns on), or the storage model and its mode. */
function comparedScenario(run: MigrationReplay | StorageReplay): unknown {
  const scenario = structuredClone(run.header.scenario) as Record<string, unknown> & { migration?: { strategy?: unknown; capabilities?: Record<string, unknown> } };
  if (run.kind === 'migration') {
    delete scenario.migration?.strategy;
    delete scenario.migration?.capabilities?.['postcopy-ram'];
  } else {
    delete scenario.model;
    delete scenario['network-mode'];
  }
  return scenario;
}

function exitFor(result: MigrationResult): number {
  return result.verification.consistent ? EXIT_OK : EXIT_INCONSISTENT;
}

/** virtsim's version (from its package.json, found from this file in dist/ whether bundled or not) and the log format it writes. */
function versionText(): string {
  const own = nearestPackageInfo(__filename);
  return `${own.name === 'virtsim' && own.version ? own.version : 'unknown'} (event log format ${LOG_FORMAT})`;
}

export function buildCli(setExit: (code: number) => void): Command {
  const program = new Command('virtsim')
    .description('Event-sourced simulator of VM live migration and storage virtualization')
    .version(versionText(), '-V, --version', 'print the version and the event-log format it writes')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  program.command('migrate')
    .description('run one live migration and print its result (query-migrate shape with --json)')
    .option('--scenario <file>', 'scenario JSON file (default: the built-in scenario)')
    .option('--strategy <name>', 'migration strategy (overrides migration.strategy)')
    .option('--stop-policy <name>', 'pre-copy stop policy (overrides migration.stop-policy)')
    .option('--seed <n>', 'random seed (overrides seed)', nonNegativeInteger)
    .option('--set <key=value>', SET_HELP, collect, [])
    .option('--workload-from <log>', 'run against the page writes recorded in an earlier event log')
    .option('--events <file>', 'write the event log (NDJSON) here')
    .option('--plugin <path>', PLUGIN_HELP, collect, [])
    .option('--json', 'print the result as JSON')
    .option('--report <file.html>', REPORT_HELP)
    .action(async (opts) => {
      const report = checkOutputs({ flag: '--events', path: opts.events }, opts.report);
      const scenario = opts.scenario ? readScenarioFile(opts.scenario) : undefined;
      const run = runMigration({
        registry: await registryWith(opts.plugin, scenario, opts.scenario),
        scenario,
        source: opts.scenario,
        set: withWorkloadFrom(opts.set, opts.workloadFrom),
        strategy: opts.strategy,
        stopPolicy: opts.stopPolicy,
        seed: opts.seed,
        eventsPath: opts.events,
        report: report !== undefined,
      });
      if (report) {
        report.add(run.report as RunReport);
        report.write();
      }
      if (opts.json) printJson(run.result);
      else process.stdout.write(formatMigration(run.result));
      setExit(exitFor(run.result));
    });

  program.command('compare')
    .description('run several strategies on the same scenario and workload trace, one row each')
    .option('--scenario <file>', 'scenario JSON file (default: the built-in scenario)')
    .option('--strategies <names>', 'comma-separated strategies', list, ['pre-copy', 'post-copy', 'hybrid'])
    .option('--stop-policy <name>', 'pre-copy stop policy (overrides migration.stop-policy)')
    .option('--seed <n>', 'random seed (overrides seed)', nonNegativeInteger)
    .option('--set <key=value>', SET_HELP, collect, [])
    .option('--workload-from <log>', 'run every strategy against the page writes recorded in an earlier event log')
    .option('--events-dir <dir>', 'write one event log per strategy here (STRATEGY.ndjson)')
    .option('--jobs <n>', 'threads running strategies side by side (default 1); output is the same for any n', positiveInteger)
    .option('--plugin <path>', PLUGIN_HELP, collect, [])
    .option('--json', 'print an object keyed by strategy, each value what migrate --json prints')
    .option('--report <file.html>', REPORT_HELP)
    .action(async (opts) => {
      const report = checkOutputs({ flag: '--events-dir', path: opts.eventsDir, directory: true }, opts.report);
      const scenario = opts.scenario ? readScenarioFile(opts.scenario) : undefined;
      const results = await compareStrategiesInParallel({
        registry: await registryWith(opts.plugin, scenario, opts.scenario),
        plugins: pluginPaths(opts.plugin, scenario, opts.scenario),
        jobs: opts.jobs,
        scenario,
        source: opts.scenario,
        set: withWorkloadFrom(opts.set, opts.workloadFrom),
        strategies: opts.strategies,
        stopPolicy: opts.stopPolicy,
        seed: opts.seed,
        eventsDir: opts.eventsDir,
        onReport: report ? (_strategy, run) => report.add(run) : undefined,
      });
      report?.write();
      if (opts.json) printJson(results);
      else process.stdout.write(formatComparison(results));
      setExit(Object.values(results).every((result) => result.verification.consistent) ? EXIT_OK : EXIT_INCONSISTENT);
    });

  program.command('storage')
    .description('run a storage-virtualization scenario under one model, or compare models on the same volumes and I/O trace')
    .requiredOption('--scenario <file>', 'storage scenario JSON file')
    .option('--model <name>', 'host-based, device-based, network-based or network-based:out-of-band (default: the scenario\'s)')
    .option('--models <names>', 'comma-separated models to compare on the same trace', list)
    .option('--events <file>', 'write the event log (NDJSON) here (one model only)')
    .option('--events-dir <dir>', 'with --models: write one event log per model here (MODEL.ndjson; network-based-out-of-band.ndjson for network-based:out-of-band)')
    .option('--plugin <path>', PLUGIN_HELP, collect, [])
    .option('--json', 'print the result as JSON')
    .option('--report <file.html>', REPORT_HELP)
    .action(async (opts) => {
      const { compareStorage, formatStorage, formatStorageComparison, runStorage } = storageModules();
      if (opts.eventsDir !== undefined && !opts.models) throw InputError.at('--events-dir', 'needs --models (one model writes its log with --events)');
      const report = opts.eventsDir !== undefined
        ? checkOutputs({ flag: '--events-dir', path: opts.eventsDir, directory: true }, opts.report)
        : checkOutputs({ flag: '--events', path: opts.events }, opts.report);
      const scenario = readScenarioFile(opts.scenario);
      const registry = await registryWith(opts.plugin, scenario, opts.scenario);
      if (opts.models) {
        if (opts.model || opts.events) throw InputError.at('--models', 'cannot be combined with --model or --events');
        const comparison = compareStorage({ scenario, source: opts.scenario, models: opts.models, registry, report: report !== undefined, eventsDir: opts.eventsDir });
        const results = comparison.runs.map((run) => run.result);
        if (report) {
          for (const run of comparison.runs) report.add(run.report as RunReport);
          report.write();
        }
        if (opts.json) printJson({ models: results });
        else process.stdout.write(formatStorageComparison(results));
        setExit(results.every((r) => r.verification.consistent) ? EXIT_OK : EXIT_INCONSISTENT);
        return;
      }
      const run = runStorage({ scenario, source: opts.scenario, model: opts.model, eventsPath: opts.events, registry, report: report !== undefined });
      if (report) {
        report.add(run.report as RunReport);
        report.write();
      }
      if (opts.json) printJson(run.result);
      else process.stdout.write(formatStorage(run.result));
      setExit(run.result.verification.consistent ? EXIT_OK : EXIT_INCONSISTENT);
    });

  program.command('replay')
    .description('verify event logs and fold each into the same result its run printed; several logs print the comparison compare or storage --models printed')
    .argument('<files...>', 'event logs written with --events or --events-dir (several: one per strategy, or per storage model, in the order to show them)')
    .option('--json', 'print the result as JSON')
    .option('--report <file.html>', 'also write the HTML report the run would have written with --report')
    .action((files: string[], opts) => {
      const report = reportFor(opts.report);
      const replayed = files.map((file) => replayAny(file));
      if (files.length > 1) checkComparable(files, replayed);
      if (report) {
        for (const file of files) report.addLogFile(file);
        report.write();
      }
      if (replayed.every((run) => run.kind === 'storage')) {
        const results = replayed.map((run) => run.result);
        const { formatStorage, formatStorageComparison } = storageModules();
        // One log prints what `storage` printed; several, what `storage --models` did.
        if (opts.json) printJson(results.length === 1 ? results[0] : { models: results });
        else process.stdout.write(results.length === 1 ? formatStorage(results[0]) : formatStorageComparison(results));
        setExit(results.every((result) => result.verification.consistent) ? EXIT_OK : EXIT_INCONSISTENT);
        return;
      }
      const runs = replayed as MigrationReplay[];
      // One log prints what `migrate` printed; several, what `compare` did.
      const results = Object.fromEntries(runs.map((run) => [run.result.strategy, run.result]));
      if (opts.json) printJson(runs.length === 1 ? runs[0].result : results);
      else process.stdout.write(runs.length === 1 ? formatMigration(runs[0].result) : formatComparison(results));
      setExit(runs.every((run) => run.result.verification.consistent) ? EXIT_OK : EXIT_INCONSISTENT);
    });

  program.command('list')
    .description('list registered strategies, stop policies and workloads')
    .option('--plugin <path>', PLUGIN_HELP, collect, [])
    .option('--json', 'print as JSON')
    .action(async (opts) => {
      const entries = (await registryWith(opts.plugin, undefined, undefined)).list();
      if (opts.json) {
        printJson(entries);
        return;
      }
      for (const entry of entries) {
        process.stdout.write(`${entry.kind.padEnd(20)} ${entry.name.padEnd(16)} ${entry.version.padEnd(8)} ${entry.origin.padEnd(10)} ${entry.description}\n`);
      }
    });

  addSweepCommand(program, { pluginPaths, registryWith, setExit });

  program.addOption(new Option('--no-color').hideHelp());
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildCli((code) => { exitCode = code; });
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; anything else commander rejects is bad input.
      return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    if (error instanceof InputError) {
      process.stderr.write(`virtsim: ${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}

if (require.main === module) {
  // A reader that stops early (`| head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}

