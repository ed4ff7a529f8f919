import 'reflect-metadata';
import { InputError, type FieldProblem } from '../../domain/errors';
import type { MigrationResult } from '../../domain/migration/result';
import { createRegistry } from '../../infrastructure/container/built-ins';
import type { StrategyRegistry } from '../../infrastructure/container/strategy-registry';
import { loadPlugins } from '../../infrastructure/plugins/plugin-loader';
import type { MessagePort } from 'node:worker_threads';
import { runMigration } from './run-migration';

/**
 * One run of a sweep: the piscina worker's entry point (compiled to
 * dist/src/app/use-cases/sweep-worker.js) and the in-process path of
 * `--jobs 1` alike, so both compute exactly the same figures.
 */

/** The key figures of one migration: one row of a sweep, after the varied values, strategy and seed. */
export interface SweepFigures {
  readonly status: string;
  readonly 'total-time': number;
  readonly downtime: number;
  readonly 'ram.transferred': number;
  readonly 'ram.dirty-sync-count': number;
  readonly 'ram.postcopy-requests': number;
  readonly 'guest.degradation': number;
  readonly 'verification.consistent': boolean;
  readonly 'log.sha256': string;
}

export const FIGURE_COLUMNS = [
  'status', 'total-time', 'downtime', 'ram.transferred', 'ram.dirty-sync-count', 'ram.postcopy-requests',
  'guest.degradation', 'verification.consistent', 'log.sha256',
] as const satisfies readonly (keyof SweepFigures)[];

export function figuresOf(result: MigrationResult): SweepFigures {
  return {
    status: result.status,
    'total-time': result['total-time'],
    downtime: result.downtime,
    'ram.transferred': result.ram.transferred,
    'ram.dirty-sync-count': result.ram['dirty-sync-count'],
    'ram.postcopy-requests': result.ram['postcopy-requests'],
    'guest.degradation': result.guest.degradation,
    'verification.consistent': result.verification.consistent,
    'log.sha256': result.log.sha256,
  };
}

/** What the main thread sends a worker: plain data (structured clone). */
export interface SweepTask {
  readonly index: number;
  /** The raw scenario (as read from JSON); overrides are applied in the worker exactly as in the main thread. */
  readonly scenario: unknown;
  readonly source?: string;
  readonly set: readonly string[];
  readonly strategy: string;
  readonly seed: number;
  /** Plugin modules to load into the worker's registry. */
  readonly plugins: readonly string[];
}

/** Errors cross the thread boundary as data so an InputError stays one. */
export type SweepTaskResult =
  | { readonly index: number; readonly figures: SweepFigures }
  | { readonly index: number; readonly error: { readonly message: string; readonly problems?: readonly FieldProblem[]; readonly source?: string } };

export function runSweepTask(task: SweepTask, registry: StrategyRegistry): SweepTaskResult {
  try {
    const run = runMigration({ registry, scenario: task.scenario, source: task.source, set: task.set, strategy: task.strategy, seed: task.seed });
    return { index: task.index, figures: figuresOf(run.result) };
  } catch (error) {
    if (error instanceof InputError) return { index: task.index, error: { message: error.message, problems: error.problems, source: error.source } };
    return { index: task.index, error: { message: (error as Error)?.stack ?? String(error) } };
  }
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

/** One worker's share of a sweep: it takes task indexes from a counter shared with every thread until none are left. */
export interface SweepShare {
  readonly tasks: readonly SweepTask[];
  /** Int32Array over it: [next task index, stop flag]. */
  readonly counter: SharedArrayBuffer;
  /** Each result goes back here as soon as it is ready. */
  readonly port: MessagePort;
}

/** Takes the next task index, or -1 when none is left or the sweep was stopped. */
export function nextTask(counter: Int32Array, total: number): number {
  if (Atomics.load(counter, 1) !== 0) return -1;
  const index = Atomics.add(counter, 0, 1);
  return index < total ? index : -1;
}

/**
 * piscina's entry for `drain`: runs tasks until the shared counter runs out,
 * posting each result. Pulling from the counter (no per-task dispatch by the
 * main thread) keeps a worker busy while the main thread runs tasks itself.
 * Returns how many results it posted.
 */
export async function drain(share: SweepShare): Promise<number> {
  const counter = new Int32Array(share.counter);
  let posted = 0;
  for (let index = nextTask(counter, share.tasks.length); index !== -1; index = nextTask(counter, share.tasks.length)) {
    share.port.postMessage(await sweepWorker(share.tasks[index]));
    posted++;
  }
  share.port.close();
  return posted;
}

/** piscina calls the default export once per task. */
export default async function sweepWorker(task: SweepTask): Promise<SweepTaskResult> {
  let registry: StrategyRegistry;
  try {
    registry = await workerRegistry(task.plugins);
  } catch (error) {
    const input = error instanceof InputError ? error : undefined;
    return { index: task.index, error: { message: (error as Error).message, problems: input?.problems, source: input?.source } };
  }
  return runSweepTask(task, registry);
}
