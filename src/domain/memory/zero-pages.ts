import type { RandomStream } from '../random-stream';
import type { Scenario } from '../scenario/schema';
import type { PageBitmap } from './page-bitmap';

/** Zero pages come in 2 MiB-aligned regions, as free memory does (at least a page each, whatever the page size). */
const ZERO_REGION_BYTES = 2 * 1024 * 1024;

/** Whether the run starts with zero pages to detect: the capability on and a ratio above 0. */
export function startsWithZeroPages(scenario: Scenario): boolean {
  return scenario.migration.capabilities['zero-page-detection'] && scenario.vm['zero-page-ratio'] > 0;
}

/**
 * Marks in `zero` (one bit per page of the VM) the pages that start the run
 * all zeros: each region is zero with probability vm.zero-page-ratio, drawn
 * from the run's `memory.zero-pages` stream. The seed and the scenario decide
 * them alone, so a replay knows them from the log's header.
 */
export function seedZeroPages(zero: PageBitmap, scenario: Scenario, streams: { stream(name: string): RandomStream }): void {
  if (!startsWithZeroPages(scenario)) return;
  const ratio = scenario.vm['zero-page-ratio'];
  const random = streams.stream('memory.zero-pages');
  const regionPages = Math.max(1, ZERO_REGION_BYTES / scenario.vm['page-size']);
  for (let start = 0; start < zero.size; start += regionPages) {
    if (random.nextFloat() < ratio) zero.addRange(start, Math.min(regionPages, zero.size - start));
  }
}
