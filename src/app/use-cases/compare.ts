import { InputError } from '../../domain/errors';
import type { MigrationResult } from '../../domain/migration/result';
import { createRegistry } from '../../infrastructure/container/built-ins';
import type { StrategyRegistry } from '../../infrastructure/container/strategy-registry';
import { loadPlugins } from '../../infrastructure/plugins/plugin-loader';
import { SharedTrace } from '../../infrastructure/simulation/shared-trace';
import { checkWorkersCanRun, runMigrationTask, taskError, type MigrationTask, type MigrationTaskResult } from './migration-worker';
import { resolveScenario } from './scenario-input';
import { checkDistinctNames, checkOptionalString, checkOptionalStringList, checkOptionsObject, checkStringList } from './library-options';
import { checkChoiceTypes, runMigration, type RunMigrationOptions } from './run-migration';
import { logPathsIn, StagedLogs } from './staged-logs';
import type { RunReport } from '../reports/report-fold';
import { runShared, WorkerPool } from './worker-pool';

export interface CompareOptions extends Omit<RunMigrationOptions, 'strategy' | 'eventsPath' | 'eventsFlag' | 'stageEvents' | 'keepLog' | 'report' | 'events'> {
  readonly strategies: readonly string[];
  /** Write one log per strategy here, as STRATEGY.ndjson. */
  readonly eventsDir?: string;
  /** Receives each strategy's event log (NDJSON text) as its run ends; a text cannot pass V8's longest string (~512 MiB). */
  readonly onLog?: (strategy: string, logText: string) => void;
  /**
   * Receives each strategy's report (what renderReport draws), folded as its
   * log was written: unlike a log's text, it does not grow with the log.
   */
  readonly onReport?: (strategy: string, report: RunReport) => void;
}

export interface ParallelCompareOptions extends Omit<CompareOptions, 'sharedTrace'> {
  /** Threads, this one included, at most one per strategy (default 1: this thread only). */
  readonly jobs?: number;
  /**
   * Plugin modules each worker loads (and a default registry, when none is given); default: the files
   * `loadPlugin` loaded into `registry` (a strategy registered on it directly exists in this thread only).
   */
  readonly plugins?: readonly string[];
}

/** Every option compareStrategies takes: it refuses others (the type makes the list complete). */
const COMPARE_OPTIONS: Readonly<Record<keyof CompareOptions, true>> = {
  scenario: true, source: true, set: true, vary: true, stopPolicy: true, seed: true, registry: true, sharedTrace: true, resolved: true,
  strategies: true, eventsDir: true, onLog: true, onReport: true,
};

/** compareStrategiesInParallel's: compareStrategies' but sharedTrace, and jobs and plugins. */
const PARALLEL_COMPARE_OPTIONS: Readonly<Record<keyof ParallelCompareOptions, true>> = {
  scenario: true, source: true, set: true, vary: true, stopPolicy: true, seed: true, registry: true, resolved: true,
  strategies: true, eventsDir: true, onLog: true, onReport: true, jobs: true, plugins: true,
};

/** The types of a compare's own options, and of those it passes on to each run. */
function checkCompareTypes(entry: string, options: ParallelCompareOptions, known: Readonly<Record<string, true>>): void {
  if (options !== null && typeof options === 'object' && (options as { events?: unknown }).events !== undefined) {
    // Each run would complete one shared observer: a compare's runs are observed through their logs.
    throw InputError.at('events', 'a compare takes no observer: observe each run with runMigration, or replay each log onLog hands over');
  }
  checkOptionsObject(entry, options, known);
  checkStringList('strategies', options.strategies);
  checkChoiceTypes(options);
  checkOptionalString('eventsDir', options.eventsDir);
  checkOptionalStringList('plugins', options.plugins, 'paths');
  if (options.onLog !== undefined && typeof options.onLog !== 'function') throw InputError.at('onLog', 'must be a function');
  if (options.onReport !== undefined && typeof options.onReport !== 'function') throw InputError.at('onReport', 'must be a function');
}

/** Checks the list before anything runs: not empty, no name twice, every name registered. */
function checkStrategies(strategies: readonly string[], registry: StrategyRegistry): void {
  checkDistinctNames('--strategies', strategies, 'strategy');
  for (const name of strategies) registry.describe('migration-strategy', name, '--strategies');
}

/** A strategy's run, back from whichever thread ran it. */
type FinishedRun = Extract<MigrationTaskResult, { result: unknown }>;

const EVENTS_DIR = '--events-dir';

/** Each strategy's log path (DIR/STRATEGY.ndjson), checked before anything runs; none without `eventsDir`. */
function logPaths(options: CompareOptions): ReadonlyMap<string, string> {
  return logPathsIn(EVENTS_DIR, options.eventsDir, options.strategies);
}

