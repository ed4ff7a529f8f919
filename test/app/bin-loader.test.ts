import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeDir, tempDir, virtsim } from '../support/cli';

const ROOT = resolve(__dirname, '../..');

/**
 * dist/bin/virtsim.js runs the bundle with the V8 code cache the build wrote;
 * a cache from another Node, a damaged one or none at all must only cost
 * compile time. Checked on a copy of dist/bin (dist/src and node_modules
 * linked beside it), so the real one is never touched.
 */
describe('the CLI loader and its code cache', () => {
  let dir: string;
  let bin: string;
  beforeAll(() => {
    dir = tempDir('virtsim-loader-');
    bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const file of ['virtsim.js', 'virtsim.bundle.js']) copyFileSync(join(ROOT, 'dist/bin', file), join(bin, file));
    symlinkSync(join(ROOT, 'dist/src'), join(dir, 'src'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(() => removeDir(dir));

  const run = (args: readonly string[]) => spawnSync(process.execPath, [join(bin, 'virtsim.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

  it('runs without a cache, and with a damaged one, printing what the built CLI prints', () => {
    const reference = virtsim(['list', '--json']);
    expect(reference.status).toBe(0);
    rmSync(join(bin, 'virtsim.bundle.js.cache'), { force: true });
    const none = run(['list', '--json']);
    expect(none.status).toBe(0);
    expect(none.stdout).toBe(reference.stdout);
    writeFileSync(join(bin, 'virtsim.bundle.js.cache'), Buffer.from('not a V8 code cache'));
    const damaged = run(['list', '--json']);
    expect(damaged.stderr).toBe('');
    expect(damaged.status).toBe(0);
    expect(damaged.stdout).toBe(reference.stdout);
  });

  it('with the build\'s cache, still imports an ES-module plugin (code from a cache has no dynamic-import hook of its own)', () => {
    copyFileSync(join(ROOT, 'dist/bin/virtsim.bundle.js.cache'), join(bin, 'virtsim.bundle.js.cache'));
    const listed = run(['list', '--plugin', join(ROOT, 'examples/plugins/fill-first/index.mjs')]);
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/allocation-policy\s+fill-first\s+1\.0\.0/);
  });
});
