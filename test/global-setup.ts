import { execSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * CLI tests spawn the built binary (dist/src/app/cli/main.js): build it once
 * per test run so they always exercise the current sources.
 */
export default function globalSetup(): void {
  execSync('npx tsc -p tsconfig.build.json', { cwd: resolve(__dirname, '..'), stdio: 'inherit' });
}
