import { injectable } from 'inversify';
import type { PathLoad, PathSelector } from './strategy';

/** Rotates through the live paths, one I/O each (dm's round-robin with rr_min_io 1). */
@injectable()
export class RoundRobinSelector implements PathSelector {
  readonly name = 'round-robin';
  readonly version = '1.0.0';
  readonly description = 'Rotate through the live paths of the group, one I/O each.';
  private turn = 0;

  select(_candidates: Int32Array, count: number): number {
    return this.turn++ % count;
  }
}

/** The path with the fewest I/Os in flight (backlog measured in I/Os of this size). */
@injectable()
export class QueueLengthSelector implements PathSelector {
  readonly name = 'queue-length';
  readonly version = '1.0.0';
  readonly description = 'Pick the path with the fewest outstanding I/Os.';

  select(candidates: Int32Array, count: number, load: PathLoad, bytes: number, nowNs: number): number {
    let best = 0;
    let bestQueue = Number.POSITIVE_INFINITY;
    for (let i = 0; i < count; i++) {
      const path = candidates[i];
      const perIo = Math.max(1, bytes * load.nsPerByte[path]);
      const queue = Math.ceil(Math.max(0, load.busyUntilNs[path] - nowNs) / perIo);
      if (queue < bestQueue) {
        bestQueue = queue;
        best = i;
      }
    }
    return best;
  }
}

/** The path that would finish this I/O first: backlog plus its transfer at the path's rate (dm's default). */
@injectable()
export class ServiceTimeSelector implements PathSelector {
  readonly name = 'service-time';
  readonly version = '1.0.0';
  readonly description = 'Pick the path with the shortest estimated service time (backlog + size / throughput).';

  select(candidates: Int32Array, count: number, load: PathLoad, bytes: number, nowNs: number): number {
    let best = 0;
    let bestNs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < count; i++) {
      const path = candidates[i];
      const ns = Math.max(0, load.busyUntilNs[path] - nowNs) + bytes * load.nsPerByte[path];
      if (ns < bestNs) {
        bestNs = ns;
        best = i;
      }
    }
    return best;
  }
}
