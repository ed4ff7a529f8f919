// virtsim plugin: the `fill-first` storage allocation policy.
//
// Plain ES module, loaded with `virtsim storage --scenario FILE --plugin examples/plugins/fill-first/index.mjs`
// and selected by a pool's (or a volume's) `"allocation": "fill-first"`.
// An allocation policy needs nothing from the project at run time: it is a
// class with name, version, description, `contiguous` and `order(request)`.

/**
 * Best fit: each leg goes to the device with the least free space that can
 * still hold it whole; a leg no single device can hold spreads over the
 * fullest devices first. Like LVM's `normal`, never two legs (stripes,
 * mirrors) of a volume on one device, so redundancy is kept. Unlike the
 * pool's free-space balancing, it packs volumes together and leaves whole
 * devices untouched (to spin down, or to remove from the pool later), at the
 * price of concentrating the I/O on fewer devices.
 */
export class FillFirstPolicy {
  name = 'fill-first';
  version = '1.0.0';
  description = 'Best fit: the fullest device that holds the leg whole; never two legs on one device.';
  /** A leg may span devices (when no single one has room). */
  contiguous = false;

  /**
   * @param {{ extents: number, devices: readonly { index: number, freeExtents: number, largestFreeRun: number }[],
   *           otherLegs: ReadonlySet<number>, thisLeg: ReadonlySet<number> }} request
   * @returns {readonly number[] | string} device indices to take extents from, in order, or why the leg cannot be placed
   */
  order(request) {
    const allowed = request.devices.filter((d) => !request.otherLegs.has(d.index) && d.freeExtents > 0);
    const free = allowed.reduce((sum, d) => sum + d.freeExtents, 0);
    if (free < request.extents) {
      return `needs ${request.extents} free extents on devices not holding another leg; has ${free}`;
    }
    // Extending a leg (a thin pool grows one extent at a time): its own devices first;
    // then the devices that hold the whole leg; fullest first within each group.
    // Array.prototype.sort is stable: ties keep the pool's own order.
    const key = (d) => [request.thisLeg.has(d.index) ? 0 : 1, d.freeExtents >= request.extents ? 0 : 1, d.freeExtents];
    return allowed
      .map((d) => ({ index: d.index, key: key(d) }))
      .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2])
      .map((d) => d.index);
  }
}

export const name = 'virtsim-plugin-fill-first';
export const version = '1.0.0';

export function register(registry) {
  registry.register('allocation-policy', FillFirstPolicy);
}
