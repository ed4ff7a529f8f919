import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeDir, tempDir } from '../support/cli';

const ROOT = resolve(__dirname, '../..');
/** Written by the test plugin's strategy when it runs in a worker thread. */
const WORKER_MARK = 'ran-in-worker';
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  main: string;
  types: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
};

interface Run { readonly status: number | null; readonly stdout: string; readonly stderr: string }

function run(command: string, args: readonly string[], cwd: string): Run {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Fails with what the command printed, so a broken package says why. */
function ok(result: Run): Run {
  if (result.status !== 0) throw new Error(`exited ${result.status}\n${result.stderr}\n${result.stdout}`);
  return result;
}

/** The ts and js code blocks of a markdown file that use the package by name. */
function libraryBlocks(file: string): { readonly language: string; readonly code: string }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^```(ts|js)\n([\s\S]*?)^```/gm)]
    .filter(([, , code]) => /from 'virtsim'/.test(code))
    .map(([, language, code]) => ({ language, code }));
}

/**
 * The package as a user gets it: `npm pack` of this checkout (dist/ as jest's
 * global setup built it), unpacked into a scratch project's
 * node_modules/virtsim, beside links to its declared dependencies only (so a
 * file that did not ship, or a module only a devDependency provides, fails
 * here as it would for the user).
 */
