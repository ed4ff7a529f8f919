/** A named, seeded stream of random numbers: the only randomness strategies see. */
export interface RandomStream {
  /** Uniform in [0, 1), 53 bits of randomness. */
  nextFloat(): number;
  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number;
  /** Moves past the next `count` draws (nextFloat or nextInt: one each) as if they had been made, in far less time. */
  skipFloats(count: number): void;
}