/**
 * Runs several strategies on the same scenario and seed. The workload is a
 * pure function of (seed, model, guest time), or a recorded trace, so every
 * strategy meets the very same sequence of page accesses; it is drawn once
 * and shared (SharedTrace).
 */
export function compareStrategies(options: CompareOptions): Record<string, MigrationResult> {
  checkCompareTypes('compareStrategies', options, COMPARE_OPTIONS);
  const registry = options.registry ?? createRegistry();
  checkStrategies(options.strategies, registry);
  const paths = logPaths(options);
  const staged = new StagedLogs(paths.values(), EVENTS_DIR);
  try {
    const results: Record<string, MigrationResult> = {};
    const sharedTrace = options.sharedTrace ?? new SharedTrace();
    for (const name of options.strategies) {
      const run = runMigration({
        scenario: options.scenario,
        source: options.source,
        set: options.set,
        vary: options.vary,
        stopPolicy: options.stopPolicy,
        seed: options.seed,
        resolved: options.resolved,
        registry,
        sharedTrace,
        strategy: name,
        eventsPath: paths.get(name),
        eventsFlag: EVENTS_DIR,
        stageEvents: true,
        keepLog: options.onLog !== undefined,
        report: options.onReport !== undefined,
      });
      if (run.logText !== undefined) options.onLog?.(name, run.logText);
      if (run.report !== undefined) options.onReport?.(name, run.report);
      results[name] = run.result;
    }
    staged.publish();
    return results;
  } finally {
    staged.release();
  }
}

/**
 * {@link compareStrategies} on several threads: this one and `jobs - 1`
 * workers take the strategies from one shared counter, each thread drawing
 * the workload once for the strategies it runs. Results, logs and the order
 * of `onLog` and `onReport` calls are the same whatever `jobs` is.
 */
export async function compareStrategiesInParallel(options: ParallelCompareOptions): Promise<Record<string, MigrationResult>> {
  checkCompareTypes('compareStrategiesInParallel', options, PARALLEL_COMPARE_OPTIONS);
  if (options.jobs !== undefined && (!Number.isInteger(options.jobs) || options.jobs < 1)) {
    throw InputError.at('--jobs', `must be a positive integer, got ${String(options.jobs)}`);
  }
  const jobs = Math.min(options.jobs ?? 1, options.strategies.length);
  // Workers load their modules while this thread checks the names.
  const pool = jobs > 1 ? new WorkerPool(jobs - 1) : undefined;
  let staged: StagedLogs | undefined;
  try {
    let registry = options.registry;
    if (!registry) {
      registry = createRegistry();
      await loadPlugins(options.plugins ?? [], registry);
    }
    if (!pool) {
      const { jobs: _jobs, plugins: _plugins, ...here } = options;
      return compareStrategies({ ...here, registry });
    }
    checkStrategies(options.strategies, registry);
    const here = registry;
    // Resolving each run's scenario here costs the main thread: only when there is something to find.
    if (here.hasThreadOnlyClasses()) checkWorkersCanRun(here, options.strategies.map((strategy) => resolveScenario({ ...options, strategy }, here)));
    const paths = logPaths(options);
    staged = new StagedLogs(paths.values(), EVENTS_DIR);
    const sharedTrace = new SharedTrace();
    const tasks = options.strategies.map((name, index): MigrationTask => ({
      index, scenario: options.scenario, source: options.source, set: options.set, strategy: name,
      stopPolicy: options.stopPolicy, seed: options.seed, plugins: options.plugins ?? here.pluginFiles, reply: 'result',
      eventsPath: paths.get(name), eventsFlag: EVENTS_DIR, stageEvents: true, keepLog: options.onLog !== undefined,
      report: options.onReport !== undefined,
    }));
    const finished: (FinishedRun | undefined)[] = tasks.map(() => undefined);
    await runShared(pool, {
      tasks,
      shareTrace: true,
      runHere: (task) => runMigrationTask(task, here, sharedTrace),
      accept: (result) => {
        if ('error' in result) throw taskError(result);
        if (!('result' in result)) throw new Error(`compare run ${result.index} replied without a result`);
        finished[result.index] = result;
      },
    });
    const results: Record<string, MigrationResult> = {};
    options.strategies.forEach((name, index) => {
      const run = finished[index] as FinishedRun;
      if (run.logText !== undefined) options.onLog?.(name, run.logText);
      if (run.report !== undefined) options.onReport?.(name, run.report);
      results[name] = run.result;
    });
    staged.publish();
    return results;
  } finally {
    await pool?.destroy();
    // After the workers are gone: none of them is still writing a log.
    staged?.release();
  }
}
