import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { listDir, removeDir, tempDir, virtsim as runCli, writeJson } from '../support/cli';
import { createRegistry } from '../../src/infrastructure/container/built-ins';
import { PreCopyStrategy } from '../../src/strategies/migration/pre-copy';
import { smallScenario } from '../support/scenarios';

const fixture = (name: string) => join(__dirname, 'fixtures', name);
const SMALL = ['--set', 'vm.memory=32MiB', '--set', 'vm.workload.working-set=32MiB'];

const virtsim = (...args: string[]) => runCli(args);

describe('plugins', () => {
  it('lists a plugin strategy with its origin', () => {
    const listed = virtsim('list', '--json', '--plugin', fixture('forgetful.cjs'));
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ kind: 'migration-strategy', name: 'forgetful', origin: 'forgetful-plugin@0.1.0' }));
  });

  it('a plugin that forgets to resend dirtied pages ends inconsistent with exit 3, and its log replays without the plugin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-plugin-'));
    const log = join(dir, 'forgetful.ndjson');
    const run = virtsim('migrate', '--json', '--plugin', fixture('forgetful.cjs'), '--strategy', 'forgetful', '--events', log, ...SMALL);
    expect(run.status).toBe(3);
    const result = JSON.parse(run.stdout);
    expect(result.verification.consistent).toBe(false);
    expect(result.verification['mismatched-pages']).toBeGreaterThan(0);
    const header = JSON.parse(readFileSync(log, 'utf8').split('\n')[0]);
    expect(header.plugins).toEqual([{ name: 'forgetful-plugin', version: '0.1.0' }]);
    const replayed = virtsim('replay', '--json', log);
    expect(replayed.status).toBe(3);
    expect(JSON.parse(replayed.stdout)).toEqual(result);
  });

  it.each([
    ['a missing file', 'missing.cjs', /no such file/],
    ['a module that throws on load', 'throws-on-load.cjs', /--plugin: .*throws-on-load\.cjs: failed to load: boom at load/],
    ['the wrong shape', 'wrong-shape.mjs', /exports no register/],
    ['an unknown strategy kind', 'unknown-kind.cjs', /register\(\) failed: unknown strategy kind "teleporter"; known: migration-strategy, /],
    ['a name that already exists', 'duplicate.cjs', /"pre-copy" is already registered by built-in/],
    ['a register() whose promise rejects', 'rejects-in-register.mjs', /--plugin: .*rejects-in-register\.mjs: register\(\) failed: async boom/],
    ['a top-level await that never settles', 'never-loads.mjs', /--plugin: .*never-loads\.mjs: never finished loading/],
    ['a register() whose promise never settles', 'register-never-settles.mjs', /--plugin: .*register-never-settles\.mjs: register\(\) never finished/],
  ])('refuses %s with exit 2 naming the plugin', (_what, file, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-plugin-'));
    const run = virtsim('migrate', '--plugin', fixture(file), '--events', join(dir, 'out.ndjson'), ...SMALL);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(file);
    expect(run.stderr).toMatch(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a plugin that throws while running exits 2 naming it, leaving no log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-plugin-'));
    const log = join(dir, 'out.ndjson');
    const run = virtsim('migrate', '--plugin', fixture('throws.mjs'), '--stop-policy', 'explodes', '--events', log, ...SMALL);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/stop-policy "explodes" from throwing-plugin@2\.0\.0 threw while running: boom/);
    expect(existsSync(log)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a plugin that never finishes loading fails list too, instead of printing nothing with exit 0', () => {
    const run = virtsim('list', '--plugin', fixture('never-loads.mjs'));
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/never-loads\.mjs: never finished loading/);
  });

  it('a strategy whose constructor throws when a run builds it exits 2 naming it, without a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-plugin-'));
    const run = virtsim('migrate', '--plugin', fixture('throws-per-run.cjs'), '--strategy', 'throws-per-run', '--events', join(dir, 'out.ndjson'), ...SMALL);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('virtsim: migration-strategy "throws-per-run" from throws-per-run-plugin@1.0.0 threw while running: ctor boom\n');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a strategy named with a comma at registration, which --strategies could never choose', () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-plugin-'));
    const run = virtsim('compare', '--plugin', fixture('comma-name.cjs'), '--strategies', 'pre-copy', '--events-dir', dir, ...SMALL);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/comma-name\.cjs: register\(\) failed: migration-strategy name "a,b" cannot contain a comma or whitespace/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each(['two words', 'tab\tname', 'a,b'])('the registry refuses the name %j', (name) => {
    class Named extends PreCopyStrategy {
      override readonly name = name;
    }
    expect(() => createRegistry().register('migration-strategy', Named)).toThrow(/cannot contain a comma or whitespace/);
  });
});

