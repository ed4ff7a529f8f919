import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InputError } from '../../domain/errors';
import { MIGRATION_WORKER, nextTask, type MigrationTask, type MigrationTaskResult, type RunShare, type WorkerMessage } from './migration-worker';

/**
 * Migration runs spread over this thread and worker threads (sweep,
 * compare): every thread takes the next task index from one shared counter
 * when it is free, so no worker waits for this thread to hand it work.
 */

/** The compiled worker beside this file (dist/src/app/use-cases/, or dist/bin/ in the bundled CLI). */
function workerFile(): string {
  const file = join(__dirname, 'migration-worker.js');
  if (!existsSync(file)) throw new Error(`migration worker ${file} not found: worker threads run the compiled dist/ (npm run build), or use jobs: 1`);
  return file;
}

/** One worker thread, and the error that ended it, if one did (kept even while no share is running). */
interface PooledWorker {
  readonly thread: Worker;
  failure?: Error;
}

/**
 * Plain worker threads, each one long task (a share of the runs), so a pool
 * library's per-task dispatch buys nothing; a worker starts ~50 ms sooner
 * without one (no ES-module loader in the worker to import the handler).
 */
export class WorkerPool {
  private readonly workers: PooledWorker[];

  /** Starts `threads` workers now, so they load their modules while this thread prepares. */
  constructor(threads: number) {
    const file = workerFile();
    this.workers = Array.from({ length: threads }, () => {
      const worker: PooledWorker = { thread: new Worker(file, { workerData: MIGRATION_WORKER }) };
      worker.thread.on('error', (error) => {
        worker.failure ??= error;
      });
      worker.thread.on('exit', (code) => {
        worker.failure ??= new Error(`a migration worker exited (code ${code}) before its runs were done`);
      });
      return worker;
    });
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Every worker drains `share`; each result goes to `onResult` as it arrives. */
  drainAll(share: RunShare, onResult: (result: MigrationTaskResult) => void): Promise<void>[] {
    return this.workers.map((worker) => drainOn(worker, share, onResult));
  }

  async destroy(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.thread.terminate()));
  }
}

function drainOn(worker: PooledWorker, share: RunShare, onResult: (result: MigrationTaskResult) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (worker.failure) {
      reject(lost(worker.failure, share));
      return;
    }
    const stop = (): void => {
      worker.thread.off('message', onMessage);
      worker.thread.off('error', onEnd);
      worker.thread.off('exit', onEnd);
    };
    const onMessage = (message: WorkerMessage): void => {
      if (message.kind === 'result') {
        onResult(message.result);
        return;
      }
      stop();
      resolve();
    };
    // The listeners added in the constructor run first and record why.
    const onEnd = (): void => {
      stop();
      reject(lost(worker.failure as Error, share));
    };
    worker.thread.on('message', onMessage);
    worker.thread.on('error', onEnd);
    worker.thread.on('exit', onEnd);
    worker.thread.postMessage(share);
  });
}

/** A lost worker's error; with plugins loaded there, they are the likely cause: bad input, naming them (exit 2). */
function lost(failure: Error, share: RunShare): Error {
  const plugins = [...new Set(share.tasks.flatMap((task) => task.plugins))];
  if (plugins.length === 0) return failure;
  return InputError.at('--plugin', `${failure.message} (the worker had loaded ${plugins.join(', ')})`);
}

export interface SharedRuns {
  readonly tasks: readonly MigrationTask[];
  /** Runs one task on this thread. */
  readonly runHere: (task: MigrationTask) => MigrationTaskResult;
  /** Receives every result, from any thread, as it arrives; a throw stops the runs and is rethrown. */
  readonly accept: (result: MigrationTaskResult) => void;
  /** The tasks run one workload (a compare): each worker draws it once for its tasks. */
  readonly shareTrace?: boolean;
  /** Aborting stops taking tasks; the runs end without an error. */
  readonly signal?: AbortSignal;
}

/** Runs the tasks on the pool's workers, if any, and on this thread at once. */
export async function runShared(pool: WorkerPool | undefined, runs: SharedRuns): Promise<void> {
  const { tasks, signal } = runs;
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const stop = (): void => {
    Atomics.store(counter, 1, 1);
  };
  let failure: unknown;
  const fail = (error: unknown): void => {
    if (failure === undefined) failure = error;
    stop();
  };
  const accept = (result: MigrationTaskResult): void => {
    if (failure !== undefined || signal?.aborted) return;
    try {
      runs.accept(result);
    } catch (error) {
      fail(error);
    }
  };
  signal?.addEventListener('abort', stop);
  const share: RunShare = { tasks, counter: counter.buffer as SharedArrayBuffer, shareTrace: runs.shareTrace ?? false };
  const workers = (pool?.drainAll(share, accept) ?? []).map((drained) => drained.catch(fail));
  try {
    for (let index = nextTask(counter, tasks.length); index !== -1; index = nextTask(counter, tasks.length)) {
      accept(runs.runHere(tasks[index]));
      // Let workers' results, a signal (SIGINT) and file writes' callbacks run between runs.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(workers);
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  if (failure !== undefined && !signal?.aborted) throw failure;
}
