import { createHash } from 'node:crypto';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import type { RandomStream } from '../domain/random-stream';

const TWO_POW_26 = 2 ** 26;
const TWO_POW_53 = 2 ** 53;
/** Below this many generator steps, stepping is cheaper than a jump (~0.3 ms). */
const JUMP_MIN_STEPS = 1 << 17;

class XoroshiroStream implements RandomStream {
  constructor(private generator: RandomGenerator) {}

  nextFloat(): number {
    const high = this.generator.next() >>> 5;
    const low = this.generator.next() >>> 6;
    return (high * TWO_POW_26 + low) / TWO_POW_53;
  }

  nextInt(bound: number): number {
    return Math.floor(this.nextFloat() * bound);
  }

  skipFloats(count: number): void {
    const steps = 2 * count;
    if (steps < JUMP_MIN_STEPS) {
      for (let i = 0; i < steps; i++) this.generator.next();
    } else {
      this.generator = jumped(this.generator, steps);
    }
  }
}

// ---- jumping ahead ----
//
// xoroshiro128+'s step T is linear over GF(2) on its 128 state bits, so
// T^k = r(T) where r(x) = x^k mod P(x) and P is T's characteristic
// polynomial: k steps cost one polynomial power and 128 steps, however large
// k is. (pure-rand offers only the fixed 2^64 jump.) Polynomials are 32-bit
// words, lowest first, in Int32Arrays: plain integer work, which V8
// compiles in a fraction of the time BigInt arithmetic took.

/**
 * P(x) = x^128 + Q(x), Q's words below. Found by Berlekamp-Massey on one state
 * bit of 256 successive steps; the skipFloats tests check every jump against
 * drawing, so a wrong P cannot pass them.
 */
const Q = Int32Array.of(0x579aa001, 0x095b8f76, 0x513b43d5, 0x0008828e);

/** SPREAD[b]: the bits of byte b moved to the even positions of 16 bits (squaring over GF(2) is this spread). */
const SPREAD = Int32Array.from({ length: 256 }, (_, byte) => {
  let spread = 0;
  for (let bit = 0; bit < 8; bit++) spread |= ((byte >>> bit) & 1) << (2 * bit);
  return spread;
});

/** wide ^= Q(x) * x^shift, for shift < 128 (so the product stays below x^255). */
function xorShiftedQ(wide: Int32Array, shift: number): void {
  const offset = shift >>> 5;
  const bits = shift & 31;
  for (let i = 0; i < 4; i++) {
    wide[offset + i] ^= Q[i] << bits;
    if (bits !== 0) wide[offset + i + 1] ^= Q[i] >>> (32 - bits);
  }
}

/** a(x)^2 mod P(x) into a; `wide` is 8 words of scratch. */
function squareMod(a: Int32Array, wide: Int32Array): void {
  for (let i = 0; i < 4; i++) {
    const word = a[i];
    wide[2 * i] = SPREAD[word & 255] | (SPREAD[(word >>> 8) & 255] << 16);
    wide[2 * i + 1] = SPREAD[(word >>> 16) & 255] | (SPREAD[word >>> 24] << 16);
  }
  // x^n = x^(n - 128) * x^128 = x^(n - 128) * Q(x) mod P: fold the top bits down, highest first
  // (each fold changes only lower bits, which the loop then sees).
  for (let j = 7; j >= 4; j--) {
    while (wide[j] !== 0) {
      const bit = 31 - Math.clz32(wide[j]);
      wide[j] ^= 1 << bit;
      xorShiftedQ(wide, 32 * j + bit - 128);
    }
  }
  a.set(wide.subarray(0, 4));
}

/** x^k mod P(x), by squaring and multiplying by x along k's bits. */
function xPowerMod(k: number): Int32Array {
  const result = Int32Array.of(1, 0, 0, 0);
  const wide = new Int32Array(8);
  for (const bit of k.toString(2)) {
    squareMod(result, wide);
    if (bit === '1') {
      const carry = result[3] >>> 31;
      for (let i = 3; i > 0; i--) result[i] = (result[i] << 1) | (result[i - 1] >>> 31);
      result[0] <<= 1;
      if (carry !== 0) for (let i = 0; i < 4; i++) result[i] ^= Q[i];
    }
  }
  return result;
}

/** A generator `steps` ahead of `generator` (which is left as it was). */
function jumped(generator: RandomGenerator, steps: number): RandomGenerator {
  const r = xPowerMod(steps);
  const walker = xoroshiro128plusFromState(generator.getState() as number[]);
  const sum = [0, 0, 0, 0];
  for (let j = 0; j < 128; j++) {
    if (((r[j >>> 5] >>> (j & 31)) & 1) !== 0) {
      const state = walker.getState() as number[];
      for (let w = 0; w < 4; w++) sum[w] ^= state[w];
    }
    walker.next();
  }
  return xoroshiro128plusFromState(sum);
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
