import 'reflect-metadata';
import { PageBitmap } from '../../src/domain/memory/page-bitmap';
import { seedZeroPages, startsWithZeroPages } from '../../src/domain/memory/zero-pages';
import { scenarioSchema, type Scenario } from '../../src/domain/scenario/schema';
import { RandomStreams } from '../../src/infrastructure/random';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { eventsOfType } from '../support/log';
import { smallScenario } from '../support/scenarios';

const MiB = 1024 * 1024;

function seeded(scenario: Scenario): PageBitmap {
  const zero = new PageBitmap(scenario.vm.memory / scenario.vm['page-size']);
  seedZeroPages(zero, scenario, new RandomStreams(scenario.seed));
  return zero;
}

describe('the zero pages a run starts with', () => {
  const scenario = scenarioSchema.parse(smallScenario({ memory: '64MiB', zeroPageRatio: 0.5 }));

  it('come in whole 2 MiB regions, about the ratio of them', () => {
    const zero = seeded(scenario);
    const regionPages = (2 * MiB) / 4096;
    let zeroRegions = 0;
    for (let start = 0; start < zero.size; start += regionPages) {
      const count = zero.countRange(start, regionPages);
      expect([0, regionPages]).toContain(count);
      if (count > 0) zeroRegions++;
    }
    expect(zeroRegions).toBeGreaterThan(4);
    expect(zeroRegions).toBeLessThan(28);
  });

  it('are the ones the run seeds: a replay knows them from the seed and the scenario', () => {
    const run = runMigration({ scenario, keepLog: true });
    const [started] = eventsOfType(run.logText as string, 'MigrationStarted');
    expect(started.data.zeroPages).toBe(seeded(run.scenario).count);
    expect(started.data.zeroPages).toBeGreaterThan(0);
  });

  it('are none with zero-page detection off or a ratio of 0', () => {
    const off = { ...scenario, migration: { ...scenario.migration, capabilities: { ...scenario.migration.capabilities, 'zero-page-detection': false } } };
    const none = { ...scenario, vm: { ...scenario.vm, 'zero-page-ratio': 0 } };
    expect(startsWithZeroPages(scenario)).toBe(true);
    for (const without of [off, none]) {
      expect(startsWithZeroPages(without)).toBe(false);
      expect(seeded(without).count).toBe(0);
    }
  });
});
