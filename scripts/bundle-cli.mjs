// Bundles the compiled CLI (and the sweep worker it starts) into one file each
// under dist/bin/. Run after tsc (`npm run build`).
//
// Why: `require` of our ~150 modules plus inversify's ~220 and zod's ~95 files
// costs ~0.11 s before a command does anything; one file costs ~0.05 s. Every
// CLI run and every sweep worker pays that (issue 7). The library (the
// package's main, dist/src/index.js) stays the unbundled tsc output.
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bin');

await build({
  entryPoints: {
    virtsim: join(root, 'dist/src/app/cli/main.js'),
    // Same basename as the tsc output: sweep.ts finds the worker beside itself.
    'sweep-worker': join(root, 'dist/src/app/use-cases/sweep-worker.js'),
  },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // echarts is large and loaded only for --report; piscina starts its own
  // worker script from its package directory.
  external: ['echarts', 'piscina'],
  logLevel: 'warning',
});
chmodSync(join(outdir, 'virtsim.js'), 0o755);