describe('where a plugin is listed', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir('virtsim-plugin-listing-'); });
  afterEach(() => removeDir(dir));

  /** `migrate` with an event log in `dir`, run from `dir` (where virtsim.config.json is read). */
  const migrateIn = (...args: string[]) => runCli(['migrate', '--events', join(dir, 'out.ndjson'), ...args], dir);

  it.each([
    ['a path that is not a string', [5], /^virtsim: .*scenario\.json: plugins\.0: must be a string path\n$/],
    ['a list that is not a list', 'x.cjs', /^virtsim: .*scenario\.json: plugins: must be a list of paths\n$/],
    ['a missing file', ['missing.cjs'], /^virtsim: .*scenario\.json: plugins\.0: .*missing\.cjs: no such file\n$/],
  ])('the scenario\'s plugins with %s: exit 2 naming the scenario file and the entry', (_what, plugins, message) => {
    const scenario = writeJson(join(dir, 'scenario.json'), { ...smallScenario(), plugins });
    const run = migrateIn('--scenario', scenario);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(listDir(dir)).toEqual(['scenario.json']);
  });

  it.each([
    ['an unknown key', { plugns: [] }, 'virtsim: virtsim.config.json: plugns: unknown field\n'],
    ['a list instead of an object', [], 'virtsim: virtsim.config.json: must be an object such as { "plugins": ["./my-plugin.mjs"] }\n'],
    ['a path that is not a string', { plugins: [5] }, 'virtsim: virtsim.config.json: plugins.0: must be a string path\n'],
    ['a missing plugin', { plugins: ['missing.cjs'] }, 'virtsim: virtsim.config.json: plugins.0: missing.cjs: no such file\n'],
  ])('virtsim.config.json with %s: exit 2 naming the file and the field', (_what, config, message) => {
    writeJson(join(dir, 'virtsim.config.json'), config);
    const run = migrateIn(...SMALL);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(message);
    expect(listDir(dir)).toEqual(['virtsim.config.json']);
  });

  it('an unnamed plugin is stamped with its file\'s base name: the same log wherever the project lives', () => {
    const unnamed = readFileSync(fixture('echo-workload.cjs'), 'utf8').replace("name: 'echo-workload', version: '1.0.0', ", '');
    const logs = ['here', 'elsewhere/deeper'].map((place) => {
      const project = join(dir, place);
      mkdirSync(project, { recursive: true });
      // A package.json without a name (only a module type) ends the search for one above.
      writeJson(join(project, 'package.json'), { type: 'commonjs' });
      writeFileSync(join(project, 'echo.cjs'), unnamed);
      const scenario = writeJson(join(project, 'scenario.json'), { ...smallScenario({ workload: { model: 'echo', rate: 1000, pages: 64 } }), plugins: ['./echo.cjs'] });
      const run = runCli(['migrate', '--scenario', scenario, '--events', join(project, 'out.ndjson')]);
      expect(run).toMatchObject({ status: 0, stderr: '' });
      return readFileSync(join(project, 'out.ndjson'), 'utf8');
    });
    const header = JSON.parse(logs[0].slice(0, logs[0].indexOf('\n')));
    expect(header.plugins).toEqual([{ name: 'echo.cjs', version: '0.0.0' }]);
    expect(header.strategies.workload.origin).toBe('echo.cjs@0.0.0');
    expect(logs[1]).toBe(logs[0]);
  });

  it('a plugin listed by both --plugin and virtsim.config.json, spelt differently, loads once', () => {
    writeJson(join(dir, 'virtsim.config.json'), { plugins: [relative(dir, fixture('forgetful.cjs'))] });
    const run = runCli(['list', '--json', '--plugin', fixture('forgetful.cjs')], dir);
    expect(run.status).toBe(0);
    const forgetful = (JSON.parse(run.stdout) as { name: string }[]).filter((entry) => entry.name === 'forgetful');
    expect(forgetful).toHaveLength(1);
  });
});
