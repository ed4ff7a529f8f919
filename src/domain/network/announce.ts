/** QEMU's announce parameters in ns. */
export interface AnnounceTimers {
  readonly rounds: number;
  readonly initialNs: number;
  readonly maxNs: number;
  readonly stepNs: number;
}

/**
 * Offsets from resume of each announce round, as qemu_announce_self does it:
 * the first round at once, then after initial, initial + step, initial +
 * 2 step ... each gap capped at announce-max.
 * Defaults (5 rounds, 50/100/550 ms) give 0, 50, 200, 450, 800 ms.
 */
export function announceOffsets(timers: AnnounceTimers): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (let round = 0; round < timers.rounds; round++) {
    if (round > 0) {
      const gap = timers.initialNs + (round - 1) * timers.stepNs;
      at += gap < 0 || gap > timers.maxNs ? timers.maxNs : gap;
    }
    offsets.push(at);
  }
  return offsets;
}