describe('the packed package, installed in another project', () => {
  let project: string;
  let files: string[];
  let installed: string;
  const cli = (...args: string[]): Run => run(process.execPath, [join(installed, manifest.bin.virtsim), ...args], project);

  beforeAll(() => {
    project = tempDir('virtsim-consumer-');
    const packed = JSON.parse(ok(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], ROOT)).stdout) as { filename: string; files: { path: string }[] }[];
    files = packed[0].files.map((file) => file.path).sort();
    installed = join(project, 'node_modules', 'virtsim');
    mkdirSync(installed, { recursive: true });
    ok(run('tar', ['-xzf', join(project, packed[0].filename), '-C', installed, '--strip-components=1'], project));
    for (const dependency of Object.keys(manifest.dependencies)) {
      mkdirSync(join(project, 'node_modules', dependency, '..'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', dependency), join(project, 'node_modules', dependency));
    }
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    writeFileSync(join(project, 'vm.json'), JSON.stringify({ vm: { memory: '128MiB', workload: { 'working-set': '32MiB' } } }));
  });
  afterAll(() => removeDir(project));

  /**
   * my-plugin/index.mjs, shaped as docs/plugins.md shows. Its strategy marks
   * a run in a worker thread, and holds the main thread's run until there is
   * one: a sweep this small would otherwise finish on the main thread before
   * a worker started, and never show that workers load the plugin.
   */
  function writePlugin(): void {
    mkdirSync(join(project, 'my-plugin'), { recursive: true });
    rmSync(join(project, WORKER_MARK), { force: true });
    writeFileSync(join(project, 'my-plugin/index.mjs'), `
      import { appendFileSync, existsSync } from 'node:fs';
      import { isMainThread } from 'node:worker_threads';
      import { PreCopyStrategy } from 'virtsim/dist/src/strategies/migration/pre-copy.js';

      const mark = ${JSON.stringify(join(project, WORKER_MARK))};
      class Mine extends PreCopyStrategy {
        name = 'mine';
        version = '1.0.0';
        description = 'pre-copy, from a plugin';
        start(ctx) {
          if (!isMainThread) appendFileSync(mark, 'ran\\n');
          const pause = new Int32Array(new SharedArrayBuffer(4));
          for (let waited = 0; isMainThread && !existsSync(mark) && waited < 30000; waited += 10) Atomics.wait(pause, 0, 0, 10);
          super.start(ctx);
        }
      }

      export const name = 'my-plugin';
      export const version = '1.2.0';
      export function register(registry) {
        registry.register('migration-strategy', Mine);
      }
    `);
  }

  it('ships the built library with its types, the CLI bundles and their code caches, docs, examples and schemas, and no sources or tests', () => {
    for (const needed of [
      'package.json', 'README.md', 'LICENSE', manifest.main, manifest.types, manifest.bin.virtsim,
      'dist/bin/virtsim.bundle.js', 'dist/bin/virtsim.bundle.js.cache',
      'dist/bin/migration-worker.js', 'dist/bin/migration-worker.bundle.js', 'dist/bin/migration-worker.bundle.js.cache',
      'dist/src/app/use-cases/migration-worker.js', 'dist/src/infrastructure/plugins/import-module.js',
      'dist/src/strategies/migration/pre-copy.js', 'dist/src/strategies/migration/pre-copy.d.ts',
      'schema/scenario.schema.json', 'schema/storage-scenario.schema.json',
      'docs/plugins.md', 'examples/plugins/coldest-first/index.cjs', 'examples/scenarios/storage-compare.json',
    ]) expect(files).toContain(needed);
    const stray = files.filter((file) => /^(src|test|bench|scripts|dist\/bench|\.ci)\//.test(file) || /\.map$/.test(file) || (/\.ts$/.test(file) && !/\.d\.ts$/.test(file)));
    expect(stray).toEqual([]);
  });

  it('runs the CLI: --version, migrate with a log and a report, and replay of that log to the same report', () => {
    expect(ok(cli('--version')).stdout).toMatch(new RegExp(`^${manifest.version.replace(/\./g, '\\.')} \\(event log format \\d+\\)\\n$`));
    ok(cli('migrate', '--scenario', 'vm.json', '--events', 'run.ndjson', '--report', 'run.html'));
    ok(cli('replay', 'run.ndjson', '--report', 'again.html'));
    expect(readFileSync(join(project, 'again.html'), 'utf8')).toBe(readFileSync(join(project, 'run.html'), 'utf8'));
  });

  it('runs a plugin written as docs/plugins.md says (ES module, extending the built-in pre-copy by deep import) in sweep --jobs 2, in a worker thread too', () => {
    writePlugin();
    ok(cli('sweep', '--scenario', 'vm.json', '--plugin', './my-plugin/index.mjs', '--vary', 'vm.workload.dirty-rate=1000,2000,4000',
      '--strategies', 'pre-copy,mine', '--jobs', '2', '--out', 'sweep.csv'));
    expect(existsSync(join(project, WORKER_MARK))).toBe(true);
    const rows = readFileSync(join(project, 'sweep.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
    expect(rows.map((row) => row[1])).toEqual(['pre-copy', 'mine', 'pre-copy', 'mine', 'pre-copy', 'mine']);
    // The plugin's strategy is pre-copy under another name: the same figures, whichever thread ran it.
    for (let i = 0; i < rows.length; i += 2) expect(rows[i + 1].slice(3, 11)).toEqual(rows[i].slice(3, 11));
  });

  it("runs the shipped example plugins and scenarios from the package's own directory", () => {
    const storage = ok(cli('storage', '--scenario', join(installed, 'examples/plugins/fill-first/scenario.json'), '--json'));
    expect(JSON.parse(storage.stdout)).toMatchObject({ verification: { consistent: true } });
    const migrated = ok(cli('migrate', '--scenario', 'vm.json', '--plugin', join(installed, 'examples/plugins/coldest-first/index.cjs'), '--strategy', 'coldest-first', '--json'));
    expect(JSON.parse(migrated.stdout)).toMatchObject({ strategy: 'coldest-first', verification: { consistent: true } });
    for (const script of readdirSync(join(installed, 'examples/library'))) ok(run(process.execPath, [join(installed, 'examples/library', script)], project));
  });

  it("is a library by require('virtsim') and import from 'virtsim', with worker threads for sweep jobs: 2", () => {
    const required = ok(run(process.execPath, ['-e', `
      const virtsim = require('virtsim');
      const { result } = virtsim.runMigration({ scenario: { vm: { memory: '64MiB', workload: { 'working-set': '16MiB' } } } });
      console.log(JSON.stringify({ status: result.status, InputError: typeof virtsim.InputError }));
    `], project));
    expect(JSON.parse(required.stdout)).toEqual({ status: 'completed', InputError: 'function' });
    writePlugin();
    const imported = ok(run(process.execPath, ['--input-type=module', '-e', `
      import { sweep } from 'virtsim';
      const rows = await sweep({ scenario: { vm: { memory: '64MiB', workload: { 'working-set': '16MiB' } } },
        vary: ['vm.workload.dirty-rate=1000,2000,3000,4000'], strategies: ['mine'], plugins: ['./my-plugin/index.mjs'], jobs: 2 });
      console.log(JSON.stringify(rows.map((row) => row.figures.status)));
    `], project));
    expect(JSON.parse(imported.stdout)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(existsSync(join(project, WORKER_MARK))).toBe(true);
  });

  it("compiles the README's and docs' library examples in strict TypeScript against the shipped types", () => {
    const blocks = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)]
      .flatMap((file) => libraryBlocks(file).map((block) => ({ file, ...block })));
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const dir = join(project, 'doc-examples');
    mkdirSync(dir);
    // ES modules (.mts, .mjs): the examples use top-level await. JavaScript is type-checked too.
    const names = blocks.map(({ file, language, code }, index) => {
      const name = `${file.replace(/\W/g, '-')}-${index}.${language === 'ts' ? 'mts' : 'mjs'}`;
      writeFileSync(join(dir, name), code);
      return name;
    });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, allowJs: true, checkJs: true, target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext',
        types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
      },
      files: names,
    }));
    ok(run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], dir));
  });
});
