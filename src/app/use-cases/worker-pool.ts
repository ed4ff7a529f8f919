import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import type * as PiscinaModule from 'piscina';
import { nextTask, type MigrationTask, type MigrationTaskResult, type RunShare } from './migration-worker';

/**
 * Migration runs spread over this thread and worker threads (sweep,
 * compare): every thread takes the next task index from one shared counter
 * when it is free, so no worker waits for this thread to hand it work.
 */
export type WorkerPool = PiscinaModule.Piscina;

/** The compiled worker beside this file (dist/src/app/use-cases/, or dist/bin/ in the bundled CLI). */
function workerFile(): string {
  const file = join(__dirname, 'migration-worker.js');
  if (!existsSync(file)) throw new Error(`migration worker ${file} not found: worker threads run the compiled dist/ (npm run build), or use jobs: 1`);
  return file;
}

/** Starts `threads` workers now, so they load their modules while this thread prepares. */
export function startPool(threads: number): WorkerPool {
  // Loaded (~20 ms) only by the commands that start workers.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Piscina } = require('piscina') as typeof PiscinaModule;
  return new Piscina({ filename: workerFile(), minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
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

/** Runs the tasks on the pool's workers and on this thread at once. */
export async function runShared(pool: WorkerPool, runs: SharedRuns): Promise<void> {
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
  const shares = Array.from({ length: pool.options.maxThreads }, () => {
    const { port1, port2 } = new MessageChannel();
    let received = 0;
    let expected = Number.POSITIVE_INFINITY;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => { done = resolve; });
    port1.on('message', (result: MigrationTaskResult) => {
      received++;
      accept(result);
      if (received >= expected) done();
    });
    const share: RunShare = { tasks, counter: counter.buffer as SharedArrayBuffer, port: port2, shareTrace: runs.shareTrace ?? false };
    return pool.run(share, { name: 'drain', transferList: [port2] }).then((posted: number) => {
      // Results travel on their own port: wait until every posted one arrived.
      expected = posted;
      if (received >= expected) done();
      return finished;
    }).catch(fail).finally(() => port1.close());
  });
  try {
    for (let index = nextTask(counter, tasks.length); index !== -1; index = nextTask(counter, tasks.length)) {
      accept(runs.runHere(tasks[index]));
      // Let workers' results, a signal (SIGINT) and file writes' callbacks run between runs.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(shares);
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  if (failure !== undefined && !signal?.aborted) throw failure;
}
