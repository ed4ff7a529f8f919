import 'reflect-metadata';
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { InputError, type FieldProblem } from '../../domain/errors';
import type { MigrationResult } from '../../domain/migration/result';
import type { RunReport } from '../reports/report-fold';
import type { Scenario } from '../../domain/scenario/schema';
import { createRegistry } from '../../infrastructure/container/built-ins';
import { LOCAL_ORIGIN, type StrategyRegistry } from '../../infrastructure/container/strategy-registry';
import { loadPlugins } from '../../infrastructure/plugins/plugin-loader';
import { SharedTrace } from '../../infrastructure/simulation/shared-trace';
import { runMigration } from './run-migration';
import type { ScenarioChoices } from './scenario-input';
import { figuresOf, type SweepFigures } from './sweep-figures';

/**
 * One migration run of a sweep or a compare: the worker threads' entry point
 * (compiled to dist/src/app/use-cases/migration-worker.js, bundled to
 * dist/bin/migration-worker.js; worker-pool.ts starts it) and the in-thread
 * path alike, so both compute exactly the same results.
 */

/** What the main thread sends a worker: plain data (structured clone). */
export interface MigrationTask extends ScenarioChoices {
  readonly index: number;
  readonly strategy: string;
  /** Plugin modules to load into the worker's registry. */
  readonly plugins: readonly string[];
  /** `figures`: a sweep's row; `result`: the whole result, as `runMigration` returns it. */
  readonly reply: 'figures' | 'result';
  /** Write the run's log here (atomically). */
  readonly eventsPath?: string;
  /** runMigration's `eventsFlag` and `stageEvents`. */
  readonly eventsFlag?: string;
  readonly stageEvents?: boolean;
  /** Send the log's text back too (compare's `onLog`). */
  readonly keepLog?: boolean;
  /** Send the run's report back too, folded as its log was written (compare's `onReport`). */
  readonly report?: boolean;
  /** The scenario the choices resolve to, if the sender resolved them already (runMigration's `resolved`). */
  readonly resolved?: Scenario;
}

/** Errors cross the thread boundary as data so an InputError stays one. */
export type MigrationTaskResult =
  | { readonly index: number; readonly figures: SweepFigures }
  | { readonly index: number; readonly result: MigrationResult; readonly logText?: string; readonly report?: RunReport }
  | { readonly index: number; readonly error: { readonly message: string; readonly problems?: readonly FieldProblem[]; readonly source?: string } };

export function runMigrationTask(task: MigrationTask, registry: StrategyRegistry, sharedTrace?: SharedTrace): MigrationTaskResult {
  try {
    const run = runMigration({
      registry, sharedTrace, scenario: task.scenario, source: task.source, set: task.set, strategy: task.strategy,
      stopPolicy: task.stopPolicy, seed: task.seed, eventsPath: task.eventsPath, eventsFlag: task.eventsFlag, stageEvents: task.stageEvents,
      keepLog: task.keepLog, report: task.report, resolved: task.resolved,
    });
    return task.reply === 'figures'
      ? { index: task.index, figures: figuresOf(run.result) }
      : { index: task.index, result: run.result, logText: run.logText, report: run.report };
  } catch (error) {
    return { index: task.index, error: errorData(error) };
  }
}

/**
 * Before runs go to worker threads, which build their registries from the
 * built-ins and plugin files: a class that exists in this thread only
 * would be an unknown name there, on whichever runs a worker took.
 */
export function checkWorkersCanRun(registry: StrategyRegistry, scenarios: Iterable<Scenario>): void {
  for (const scenario of scenarios) {
    const used = [['migration-strategy', scenario.migration.strategy], ['stop-policy', scenario.migration['stop-policy']], ['workload', scenario.vm.workload.model]] as const;
    for (const [kind, name] of used) {
      if (!registry.inThisThreadOnly(kind, name)) continue;
      const { origin } = registry.describe(kind, name);
      const how = origin === LOCAL_ORIGIN ? 'registered by hand' : `registered by plugin object ${origin}`;
      throw InputError.at('jobs', `${kind} "${name}" was ${how}: it exists in this thread only, and worker threads load plugin files; register it from a file with loadPlugin, or run with jobs: 1`);
    }
  }
}

/** The result's error as an Error again (an InputError when it was one). */
export function taskError(result: Extract<MigrationTaskResult, { error: unknown }>): Error {
  const { message, problems, source } = result.error;
  return problems ? new InputError(problems, source) : new Error(message);
}

function errorData(error: unknown): Extract<MigrationTaskResult, { error: unknown }>['error'] {
  if (error instanceof InputError) return { message: error.message, problems: error.problems, source: error.source };
  return { message: (error as Error)?.stack ?? String(error) };
}

let cached: { readonly key: string; readonly registry: Promise<StrategyRegistry> } | undefined;

async function workerRegistry(plugins: readonly string[]): Promise<StrategyRegistry> {
  const key = JSON.stringify(plugins);
  if (cached?.key !== key) {
    const registry = createRegistry();
    cached = { key, registry: loadPlugins(plugins, registry).then(() => registry) };
  }
  return cached.registry;
}

/** One worker's share of the runs: it takes task indexes from a counter shared with every thread until none are left. */
export interface RunShare {
  readonly tasks: readonly MigrationTask[];
  /** Int32Array over it: [next task index, stop flag]. */
  readonly counter: SharedArrayBuffer;
  /** The tasks run one workload (a compare): draw it once in this thread too. */
  readonly shareTrace: boolean;
}

/** What a worker posts back for a share: each result as soon as it is ready, then `drained` (same port, so in that order). */
export type WorkerMessage =
  | { readonly kind: 'result'; readonly result: MigrationTaskResult }
  | { readonly kind: 'drained' };

/** Takes the next task index, or -1 when none is left or the runs were stopped. */
export function nextTask(counter: Int32Array, total: number): number {
  if (Atomics.load(counter, 1) !== 0) return -1;
  const index = Atomics.add(counter, 0, 1);
  return index < total ? index : -1;
}

/**
 * Runs tasks until the shared counter runs out, handing each result to
 * `post`. Pulling from the counter (no per-task dispatch by the main thread)
 * keeps a worker busy while the main thread runs tasks itself.
 */
export async function drain(share: RunShare, post: (result: MigrationTaskResult) => void): Promise<void> {
  const counter = new Int32Array(share.counter);
  const sharedTrace = share.shareTrace ? new SharedTrace() : undefined;
  for (let index = nextTask(counter, share.tasks.length); index !== -1; index = nextTask(counter, share.tasks.length)) {
    const task = share.tasks[index];
    let result: MigrationTaskResult;
    try {
      result = runMigrationTask(task, await workerRegistry(task.plugins), sharedTrace);
    } catch (error) {
      result = { index: task.index, error: errorData(error) };
    }
    post(result);
  }
}

/** The `workerData` that marks a thread as a migration worker (a library user's own worker threads are left alone). */
export const MIGRATION_WORKER = 'virtsim-migration-worker';

/** A migration worker drains every share it is sent, posting on `port`. */
function serve(port: MessagePort): void {
  port.on('message', (share: RunShare) => {
    const post = (message: WorkerMessage): void => port.postMessage(message);
    void drain(share, (result) => post({ kind: 'result', result })).then(() => post({ kind: 'drained' }));
  });
}

if (!isMainThread && parentPort && workerData === MIGRATION_WORKER) serve(parentPort);
