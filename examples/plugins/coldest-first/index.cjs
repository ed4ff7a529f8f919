// virtsim plugin: pre-copy that sends the coldest dirty pages first.
//
// Plain CommonJS, loaded with `virtsim migrate --plugin examples/plugins/coldest-first/index.cjs`.
// It builds on the project's compiled pre-copy (run `npm run build` or `npm ci` first).
// Outside this checkout, with virtsim installed as a dependency, require
// 'virtsim/dist/src/strategies/migration/pre-copy.js' instead.
'use strict';

const { PreCopyStrategy, WINDOW_NS } = require('../../../dist/src/strategies/migration/pre-copy.js');

/**
 * After the first (bulk) pass, each rate-limited window sends the pending
 * pages the guest has written least so far, instead of address order, so the
 * hot pages go last and are less often sent twice.
 *
 * "Writes observed" come from the guest's dirty log (ctx.memory.dirtyLog),
 * read at every window boundary: a page scores one point for each
 * dirty-bitmap period (sync to sync) in which it was written, which is what a
 * hypervisor can see without write-protecting pages one by one.
 *
 * It never changes which pages are sent, only their order within a round, so
 * it stays consistent: every page dirtied after its send is still synced
 * into ctx.memory.toSend and sent again.
 */
class ColdestFirstPreCopy extends PreCopyStrategy {
  constructor() {
    super();
    this.name = 'coldest-first';
    this.version = '1.0.0';
    this.description = 'Pre-copy; after the first pass each window sends the least-written dirty pages first.';
  }

  start(ctx) {
    const pages = ctx.memory.pages;
    // Per run (the registry builds a new instance per run, but keep state per context anyway).
    this.heat = new Uint32Array(pages); // dirty-bitmap periods in which each page was written
    this.seen = new Uint8Array(pages); // already counted in the current period
    this.seenList = [];
    super.start(ctx);
  }

  /** Counts this period's writes before the base class syncs and picks the next window. */
  betweenWindows(ctx) {
    ctx.guest.catchUp();
    this.observe(ctx.memory.dirtyLog);
    super.betweenWindows(ctx);
    // A sync empties the dirty log: the next period starts, every page may score again.
    if (ctx.memory.dirtyLog.count === 0 && this.seenList.length > 0) {
      for (const page of this.seenList) this.seen[page] = 0;
      this.seenList = [];
    }
  }

  observe(dirtyLog) {
    for (let page = dirtyLog.nextSet(0); page !== -1; page = dirtyLog.nextSet(page + 1)) {
      if (this.seen[page]) continue;
      this.seen[page] = 1;
      this.seenList.push(page);
      this.heat[page]++;
    }
  }

  /** The base class's window, with the coldest pages in place of address order once the first pass is over. */
  window(ctx) {
    if (ctx.rounds === 0) {
      super.window(ctx);
      return;
    }
    if (this.endedByLimits(ctx)) return;
    const started = ctx.now;
    const budget = (ctx.link.liveRateBytesPerS * WINDOW_NS) / 1e9;
    const batch = this.sendColdest(ctx, budget);
    const sendNs = ctx.transferNs(batch.bytes, ctx.link.fullRateBytesPerS);
    const end = batch.bytes >= budget || batch.bytes === 0 ? Math.max(started + WINDOW_NS, started + sendNs) : started + sendNs;
    ctx.at(end, () => this.betweenWindows(ctx));
  }

  /**
   * Picks the coldest pending pages that fit the budget and lets ctx.sendDirty
   * send exactly those: the others are taken out of the pending bitmap for the
   * call and put back right after it (in `finally`, so none is ever lost).
   * Sending through the context keeps the PagesSent event, the counters and
   * the verification exactly as for the built-in strategies.
   */
  sendColdest(ctx, budget) {
    const memory = ctx.memory;
    const pending = memory.toSend;
    // Counting sort of the pending pages by heat (address order within a heat).
    const byHeat = [];
    for (let page = pending.nextSet(0); page !== -1; page = pending.nextSet(page + 1)) {
      const heat = this.heat[page];
      (byHeat[heat] ??= []).push(page);
    }
    const chosen = new Uint8Array(memory.pages);
    let bytes = 0;
    let taken = 0;
    outer: for (const bucket of byHeat) {
      if (!bucket) continue;
      for (const page of bucket) {
        if (bytes >= budget) break outer;
        chosen[page] = 1;
        taken++;
        bytes += memory.zero.has(page) ? memory.zeroPageCost : memory.normalPageCost;
      }
    }
    if (taken === pending.count) return ctx.sendDirty('precopy', budget);
    const held = [];
    for (let page = pending.nextSet(0); page !== -1; page = pending.nextSet(page + 1)) {
      if (!chosen[page]) held.push(page);
    }
    for (const page of held) pending.delete(page);
    try {
      return ctx.sendDirty('precopy', budget);
    } finally {
      for (const page of held) pending.add(page);
    }
  }
}

module.exports = {
  name: 'virtsim-plugin-coldest-first',
  version: '1.0.0',
  register(registry) {
    registry.register('migration-strategy', ColdestFirstPreCopy);
  },
  ColdestFirstPreCopy,
};
