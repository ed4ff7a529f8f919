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
// k is. (pure-rand offers only the fixed 2^64 jump.)

/** P(x), found once by Berlekamp-Massey on one state bit of 256 successive steps. */
let characteristic: bigint | undefined;

function characteristicPolynomial(): bigint {
  if (characteristic !== undefined) return characteristic;
  const generator = xoroshiro128plusFromState([0x2545f491, 0x4f6cdd1d, 0x3c6ef372, 0x1b873593]);
  const bits: number[] = [];
  for (let t = 0; t < 256; t++) {
    bits.push(generator.getState()[1] & 1);
    generator.next();
  }
  // Connection polynomial c(x) = 1 + c1 x + ... + cL x^L of the shortest LFSR producing `bits`.
  const c = [1];
  let b = [1];
  let length = 0;
  let lastChange = -1;
  for (let n = 0; n < bits.length; n++) {
    let discrepancy = bits[n];
    for (let i = 1; i <= length; i++) discrepancy ^= (c[i] ?? 0) & bits[n - i];
    if (discrepancy === 0) continue;
    const previous = c.slice();
    const shift = n - lastChange;
    while (c.length < b.length + shift) c.push(0);
    for (let i = 0; i < b.length; i++) c[i + shift] ^= b[i];
    if (2 * length <= n) {
      length = n + 1 - length;
      lastChange = n;
      b = previous;
    }
  }
  if (length !== 128) throw new Error(`xoroshiro128+ characteristic polynomial has degree ${length}, expected 128`);
  // T's characteristic polynomial is c's reciprocal: x^128 + c1 x^127 + ... + c128.
  let p = 0n;
  for (let i = 0; i <= length; i++) if (c[i]) p |= 1n << BigInt(length - i);
  characteristic = p;
  return p;
}

const SPREAD_NIBBLE = ['00', '01', '04', '05', '10', '11', '14', '15', '40', '41', '44', '45', '50', '51', '54', '55'];

/** a(x)^2 mod p(x) over GF(2): squaring spreads the bits (each hex digit to two). */
function squareMod(a: bigint, p: bigint): bigint {
  let square = BigInt(`0x${[...a.toString(16)].map((digit) => SPREAD_NIBBLE[parseInt(digit, 16)]).join('')}`);
  for (let bit = 254n; bit >= 128n; bit--) {
    if ((square >> bit) & 1n) square ^= p << (bit - 128n);
  }
  return square;
}

/** x^k mod p(x), by squaring and multiplying by x along k's bits. */
function xPowerMod(k: number, p: bigint): bigint {
  let result = 1n;
  for (const bit of k.toString(2)) {
    result = squareMod(result, p);
    if (bit === '1') {
      result <<= 1n;
      if ((result >> 128n) & 1n) result ^= p;
    }
  }
  return result;
}

/** A generator `steps` ahead of `generator` (which is left as it was). */
function jumped(generator: RandomGenerator, steps: number): RandomGenerator {
  const r = xPowerMod(steps, characteristicPolynomial());
  const walker = xoroshiro128plusFromState(generator.getState() as number[]);
  const sum = [0, 0, 0, 0];
  for (let j = 0n; j < 128n; j++) {
    if ((r >> j) & 1n) {
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
