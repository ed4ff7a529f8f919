import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../domain/errors';
import { cannotWrite, checkOutputDirectory, checkOutputFile, holdTemp, releaseTemp, removeTemp, tempPathFor } from '../../infrastructure/output-files';

/**
 * One log per name (DIR/FILE.ndjson, FILE = `fileName(name)`), checked
 * before anything runs; none without a directory. Two names whose files
 * would be one, even only where file names ignore case (Windows, macOS), are
 * refused: one run's log would silently replace the other's.
 */
export function logPathsIn(flag: string, dir: string | undefined, names: readonly string[], fileName: (name: string) => string = (name) => name): ReadonlyMap<string, string> {
  if (dir === undefined) return new Map();
  checkOutputDirectory(flag, dir);
  const files = new Map(names.map((name) => [name, `${fileName(name)}.ndjson`]));
  const nameByFile = new Map<string, string>();
  for (const [name, file] of files) {
    const other = nameByFile.get(file.toLowerCase());
    if (other !== undefined) {
      const otherFile = files.get(other) as string;
      const written = otherFile === file ? file : `${otherFile} and ${file}, one file where names ignore case`;
      throw InputError.at(flag, `"${other}" and "${name}" would both write ${written}`);
    }
    nameByFile.set(file.toLowerCase(), name);
  }
  const paths = new Map([...files].map(([name, file]) => [name, join(dir, file)]));
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
