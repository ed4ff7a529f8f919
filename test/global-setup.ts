import { execSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * CLI tests spawn the built binary (dist/bin/virtsim.js, bundled from the tsc
 * output): build both once per test run so they always exercise the current
 * sources.
 */
export default function globalSetup(): void {
  execSync('npm run --silent build', { cwd: resolve(__dirname, '..'), stdio: 'inherit' });
}
