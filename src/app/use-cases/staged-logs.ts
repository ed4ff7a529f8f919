import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cannotWrite, checkOutputDirectory, checkOutputFile, holdTemp, releaseTemp, removeTemp, tempPathFor } from '../../infrastructure/output-files';

/** One log per name (DIR/NAME.ndjson), checked before anything runs; none without a directory. */
export function logPathsIn(flag: string, dir: string | undefined, names: readonly string[]): ReadonlyMap<string, string> {
  if (dir === undefined) return new Map();
  checkOutputDirectory(flag, dir);
  const paths = new Map(names.map((name) => [name, join(dir, `${name}.ndjson`)]));
  for (const path of paths.values()) checkOutputFile(flag, path);
  return paths;
}

/**
 * Several runs' logs appear all together or not at all (compare, storage
 * --models): each run leaves its finished log at its temporary path, and
 * they are renamed into place only once every run has succeeded.
 */
export class StagedLogs {
  private readonly logs: readonly { readonly path: string; readonly temp: string }[];

  constructor(paths: Iterable<string>, private readonly flag: string) {
    this.logs = [...paths].map((path) => ({ path, temp: tempPathFor(path) }));
    // Held from the start: a run (on any thread) may be writing one when the process exits.
    for (const log of this.logs) holdTemp(log.temp);
  }

  publish(): void {
    const published: string[] = [];
    for (const log of this.logs) {
      try {
        renameSync(log.temp, log.path);
      } catch (error) {
        for (const path of published) rmSync(path, { force: true });
        throw cannotWrite(this.flag, log.path, error);
      }
      published.push(log.path);
    }
  }

  /** Removes every log {@link publish} did not rename (all of them, after a failure). */
  release(): void {
    for (const log of this.logs) {
      removeTemp(log.temp);
      releaseTemp(log.temp);
    }
  }
}
