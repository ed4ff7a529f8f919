import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/app/cli/main';
import { removeDir, virtsim } from '../support/cli';

const ROOT = resolve(__dirname, '../..');

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((text) => { chunks.push(String(text)); return true; });
  try {
    const code = await main(argv);
    return { code, out: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('virtsim storage and replay', () => {
  it('replay of a storage log prints JSON equal to the live run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-storage-cli-'));
    const log = join(dir, 'run.ndjson');
    const live = await capture(['storage', '--scenario', 'examples/scenarios/storage-multipath-thin.json', '--events', log, '--json']);
    expect(live.code).toBe(0);
    expect(JSON.parse(readFileSync(log, 'utf8').split('\n')[0]).kind).toBe('storage');
    const replayed = await capture(['replay', log, '--json']);
    expect(replayed.code).toBe(0);
    expect(replayed.out).toBe(live.out);
  });

  it('replay of one log per model prints what storage --models printed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-storage-cli-'));
    const scenario = 'examples/scenarios/storage-compare.json';
    const models = ['host-based', 'network-based:in-band', 'network-based:out-of-band'];
    for (const model of models) expect((await capture(['storage', '--scenario', scenario, '--model', model, '--events', join(dir, `${model}.ndjson`)])).code).toBe(0);
    const logs = models.map((model) => join(dir, `${model}.ndjson`));
    for (const json of [[], ['--json']]) {
      const compared = await capture(['storage', '--scenario', scenario, '--models', models.join(','), ...json]);
      const replayed = await capture(['replay', ...logs, ...json]);
      expect(replayed.code).toBe(0);
      expect(replayed.out).toBe(compared.out);
    }
  });

  it('storage --models --events-dir writes one log per model, whose replay prints and reports the same bytes (the built binary)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-storage-cli-'));
    const scenario = 'examples/scenarios/storage-compare.json';
    const models = ['host-based', 'device-based', 'network-based:out-of-band'];
    for (const json of [[], ['--json']]) {
      const eventsDir = join(dir, `logs${json.length}`);
      const compared = virtsim(['storage', '--scenario', scenario, '--models', models.join(','), '--events-dir', eventsDir, '--report', join(eventsDir, '..', `models${json.length}.html`), ...json], ROOT);
      expect(compared.stderr).toBe('');
      expect(compared.status).toBe(0);
      // No ':' in a file name (an NTFS alternate data stream); replay reads the model from the header.
      const files = ['host-based.ndjson', 'device-based.ndjson', 'network-based-out-of-band.ndjson'];
      expect(readdirSync(eventsDir).sort()).toEqual([...files].sort());
      const replayed = virtsim(['replay', ...files.map((file) => join(eventsDir, file)), '--report', join(dir, `replayed${json.length}.html`), ...json], ROOT);
      expect(replayed.status).toBe(0);
      expect(replayed.stdout).toBe(compared.stdout);
      expect(readFileSync(join(dir, `replayed${json.length}.html`), 'utf8')).toBe(readFileSync(join(dir, `models${json.length}.html`), 'utf8'));
    }
    // device-based refuses this scenario after host-based ran: neither log appears.
    const refusedDir = join(dir, 'refused');
    const refused = virtsim(['storage', '--scenario', 'examples/scenarios/storage-refused.json', '--models', 'host-based,device-based', '--events-dir', refusedDir], ROOT);
    expect(refused.status).toBe(2);
    expect(existsSync(refusedDir) ? readdirSync(refusedDir) : []).toEqual([]);
    const alone = virtsim(['storage', '--scenario', scenario, '--events-dir', join(dir, 'alone')], ROOT);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toMatch(/--events-dir: needs --models/);
    expect(existsSync(join(dir, 'alone'))).toBe(false);
  });

  it('compares models from the command line', async () => {
    const { code, out } = await capture(['storage', '--scenario', 'examples/scenarios/storage-refused.json', '--models', 'host-based,network-based', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out).models.map((m: { model: string }) => m.model)).toEqual(['host-based', 'network-based']);
  });

  it('refuses a model listed twice, as compare refuses a strategy listed twice', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((text) => { errors.push(String(text)); return true; });
    try {
      const { code, out } = await capture(['storage', '--scenario', 'examples/scenarios/storage-refused.json', '--models', 'host-based,host-based']);
      expect(code).toBe(2);
      expect(out).toBe('');
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('')).toMatch(/--models: "host-based" is listed twice/);
  });

  describe('--models naming a model twice, or a blank name (built CLI)', () => {
    const SCENARIO = 'examples/scenarios/storage-refused.json';

    it.each([
      ['network-based,network-based:in-band', /--models: "network-based" and "network-based:in-band" are the same model/],
      ['network-based:in-band,network-based', /--models: "network-based:in-band" and "network-based" are the same model/],
      ['host-based,', /--models: empty model name/],
      ['host-based,,device-based', /--models: empty model name/],
      ['host-based,network-based:in-band:x', /--models: "network-based:in-band:x" is not MODEL or network-based:MODE/],
    ])('refuses %s with exit 2, running nothing', (models, message) => {
      const run = virtsim(['storage', '--scenario', SCENARIO, '--models', models]);
      expect(run.stderr).toMatch(message);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
    });

    it.each([
      ['network-based:out-of-band,network-based-out-of-band', '"network-based:out-of-band" and "network-based-out-of-band" would both write network-based-out-of-band.ndjson'],
      ['host-based,Host-Based', '"host-based" and "Host-Based" would both write host-based.ndjson and Host-Based.ndjson, one file where names ignore case'],
    ])('--events-dir refuses %s, whose logs would be one file, with exit 2 before anything runs', (models, message) => {
      const dir = mkdtempSync(join(tmpdir(), 'virtsim-storage-cli-'));
      const run = virtsim(['storage', '--scenario', SCENARIO, '--plugin', join(__dirname, 'fixtures/look-alike-models.cjs'), '--models', models, '--events-dir', join(dir, 'logs')], ROOT);
      expect(run.stderr).toBe(`virtsim: --events-dir: ${message}\n`);
      expect(run.status).toBe(2);
      expect(readdirSync(dir)).toEqual([]);
      // Without --events-dir both run.
      expect(virtsim(['storage', '--scenario', SCENARIO, '--plugin', join(__dirname, 'fixtures/look-alike-models.cjs'), '--models', models], ROOT).status).toBe(0);
    });

    it('runs network-based in both modes when the other mode is named', () => {
      const run = virtsim(['storage', '--scenario', SCENARIO, '--models', 'network-based,network-based:out-of-band', '--json']);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout).models).toHaveLength(2);
    });
  });

  describe('what metadata changes cost, in the text (built CLI)', () => {
    const text = (args: readonly string[]): string => {
      const run = virtsim(['storage', ...args], ROOT);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      return run.stdout;
    };

    it('out of band names the map invalidations for what they are, on a pool one host uses, and lists no pools', () => {
      const args = ['--scenario', 'examples/scenarios/storage-refused.json', '--model', 'network-based:out-of-band'];
      const out = text(args);
      expect(out).toContain("map invalidations: 1 metadata changes sent 1 invalidations of hosts' cached maps (1 each)\n");
      expect(out).not.toContain('cluster locking');
      expect(out).not.toContain('shared pools');
      // The JSON counts the same invalidations (under its cluster-locking key), and lists no pool shared by several hosts.
      const locking = (JSON.parse(text([...args, '--json'])) as { 'cluster-locking': unknown })['cluster-locking'];
      expect(locking).toEqual({ 'shared-pools': [], 'metadata-changes': 1, messages: 1, 'messages-per-change': 1 });
    });

    it('host-based names its lock messages and the pools several hosts share', () => {
      expect(text(['--scenario', 'examples/scenarios/storage-host-cluster.json'])).toContain('cluster locking: 4 metadata changes cost 32 lock messages (8 each; shared pools shared)\n');
    });

    it('with a cluster section, the lock waits show, replay prints them too, and a bad message-latency is refused by its field', () => {
      const dir = mkdtempSync(join(tmpdir(), 'virtsim-storage-cli-'));
      const log = join(dir, 'locks.ndjson');
      const live = virtsim(['storage', '--scenario', 'examples/scenarios/storage-cluster-locks.json', '--events', log], ROOT);
      expect(live.status).toBe(0);
      expect(live.stdout).toMatch(/^cluster lock during the run: 192 metadata changes held it 230\.4 ms .*; 144 I\/Os waited for it/m);
      expect(live.stdout).toContain('  quad-db: 72 I/Os waited 1149.862 ms for the cluster lock\n');
      expect(virtsim(['replay', log], ROOT).stdout).toBe(live.stdout);
      const scenario = JSON.parse(readFileSync(join(ROOT, 'examples/scenarios/storage-cluster-locks.json'), 'utf8')) as Record<string, unknown>;
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ ...scenario, cluster: { 'message-latency': '-1ms' } }));
      const refused = virtsim(['storage', '--scenario', bad, '--events', join(dir, 'bad.ndjson')], ROOT);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain('cluster.message-latency');
      expect(existsSync(join(dir, 'bad.ndjson'))).toBe(false);
    });

    it('without the cluster section the lock messages are the same (every pvmove checkpoint counted), live and replayed', () => {
      const dir = mkdtempSync(join(tmpdir(), 'virtsim-storage-cli-'));
      const { cluster: _cluster, ...scenario } = JSON.parse(readFileSync(join(ROOT, 'examples/scenarios/storage-cluster-locks.json'), 'utf8')) as Record<string, unknown>;
      const unpriced = join(dir, 'unpriced.json');
      writeFileSync(unpriced, JSON.stringify(scenario));
      const log = join(dir, 'unpriced.ndjson');
      const live = virtsim(['storage', '--scenario', unpriced, '--events', log], ROOT);
      expect(live.status).toBe(0);
      expect(live.stdout).toContain('cluster locking: 198 metadata changes cost 1192 lock messages (6.02 each; shared pools pair, quad)\n');
      expect(live.stdout).not.toContain('cluster lock during the run');
      expect(virtsim(['replay', log], ROOT).stdout).toBe(live.stdout);
      const table = text(['--scenario', unpriced, '--models', 'host-based,device-based']);
      expect(table).toMatch(/│ host-based +│ quad-db +│.*│ 1192 +│ 0 +│ 0 +│/);
      removeDir(dir);
    });

    it('the comparison\'s column counts both as metadata messages', () => {
      const out = text(['--scenario', 'examples/scenarios/storage-compare.json', '--models', 'host-based,network-based:out-of-band']);
      expect(out).toMatch(/│ metadata msgs │/);
      expect(out).toMatch(/│ network-based \(out-of-band\) │ db +│.*│ 322 +│ 307 +│/);
      expect(out).not.toContain('lock msgs');
    });
  });
});
