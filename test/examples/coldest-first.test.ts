import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareStrategies } from '../../src/app/use-cases/compare';
import { createRegistry } from '../../src/infrastructure/container/built-ins';
import type { PluginModule } from '../../src/infrastructure/plugins/plugin-loader';
import { PageBitmap } from '../../src/domain/memory/page-bitmap';
import { virtsim } from './helpers';

const PLUGIN_DIR = resolve(__dirname, '../../examples/plugins/coldest-first');
const PLUGIN = join(PLUGIN_DIR, 'index.cjs');
const SCENARIO = join(PLUGIN_DIR, 'scenario.json');
const scenario = (): Record<string, unknown> => JSON.parse(readFileSync(SCENARIO, 'utf8'));

// The plugin is plain CommonJS, loaded the way `--plugin` loads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require(PLUGIN) as PluginModule & { ColdestFirstPreCopy: new () => ColdestFirst };

/** What the plugin loader does (jest cannot run its import()): call register() with the registry. */
function registryWithPlugin() {
  const registry = createRegistry();
  plugin.register({ register: (kind, strategy) => registry.register(kind, strategy, `${plugin.name}@${plugin.version}`) });
  return registry;
}

interface ColdestFirst {
  heat: Uint32Array;
  sendColdest(ctx: unknown, budget: number): { bytes: number };
}

describe('examples/plugins/coldest-first', () => {
  it('exports register() with its package name and version', () => {
    const pkg = JSON.parse(readFileSync(join(PLUGIN_DIR, 'package.json'), 'utf8'));
    expect({ name: plugin.name, version: plugin.version }).toEqual({ name: pkg.name, version: pkg.version });
    expect(registryWithPlugin().describe('migration-strategy', 'coldest-first')).toMatchObject({ version: '1.0.0', origin: 'virtsim-plugin-coldest-first@1.0.0' });
  });

  it('stays consistent and, on the same hot-cold trace, sends less than the built-in pre-copy', () => {
    const registry = registryWithPlugin();
    const results = compareStrategies({ registry, scenario: scenario(), source: SCENARIO, strategies: ['pre-copy', 'coldest-first'] });
    const base = results['pre-copy'];
    const cold = results['coldest-first'];
    for (const result of [base, cold]) {
      expect(result.status).toBe('completed');
      expect(result.verification.consistent).toBe(true);
    }
    // Same first pass, same guest: the bulk copy is identical ...
    expect(cold.rounds[0]).toEqual(base.rounds[0]);
    expect(cold.ram.total).toBe(base.ram.total);
    // ... then hot pages go last and are re-sent less often: fewer bytes, a shorter migration,
    // and (the price) a slightly larger remainder at stop-and-copy, so a longer downtime.
    expect(cold.ram.transferred).toBeLessThan(base.ram.transferred);
    expect(cold['total-time']).toBeLessThan(base['total-time']);
    expect(cold.downtime).toBeGreaterThan(base.downtime);
    expect(cold.downtime).toBeLessThanOrEqual(100 + 1); // still within downtime-limit (100 ms) plus the link latency
  });

  it('sends exactly the coldest pending pages that fit the budget and puts the others back', () => {
    const strategy = new plugin.ColdestFirstPreCopy();
    const pages = 64;
    const toSend = new PageBitmap(pages);
    for (let page = 0; page < 10; page++) toSend.add(page);
    strategy.heat = new Uint32Array(pages);
    for (let page = 0; page < 5; page++) strategy.heat[page] = 5; // hot: 0..4
    strategy.heat[7] = 1;
    const memory = { pages, toSend, zero: new PageBitmap(pages), zeroPageCost: 8, normalPageCost: 4104 };
    const offered: number[][] = [];
    const ctx = {
      memory,
      sendDirty: (_phase: string, budget: number) => {
        const seen: number[] = [];
        for (let page = toSend.nextSet(0); page !== -1; page = toSend.nextSet(page + 1)) seen.push(page);
        offered.push(seen);
        let bytes = 0;
        for (const page of seen) {
          if (bytes >= budget) break;
          toSend.delete(page);
          bytes += 4104;
        }
        return { bytes };
      },
    };
    strategy.sendColdest(ctx, 3 * 4104);
    // Heat 0 first (5, 6, 8, 9), in address order, while under budget: 5, 6, 8.
    expect(offered).toEqual([[5, 6, 8]]);
    const left: number[] = [];
    for (let page = toSend.nextSet(0); page !== -1; page = toSend.nextSet(page + 1)) left.push(page);
    expect(left).toEqual([0, 1, 2, 3, 4, 7, 9]);

    // Pages held back are restored even when sending throws.
    expect(() => strategy.sendColdest({ memory, sendDirty: () => { throw new Error('link gone'); } }, 4104)).toThrow('link gone');
    expect(toSend.count).toBe(7);
  });

  it('runs from the CLI through the scenario\'s plugins list; the log names it and replays without it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-coldest-'));
    const log = join(dir, 'run.ndjson');
    const run = virtsim(['migrate', '--scenario', SCENARIO, '--events', log, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.verification.consistent).toBe(true);
    const header = JSON.parse(readFileSync(log, 'utf8').split('\n')[0]);
    expect(header.plugins).toEqual([{ name: 'virtsim-plugin-coldest-first', version: '1.0.0' }]);
    expect(header.strategies['migration-strategy']).toEqual({ name: 'coldest-first', version: '1.0.0', origin: 'virtsim-plugin-coldest-first@1.0.0' });
    // replay folds events; it needs no plugin.
    const replayed = virtsim(['replay', log, '--json']);
    expect(replayed.status).toBe(0);
    expect(JSON.parse(replayed.stdout)).toEqual(result);
  });

  it('shows in `virtsim list` with its origin', () => {
    const listed = virtsim(['list', '--json', '--plugin', PLUGIN]);
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ kind: 'migration-strategy', name: 'coldest-first', origin: 'virtsim-plugin-coldest-first@1.0.0' }));
  });
});
