import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { virtsim as runCli, type CliRun } from '../support/cli';

export const ROOT = resolve(__dirname, '../..');

/** `virtsim ARGS...` on the built binary, from the checkout (where the examples' relative paths start) unless told otherwise. */
export const virtsim = (args: readonly string[], cwd = ROOT): CliRun => runCli(args, cwd);

/**
 * Runs ES-module code in a separate node process (jest's CommonJS runtime
 * cannot import() an .mjs plugin) and returns what it printed, parsed as JSON.
 */
export function esm(code: string): unknown {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`node exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}
