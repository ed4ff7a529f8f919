// Bundles the compiled CLI and the worker it starts (sweep, compare) into one file each
// under dist/bin/ (NAME.bundle.js), writes V8's code cache for each
// (NAME.bundle.js.cache), and puts scripts/bin-loader.cjs beside them as
// NAME.js, the file that runs. Run after tsc (`npm run build`).
//
// Why: `require` of our ~150 modules plus inversify's ~220 and zod's ~95 files
// costs ~0.12 s before a command does anything; one cached bundle ~0.02 s.
// Every CLI run and every worker thread pays it (issue 7). The library (the
// package's main, dist/src/index.js) stays the unbundled tsc output.
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script, constants } from 'node:vm';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bin');
const entries = {
  virtsim: join(root, 'dist/src/app/cli/main.js'),
  // worker-pool.ts starts the worker found beside itself: dist/bin/migration-worker.js here.
  'migration-worker': join(root, 'dist/src/app/use-cases/migration-worker.js'),
};

/**
 * Code compiled from a V8 code cache loses Node's hook for `import()`, so the
 * one `import()` (of plugin files) stays in the tsc output, required at run
 * time from beside the loader.
 */
const importModuleFromTscOutput = {
  name: 'import-module-from-tsc-output',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^\.\/import-module$/ }, () => ({ path: '../src/infrastructure/plugins/import-module.js', external: true }));
  },
};

await build({
  entryPoints: Object.fromEntries(Object.entries(entries).map(([name, file]) => [`${name}.bundle`, file])),
  outdir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Keeps names (stack traces stay readable) but drops ~30 % of what V8 parses.
  minifyWhitespace: true,
  minifySyntax: true,
  // echarts is large and loaded only for --report.
  external: ['echarts'],
  plugins: [importModuleFromTscOutput],
  logLevel: 'warning',
});

/** A 64 MiB VM: every migration strategy runs in milliseconds. */
const SMALL_VM = { seed: 1, vm: { memory: '64MiB', workload: { model: 'hot-cold', 'hot-set': '16MiB', 'dirty-rate': 20000 } } };

/** 20 k I/Os on the storage-1m layout, for the storage command. */
const SMALL_STORAGE = {
  ...JSON.parse(readFileSync(join(root, 'bench/scenarios/storage-1m.json'), 'utf8')),
  duration: '100ms',
  workloads: [{ host: 'h1', volume: 'db', 'read-ratio': 0.7, 'block-size': '4KiB', pattern: 'random', iops: 200000, ios: 20000 }],
};

const TRAINING = {
  async virtsim(cli) {
    const vm = join(scratch, 'vm.json');
    const storage = join(scratch, 'storage.json');
    writeFileSync(vm, JSON.stringify(SMALL_VM));
    writeFileSync(storage, JSON.stringify(SMALL_STORAGE));
    const events = join(scratch, 'events');
    for (const argv of [
      ['compare', '--scenario', vm, '--events-dir', events, '--json'],
      ['replay', join(events, 'hybrid.ndjson'), '--json'],
      ['storage', '--scenario', storage, '--events', join(scratch, 'storage.ndjson'), '--json'],
    ]) {
      const code = await quietly(() => cli.main(argv));
      if (code !== 0) throw new Error(`training run \`virtsim ${argv.join(' ')}\` exited ${code}`);
    }
  },
  async 'migration-worker'(worker) {
    const tasks = ['pre-copy', 'post-copy', 'hybrid'].map((strategy, index) => ({ index, scenario: SMALL_VM, set: [], strategy, plugins: [], reply: 'figures' }));
    const results = [];
    await worker.drain({ tasks, counter: new SharedArrayBuffer(8), shareTrace: false }, (result) => results.push(result));
    const failed = results.find((result) => 'error' in result);
    if (results.length !== tasks.length || failed) throw new Error(`training runs of the worker failed: ${failed?.error.message ?? 'missing results'}`);
  },
};

/**
 * Runs the bundle's module body as the loader will (the CLI's main does not
 * start: this module is not require.main), then a small workload through the
 * bundle's own entry points, then asks V8 for the code of every function
 * compiled so far: a command finds its simulation's functions compiled
 * already (precopy-64g ~10 % faster than with the module bodies alone).
 */
async function codeCache(file, source, train) {
  const script = new Script(Module.wrap(source), { filename: file, importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  const module = new Module(file);
  module.filename = file;
  module.paths = Module._nodeModulePaths(outdir);
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, outdir);
  await train(module.exports);
  return script.createCachedData();
}

/** Runs `action` with standard output swallowed (the training runs print their results). */
async function quietly(action) {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    return await action();
  } finally {
    process.stdout.write = write;
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'virtsim-bundle-'));
try {
  for (const name of Object.keys(entries)) {
    const bundle = join(outdir, `${name}.bundle.js`);
    // The loader wraps the source as a function body, where a hashbang is a syntax error.
    const source = readFileSync(bundle, 'utf8').replace(/^#!.*\n/, '');
    writeFileSync(bundle, source);
    writeFileSync(`${bundle}.cache`, await codeCache(bundle, source, TRAINING[name]));
    const loader = join(outdir, `${name}.js`);
    copyFileSync(join(root, 'scripts/bin-loader.cjs'), loader);
    chmodSync(loader, 0o755);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
