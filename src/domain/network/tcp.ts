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
 * RFC 6298 backoff as Linux does it: the timer starts at the RTO (never below
 * TCP_RTO_MIN), doubles on every expiry up to TCP_RTO_MAX, and after
 * `retries` retransmissions the connection is given up.
 */
export function onRetransmissionTimeout(timers: TcpTimers, attemptsSoFar: number, expiredRtoNs: number): TimeoutDecision {
  if (attemptsSoFar >= timers.retries) return { action: 'give-up', attempts: attemptsSoFar };
  return { action: 'retransmit', attempt: attemptsSoFar + 1, nextRtoNs: Math.min(timers.rtoMaxNs, expiredRtoNs * 2) };
}

/** The RTO for a fresh segment: the smoothed estimate, floored at TCP_RTO_MIN (LAN RTTs are far below it). */
export function initialRto(timers: TcpTimers, rttNs: number): number {
  return Math.min(timers.rtoMaxNs, Math.max(timers.rtoMinNs, 4 * rttNs));
}
