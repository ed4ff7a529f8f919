import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The binary test/global-setup.ts compiled from the current sources. */
export const CLI_PATH = resolve(__dirname, '../../dist/bin/virtsim.js');

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `virtsim ARGS...` as a user would: a separate node process on the built binary (`env` adds to this process's environment). */
export function virtsim(args: readonly string[], cwd?: string, env?: Readonly<Record<string, string>>): CliRun {
  const run = spawnSync(process.execPath, [CLI_PATH, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: env && { ...process.env, ...env } });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A fresh empty directory; remove it with {@link removeDir}. */
export function tempDir(prefix = 'virtsim-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

export function writeJson(path: string, value: unknown): string {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}

export function listDir(path: string): string[] {
  return readdirSync(path).sort();
}
