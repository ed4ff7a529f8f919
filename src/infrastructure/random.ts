import { createHash } from 'node:crypto';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import type { RandomStream } from '../domain/random-stream';

const TWO_POW_26 = 2 ** 26;
const TWO_POW_53 = 2 ** 53;

class XoroshiroStream implements RandomStream {
  constructor(private readonly generator: RandomGenerator) {}

  nextFloat(): number {
    const high = this.generator.next() >>> 5;
    const low = this.generator.next() >>> 6;
    return (high * TWO_POW_26 + low) / TWO_POW_53;
  }

  nextInt(bound: number): number {
    return Math.floor(this.nextFloat() * bound);
  }
}

/**
 * Independent random streams named by purpose (`workload.writes`,
 * `memory.zero-pages` ...), each seeded from (run seed, name). A stream's
 * numbers do not depend on which other streams exist or how much they were
 * used, so adding a feature does not reshuffle an existing workload.
 */
export class RandomStreams {
  constructor(readonly seed: number) {}

  stream(name: string): RandomStream {
    const digest = createHash('sha256').update(`virtsim:${this.seed}:${name}`).digest();
    const state = [digest.readInt32LE(0), digest.readInt32LE(4), digest.readInt32LE(8), digest.readInt32LE(12)];
    if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
    return new XoroshiroStream(xoroshiro128plusFromState(state));
  }
}
