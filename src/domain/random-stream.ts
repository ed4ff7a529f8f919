/** A named, seeded stream of random numbers: the only randomness strategies see. */
export interface RandomStream {
  /** Uniform in [0, 1), 53 bits of randomness. */
  nextFloat(): number;
  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number;
  /** Writes the next `count` nextFloat() draws into `out` (bulk: the same numbers, faster). */
  fillFloats(out: Float64Array, count: number): void;
  /** Moves past the next `count` draws (nextFloat or nextInt: one each) as if they had been made, in far less time. */
  skipFloats(count: number): void;
}
