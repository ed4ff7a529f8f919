import 'reflect-metadata';
import { runMigration } from '../../src/app/use-cases/run-migration';

const MiB = 1024 ** 2;
const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);

interface ParameterSet {
  readonly name: string;
  readonly memoryMiB: number;
  readonly workingSetMiB: number;
  readonly dirtyRate: number;
  /** Link bandwidth = max-bandwidth, bytes/s: the live rate R. */
  readonly rateBytesPerS: number;
  readonly downtimeLimitMs: number;
  readonly pageSizeBytes: number;
}

/**
 * Chosen so the stop falls clearly between two rounds (the threshold sits
 * near the geometric mean of the last round and the remainder).
 */
const PARAMETER_SETS: readonly ParameterSet[] = [
  { name: '256 MiB, 64 MiB working set, 5k writes/s, 1 Gbit/s', memoryMiB: 256, workingSetMiB: 64, dirtyRate: 5000, rateBytesPerS: 125e6, downtimeLimitMs: 2.7, pageSizeBytes: 4096 },
  { name: '64 MiB all written, 2k writes/s, 8 KiB pages', memoryMiB: 64, workingSetMiB: 64, dirtyRate: 2000, rateBytesPerS: 125e6, downtimeLimitMs: 10, pageSizeBytes: 8192 },
  { name: '128 MiB, 16 MiB working set, 40k writes/s, 2 Gbit/s', memoryMiB: 128, workingSetMiB: 16, dirtyRate: 40000, rateBytesPerS: 250e6, downtimeLimitMs: 5.4, pageSizeBytes: 4096 },
  { name: '32 MiB all written, 10k writes/s, 500 Mbit/s', memoryMiB: 32, workingSetMiB: 32, dirtyRate: 10000, rateBytesPerS: 62.5e6, downtimeLimitMs: 18, pageSizeBytes: 4096 },
];

/**
 * DESIGN.md's analytic model of the uniform workload under pass-threshold:
 * V(0) = all pages, V(i+1) = W (1 - exp(-D T(i) / W)), T(i) = V(i) (pageSize + 8) / R,
 * stopping after the first pass whose successor fits the threshold. The last
 * value is what the stop-and-copy sends.
 */
function expectedRounds(set: ParameterSet): { rounds: number[]; remainder: number } {
  const pages = (set.memoryMiB * MiB) / set.pageSizeBytes;
  const workingSet = (set.workingSetMiB * MiB) / set.pageSizeBytes;
  const thresholdBytes = (set.rateBytesPerS * set.downtimeLimitMs) / 1000;
  const rounds = [pages];
  for (;;) {
    const seconds = (rounds[rounds.length - 1] * (set.pageSizeBytes + 8)) / set.rateBytesPerS;
    const next = workingSet * (1 - Math.exp((-set.dirtyRate * seconds) / workingSet));
    if (next * set.pageSizeBytes <= thresholdBytes) return { rounds, remainder: next };
    rounds.push(next);
    if (rounds.length > 100) throw new Error('the parameter set does not converge');
  }
}

function run(set: ParameterSet, seed: number) {
  return runMigration({
    scenario: {
      seed,
      vm: {
        memory: set.memoryMiB * MiB,
        'page-size': set.pageSizeBytes,
        'zero-page-ratio': 0,
        workload: { model: 'uniform', 'dirty-rate': set.dirtyRate, 'working-set': set.workingSetMiB * MiB },
      },
      link: { bandwidth: set.rateBytesPerS, latency: 0.1 },
      migration: { 'stop-policy': 'pass-threshold', parameters: { 'downtime-limit': set.downtimeLimitMs, 'max-bandwidth': set.rateBytesPerS } },
    },
  }).result;
}

/** Within 3 %, or three standard errors of the seed average for small rounds (a count of distinct pages varies about as its square root). */
function tolerance(expected: number): number {
  return Math.max(0.03 * expected, (3 * Math.sqrt(expected)) / Math.sqrt(SEEDS.length));
}

describe('pass-threshold rounds under the uniform workload', () => {
  for (const set of PARAMETER_SETS) {
    describe(`given ${set.name}`, () => {
      const model = expectedRounds(set);
      let results: ReturnType<typeof run>[] = [];
      beforeAll(() => {
        results = SEEDS.map((seed) => run(set, seed));
      });

      it('makes as many rounds as the analytic model, round 0 being all of memory', () => {
        expect(model.rounds.length).toBeGreaterThanOrEqual(2);
        for (const result of results) {
          expect(result.status).toBe('completed');
          expect(result.rounds.map((r) => r.round)).toEqual(model.rounds.map((_, i) => i));
          expect(result.rounds[0].pages).toBe(model.rounds[0]);
        }
      });

      it('sends round sizes V(i+1) = W(1 - exp(-D T(i) / W)) on average over seeds', () => {
        const averages = model.rounds.map((_, i) => results.reduce((sum, r) => sum + r.rounds[i].pages, 0) / results.length);
        const comparison = model.rounds.map((expected, i) => ({ round: i, expected: Math.round(expected), average: averages[i] }));
        for (const { expected, average } of comparison) {
          expect(Math.abs(average - expected)).toBeLessThanOrEqual(tolerance(expected));
        }
      });

      it('leaves the model\'s remainder for the stop-and-copy', () => {
        const average = results.reduce((sum, r) => sum + r.ram['downtime-bytes'] / (set.pageSizeBytes + 8), 0) / results.length;
        expect(Math.abs(average - model.remainder)).toBeLessThanOrEqual(tolerance(model.remainder));
      });

      it('spends T(i) = V(i) (pageSize + 8) / R on each round', () => {
        for (const result of results) {
          for (const round of result.rounds) {
            expect(round.bytes).toBe(round.pages * (set.pageSizeBytes + 8));
            expect(Math.abs(round.duration - (round.bytes / set.rateBytesPerS) * 1000)).toBeLessThan(0.002);
          }
        }
      });
    });
  }
});
