import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { virtsim as runCli } from '../support/cli';

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
    ['the wrong shape', 'wrong-shape.mjs', /exports no register/],
    ['a name that already exists', 'duplicate.cjs', /"pre-copy" is already registered by built-in/],
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
});
