import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { sweep } from '../../src/app/use-cases/sweep';
import { InputError } from '../../src/domain/errors';
import { listDir, removeDir, tempDir, virtsim, writeJson } from '../support/cli';
import { smallScenario } from '../support/scenarios';
import { scenario as storageScenario } from '../storage/support';

/** /proc refuses new files whoever runs the tests (root included): a place no output can go. */
const withProc = existsSync('/proc/self') ? it : it.skip;

/** A migration strategy that throws once its run is under way. */
const THROWS_MID_RUN = `
class Throws {
  constructor() { this.name = 'runx'; this.version = '1.0.0'; this.description = 'throws 1 ms into its run'; }
  start(ctx) { ctx.begin(); ctx.at(ctx.now + 1000000, () => { throw new Error('run boom'); }); }
}
module.exports = { name: 'runplug', version: '2.0.0', register(registry) { registry.register('migration-strategy', Throws); } };
`;

/** Strategies that end the process from the main thread: `exits` at once, `exits-second` on its second run (its first is cancelled). */
const EXITS = `
let starts = 0;
const strategy = (name, exitsOnRun) => class {
  constructor() { this.name = name; this.version = '1.0.0'; this.description = 'process.exit(7) on run ' + exitsOnRun; }
  start(ctx) {
    if (++starts === exitsOnRun) process.exit(7);
    ctx.begin();
    ctx.cancel('not this run');
  }
};
module.exports = { name: 'exitplug', version: '1.0.0', register(registry) {
  registry.register('migration-strategy', strategy('exits', 1));
  registry.register('migration-strategy', strategy('exits-second', 2));
} };
`;

