import { byCodeUnits } from '../text-order';

/** One VM's claim on one host resource: what it would use, and its limit (null: best effort, no reservation). */
export interface Claim {
  readonly vm: string;
  readonly demand: number;
  readonly limit: number | null;
}

/**
 * Shares a host resource: a limited VM is reserved its limit and gets
 * min(demand, limit) whatever the others do; best-effort VMs share what is
 * left by max-min fairness (water-filling). So a noisy neighbour can only
 * take from the leftover, never from another VM's reservation.
 */
export function allocate(capacity: number, claims: readonly Claim[]): Map<string, number> {
  const result = new Map<string, number>();
  let left = capacity;
  for (const c of claims) {
    if (c.limit === null) continue;
    const got = Math.min(c.demand, c.limit);
    result.set(c.vm, got);
    left -= got;
  }
  let open = claims.filter((c) => c.limit === null).sort((a, b) => a.demand - b.demand || byCodeUnits(a.vm, b.vm));
  left = Math.max(0, left);
  while (open.length > 0) {
    const fair = left / open.length;
    const smallest = open[0];
    if (smallest.demand <= fair) {
      result.set(smallest.vm, smallest.demand);
      left -= smallest.demand;
      open = open.slice(1);
    } else {
      for (const c of open) result.set(c.vm, fair);
      open = [];
    }
  }
  return result;
}
