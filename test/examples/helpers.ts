import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
/** The CLI compiled from the current sources (jest's global setup builds dist/). */
export const CLI = resolve(ROOT, 'dist/bin/virtsim.js');

/** Runs `virtsim ARGS...` as a user would: a separate node process on the built binary. */
export function virtsim(args: readonly string[], cwd = ROOT): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

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
