/** TCP retransmission parameters in ns. */
export interface TcpTimers {
  readonly rtoMinNs: number;
  readonly rtoMaxNs: number;
  readonly retries: number;
}

/** What happens when a segment's retransmission timer expires. */
export type TimeoutDecision =
  | { readonly action: 'retransmit'; readonly attempt: number; readonly nextRtoNs: number }
  | { readonly action: 'give-up'; readonly attempts: number };

/**
 * RFC 6298 backoff as Linux does it: the timer starts at the RTO, doubles on
 * every expiry up to TCP_RTO_MAX, and after `retries` retransmissions the
 * connection is given up. (Linux checks tcp_retries2 as a time, the sum of
 * that many doublings from TCP_RTO_MIN: 924.6 s for 15; counting
 * retransmissions gives the same when the RTO starts at the minimum.)
 */
export function onRetransmissionTimeout(timers: TcpTimers, attemptsSoFar: number, expiredRtoNs: number): TimeoutDecision {
  if (attemptsSoFar >= timers.retries) return { action: 'give-up', attempts: attemptsSoFar };
  return { action: 'retransmit', attempt: attemptsSoFar + 1, nextRtoNs: Math.min(timers.rtoMaxNs, expiredRtoNs * 2) };
}

/** A connection's round-trip estimate; `srttNs` 0 means no sample yet. */
export interface RttEstimate {
  readonly srttNs: number;
  readonly rttvarNs: number;
}

export const NO_RTT_SAMPLE: RttEstimate = { srttNs: 0, rttvarNs: 0 };

/** RFC 6298 section 2: the first sample sets SRTT = R, RTTVAR = R/2; later ones smooth with beta 1/4, alpha 1/8. */
export function updateRtt(estimate: RttEstimate, sampleNs: number): RttEstimate {
  if (estimate.srttNs === 0) return { srttNs: sampleNs, rttvarNs: Math.round(sampleNs / 2) };
  return {
    rttvarNs: Math.round((3 * estimate.rttvarNs + Math.abs(estimate.srttNs - sampleNs)) / 4),
    srttNs: Math.round((7 * estimate.srttNs + sampleNs) / 8),
  };
}

/**
 * The RTO for a fresh segment as Linux computes it: SRTT + max(4 x RTTVAR,
 * TCP_RTO_MIN) (tcp_rtt_estimator floors the variance term, not the sum,
 * at rto_min), capped at TCP_RTO_MAX. On a LAN that is SRTT + 200 ms, the
 * "rto:201" `ss -ti` shows, not 200 ms.
 */
export function retransmissionTimeout(timers: TcpTimers, estimate: RttEstimate): number {
  return Math.min(timers.rtoMaxNs, estimate.srttNs + Math.max(timers.rtoMinNs, 4 * estimate.rttvarNs));
}
