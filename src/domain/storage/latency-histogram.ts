/**
 * Latency histograms with eighth-octave buckets (about 9 % wide): bucket b
 * holds latencies in (2^((b-1)/8), 2^(b/8)] ns. Fixed-size, mergeable, and
 * cheap to encode as sparse [bucket, count] pairs, so p50/p99 come from the
 * events and a replay computes the same figures.
 */
export const HISTOGRAM_BUCKETS = 400;

export function bucketOf(latencyNs: number): number {
  if (latencyNs <= 1) return 0;
  const bucket = Math.ceil(Math.log2(latencyNs) * 8);
  return bucket >= HISTOGRAM_BUCKETS ? HISTOGRAM_BUCKETS - 1 : bucket;
}

/** The bucket's upper bound in ns (what a percentile in it reports). */
export function bucketUpperNs(bucket: number): number {
  return Math.round(2 ** (bucket / 8));
}

/** Sparse [bucket, count, ...] pairs of the non-empty buckets; clears `counts`. */
export function drainSparse(counts: Uint32Array): number[] {
  const flat: number[] = [];
  for (let b = 0; b < counts.length; b++) {
    if (counts[b] !== 0) {
      flat.push(b, counts[b]);
      counts[b] = 0;
    }
  }
  return flat;
}

/** The latency at quantile q (0..1) of a dense histogram, capped by the true maximum. */
export function quantileNs(counts: ArrayLike<number>, q: number, maxNs: number): number {
  let total = 0;
  for (let b = 0; b < counts.length; b++) total += counts[b];
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let b = 0; b < counts.length; b++) {
    seen += counts[b];
    if (seen >= rank) return Math.min(bucketUpperNs(b), maxNs);
  }
  return maxNs;
}