describe('output paths (--events, --events-dir, --out, --report)', () => {
  let dir: string;
  let migration: string;
  let storage: string;
  let before: string[];
  const inDir = (...parts: string[]): string => join(dir, ...parts);
  /** Runs in `dir`, so relative outputs land there. */
  const run = (args: readonly string[]) => virtsim(args, dir);

  beforeEach(() => {
    dir = tempDir('virtsim-outputs-');
    migration = writeJson(inDir('migration.json'), smallScenario({ memory: '4MiB' }));
    storage = writeJson(inDir('storage.json'), storageScenario());
    writeFileSync(inDir('throws.cjs'), THROWS_MID_RUN);
    writeFileSync(inDir('exits.cjs'), EXITS);
    mkdirSync(inDir('taken.ndjson'));
    mkdirSync(inDir('taken.csv'));
    before = listDir(dir);
  });
  afterEach(() => removeDir(dir));

  /** Exit 2 naming the flag, nothing on stdout, and not a file more (no log, no temporary or probe file). */
  function expectRefused(result: ReturnType<typeof virtsim>, flag: string, reason: RegExp): void {
    expect(result.stderr).toMatch(new RegExp(`^virtsim: ${flag}: `));
    expect(result.stderr).toMatch(reason);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(listDir(dir)).toEqual(before);
  }

  describe('a path that cannot be written is refused before anything runs', () => {
    it('under a file (ENOTDIR): --events, --events-dir and --out', () => {
      expectRefused(run(['migrate', '--scenario', migration, '--events', 'migration.json/x.ndjson']), '--events', /migration\.json is not a directory/);
      expectRefused(run(['storage', '--scenario', storage, '--events', 'storage.json/x.ndjson']), '--events', /storage\.json is not a directory/);
      expectRefused(run(['compare', '--scenario', migration, '--events-dir', 'migration.json']), '--events-dir', /migration\.json is not a directory/);
      expectRefused(run(['compare', '--scenario', migration, '--events-dir', 'migration.json/logs']), '--events-dir', /migration\.json is not a directory/);
      const swept = run(['sweep', '--scenario', migration, '--vary', 'seed=1,2', '--jobs', '1', '--out', 'migration.json/x.csv']);
      expectRefused(swept, '--out', /migration\.json is not a directory/);
      expect(swept.stderr).not.toMatch(/sweep +1\//); // no row ran
    });

    it('a directory where the file goes: --events, --out, and a strategy\'s log in --events-dir', () => {
      expectRefused(run(['migrate', '--scenario', migration, '--events', 'taken.ndjson']), '--events', /taken\.ndjson is a directory/);
      expectRefused(run(['sweep', '--scenario', migration, '--vary', 'seed=1,2', '--jobs', '1', '--out', 'taken.csv']), '--out', /taken\.csv is a directory/);
      mkdirSync(inDir('logs', 'hybrid.ndjson'), { recursive: true });
      before = listDir(dir);
      expectRefused(run(['compare', '--scenario', migration, '--events-dir', 'logs']), '--events-dir', /hybrid\.ndjson is a directory/);
      expect(listDir(inDir('logs'))).toEqual(['hybrid.ndjson']);
    });

    withProc('where no file can be created (/proc): every output flag, and --events-dir fails fast instead of spinning', () => {
      expectRefused(run(['migrate', '--scenario', migration, '--events', '/proc/x.ndjson']), '--events', /cannot write in \/proc/);
      expectRefused(run(['storage', '--scenario', storage, '--events', '/proc/s.ndjson']), '--events', /cannot write in \/proc/);
      expectRefused(run(['sweep', '--scenario', migration, '--vary', 'seed=1,2', '--out', '/proc/x.csv']), '--out', /cannot write in \/proc/);
      // Node's recursive mkdirSync loops forever on /proc/xx; spawnSync's timeout would leave status null.
      expectRefused(run(['compare', '--scenario', migration, '--events-dir', '/proc/xx']), '--events-dir', /cannot write in \/proc/);
    });

    withProc('an unwritable --report stops the run before it writes its other outputs', () => {
      const report = ['--report', '/proc/r.html'];
      expectRefused(run(['migrate', '--scenario', migration, '--events', 'e.ndjson', ...report]), '--report', /cannot write in \/proc/);
      expectRefused(run(['compare', '--scenario', migration, '--events-dir', 'logs', ...report]), '--report', /cannot write in \/proc/);
      expectRefused(run(['storage', '--scenario', storage, '--events', 's.ndjson', ...report]), '--report', /cannot write in \/proc/);
      expectRefused(run(['sweep', '--scenario', migration, '--vary', 'seed=1,2', '--out', 'y.ndjson', ...report]), '--report', /cannot write in \/proc/);
    });

    it('a FIFO or a symbolic link, which a rename would replace instead of writing to', () => {
      execFileSync('mkfifo', [inDir('pipe.ndjson')]);
      writeFileSync(inDir('real.csv'), 'keep me\n');
      symlinkSync('real.csv', inDir('link.csv'));
      before = listDir(dir);
      expectRefused(run(['migrate', '--scenario', migration, '--events', 'pipe.ndjson']), '--events', /pipe\.ndjson is not a regular file/);
      expectRefused(run(['sweep', '--scenario', migration, '--vary', 'seed=1,2', '--jobs', '1', '--out', 'link.csv']), '--out', /link\.csv is a symbolic link/);
      expect(lstatSync(inDir('pipe.ndjson')).isFIFO()).toBe(true);
      expect(lstatSync(inDir('link.csv')).isSymbolicLink()).toBe(true);
      expect(readFileSync(inDir('real.csv'), 'utf8')).toBe('keep me\n');
    });

    it('an empty path', () => {
      expectRefused(run(['migrate', '--scenario', migration, '--events', '']), '--events', /empty path/);
      expectRefused(run(['storage', '--scenario', storage, '--events', '']), '--events', /empty path/);
      expectRefused(run(['compare', '--scenario', migration, '--events-dir', '']), '--events-dir', /empty path/);
      expectRefused(run(['sweep', '--scenario', migration, '--vary', 'seed=1,2', '--out', '']), '--out', /empty path/);
    });

    it('one file given to two outputs', () => {
      expectRefused(run(['migrate', '--scenario', migration, '--events', 'e.html', '--report', './e.html']), '--report', /e\.html is also given to --events/);
      expectRefused(run(['storage', '--scenario', storage, '--events', 's.html', '--report', 's.html']), '--report', /s\.html is also given to --events/);
      expectRefused(run(['compare', '--scenario', migration, '--events-dir', 'r.html', '--report', 'r.html']), '--report', /r\.html is also given to --events-dir/);
    });
  });

  it('missing directories above an output are created', () => {
    const result = run(['migrate', '--scenario', migration, '--events', 'a/b/e.ndjson', '--report', 'c/d/r.html']);
    expect(result.status).toBe(0);
    expect(listDir(inDir('a', 'b'))).toEqual(['e.ndjson']);
    expect(listDir(inDir('c', 'd'))).toEqual(['r.html']);
  });

  describe('compare writes its logs all together or not at all', () => {
    for (const jobs of ['1', '2']) {
      it(`a strategy that throws leaves no log of the others (--jobs ${jobs})`, () => {
        const result = run(['compare', '--scenario', migration, '--plugin', './throws.cjs', '--strategies', 'pre-copy,runx,hybrid',
          '--events-dir', 'o/cmp', '--jobs', jobs]);
        expect(result.stderr).toMatch(/runx.*threw while running: run boom/);
        expect(result.status).toBe(2);
        expect(existsSync(inDir('o', 'cmp')) ? readdirSync(inDir('o', 'cmp')) : []).toEqual([]);
      });

      it(`every strategy's log, and no temporary file, when all succeed (--jobs ${jobs})`, () => {
        const result = run(['compare', '--scenario', migration, '--strategies', 'pre-copy,post-copy,hybrid', '--events-dir', 'o/cmp', '--jobs', jobs]);
        expect(result.status).toBe(0);
        expect(listDir(inDir('o', 'cmp'))).toEqual(['hybrid.ndjson', 'post-copy.ndjson', 'pre-copy.ndjson']);
      });
    }
  });

  describe('a plugin calling process.exit() mid-run leaves no temporary file', () => {
    const temporaryFiles = (): string[] => listDir(dir).filter((name) => name.endsWith('.tmp'));

    it('migrate --events', () => {
      const result = run(['migrate', '--scenario', migration, '--plugin', './exits.cjs', '--strategy', 'exits', '--events', 'x.ndjson']);
      expect(result.status).toBe(7);
      expect(temporaryFiles()).toEqual([]);
      expect(existsSync(inDir('x.ndjson'))).toBe(false);
    });

    it('sweep --out, while the first row is being written', () => {
      const result = run(['sweep', '--scenario', migration, '--plugin', './exits.cjs', '--strategies', 'exits-second', '--seeds', '3',
        '--jobs', '1', '--out', 'sw.csv']);
      expect(result.stderr).toMatch(/sweep 1\/3/);
      expect(result.status).toBe(7);
      expect(temporaryFiles()).toEqual([]);
    });
  });
});

describe('output paths (library)', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('virtsim-outputs-lib-');
  });
  afterEach(() => removeDir(dir));

  (existsSync('/proc/self') ? it : it.skip)('runMigration refuses a log under /proc/xx at once (no endless recursive mkdir)', () => {
    expect(() => runMigration({ scenario: smallScenario({ memory: '4MiB' }), eventsPath: '/proc/xx/a.ndjson' })).toThrow(/--events: cannot write \/proc\/xx\/a\.ndjson: ENOENT/);
  });

  it('sweep: an --out that stops being writable mid-sweep is an InputError naming --out, not a crash', async () => {
    const out = join(dir, 'sub', 'rows.csv');
    mkdirSync(join(dir, 'sub'));
    const sweeping = sweep({
      scenario: smallScenario({ memory: '4MiB' }), vary: ['seed=1,2,3'], strategies: ['pre-copy'], jobs: 1, out,
      onProgress: (progress) => {
        if (progress.finished !== 1) return;
        // The directory becomes a file: the next rewrite of rows.csv fails (ENOTDIR).
        rmSync(join(dir, 'sub'), { recursive: true, force: true });
        writeFileSync(join(dir, 'sub'), '');
      },
    });
    await expect(sweeping).rejects.toThrow(InputError);
    await expect(sweeping).rejects.toThrow(/^--out: cannot write .*rows\.csv: (ENOTDIR|ENOENT)/);
  });
});
