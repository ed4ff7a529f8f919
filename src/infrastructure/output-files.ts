import { closeSync, existsSync, lstatSync, mkdirSync, openSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../domain/errors';
import { errorCode } from './fs-error';

/**
 * Output files (event logs, reports, sweep rows): their paths are checked
 * before anything runs, each is written to a temporary file beside it and
 * renamed into place, and a temporary file never outlives the process.
 */

/** The temporary file an output is written to before it is renamed into place. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** An fs error while writing an output, as the bad input it is: the flag and the path it named. */
export function cannotWrite(flag: string, path: string, error: unknown): InputError {
  if (error instanceof InputError) return error;
  return InputError.at(flag, `cannot write ${path}: ${errorCode(error)}`);
}

// ---- temporary files alive in this thread ----

/** Temporary path -> holders (a compare's log is held by its run, then by the compare that publishes it). */
const liveTemps = new Map<string, number>();

/**
 * Removes a temporary file if it is there. Any error means it is not (renamed
 * into place, never created, or its directory is gone): rmSync's `force`
 * forgives only ENOENT, not ENOTDIR.
 */
export function removeTemp(temp: string): void {
  try {
    unlinkSync(temp);
  } catch {
    // Nothing to remove.
  }
}

/** Synchronous: 'exit' handlers cannot wait (a plugin may call process.exit() mid-run). */
function removeLiveTemps(): void {
  for (const temp of liveTemps.keys()) removeTemp(temp);
}

/** Marks a temporary file for removal if the process exits before it is renamed or removed. */
export function holdTemp(temp: string): void {
  if (liveTemps.size === 0) process.on('exit', removeLiveTemps);
  liveTemps.set(temp, (liveTemps.get(temp) ?? 0) + 1);
}

/** The holder renamed or removed it (or handed it on). */
export function releaseTemp(temp: string): void {
  const holders = liveTemps.get(temp);
  if (holders === undefined) return;
  if (holders > 1) liveTemps.set(temp, holders - 1);
  else liveTemps.delete(temp);
  if (liveTemps.size === 0) process.off('exit', removeLiveTemps);
}

// ---- checks before anything runs ----

/** The path itself if it exists, else its nearest existing ancestor. */
function nearestExisting(flag: string, target: string): { readonly path: string; readonly stats: Stats } {
  for (let path = target; ; path = dirname(path)) {
    try {
      return { path, stats: statSync(path) };
    } catch (error) {
      // ENOTDIR: some ancestor is a file; walking up finds it.
      const code = errorCode(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw InputError.at(flag, `cannot reach ${path}: ${code}`);
    }
  }
}

/** Creating a file is the only test that holds for root, read-only mounts and /proc alike. */
function probeWritable(flag: string, directory: string): void {
  const probe = join(directory, `.virtsim-probe.${process.pid}.tmp`);
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (error) {
    throw InputError.at(flag, `cannot write in ${directory}: ${errorCode(error)}`);
  }
}

function checkNotEmpty(flag: string, path: string): void {
  if (path === '') throw InputError.at(flag, 'empty path');
}

/**
 * Refuses a path whose file a rename must not replace: a directory, a
 * symbolic link (the link would be replaced, not the file it points to) or
 * a device, FIFO or socket (`--events /dev/null` as root would replace the
 * device with a regular file). A missing path is fine.
 */
export function checkReplaceable(flag: string, path: string): void {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch {
    return;
  }
  if (stats.isSymbolicLink()) throw InputError.at(flag, `${path} is a symbolic link: writing it would replace the link; give the path of the file it points to`);
  if (stats.isDirectory()) throw InputError.at(flag, `${path} is a directory`);
  if (!stats.isFile()) throw InputError.at(flag, `${path} is not a regular file (a device, FIFO or socket): outputs are written to a new file renamed over the path`);
}

/**
 * Refuses a file path that could not be written: empty, a directory, a
 * symbolic link or special file (see checkReplaceable), or under something
 * that is not a directory in which files can be created (missing
 * directories are created when the file is written).
 */
export function checkOutputFile(flag: string, path: string): void {
  checkNotEmpty(flag, path);
  checkReplaceable(flag, path);
  const target = resolve(path);
  const found = nearestExisting(flag, target);
  // An existing target passed checkReplaceable: a regular file.
  if (found.path === target) {
    probeWritable(flag, dirname(target));
    return;
  }
  if (!found.stats.isDirectory()) throw InputError.at(flag, `${found.path} is not a directory`);
  probeWritable(flag, found.path);
}

/** Refuses a directory path that could not hold new files (it is created, with its parents, when written to). */
export function checkOutputDirectory(flag: string, path: string): void {
  checkNotEmpty(flag, path);
  const found = nearestExisting(flag, resolve(path));
  if (!found.stats.isDirectory()) throw InputError.at(flag, `${found.path} is not a directory`);
  probeWritable(flag, found.path);
}

/** Refuses one path given for two outputs: the second would overwrite the first. */
export function checkDistinctOutputs(outputs: readonly { readonly flag: string; readonly path: string | undefined }[]): void {
  const given = outputs.filter((output): output is { flag: string; path: string } => output.path !== undefined);
  given.forEach((output, i) => {
    const twin = given.slice(0, i).find((earlier) => resolve(earlier.path) === resolve(output.path));
    if (twin) throw InputError.at(output.flag, `${output.path} is also given to ${twin.flag}: name a different file`);
  });
}

/**
 * Creates a missing directory one level at a time: Node's recursive mkdirSync
 * loops forever where creating fails with ENOENT (under /proc).
 */
export function ensureDirectory(directory: string): void {
  if (existsSync(directory)) return;
  const parent = dirname(directory);
  if (parent !== directory) ensureDirectory(parent);
  try {
    mkdirSync(directory);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  }
}
