import { injectable } from 'inversify';
import { z } from 'zod';
import { InputError } from '../../domain/errors';
import { bytes, ratio } from '../../domain/scenario/schema';
import type { GuestAccesses, WorkloadModel, WorkloadSetup, WorkloadVm } from './model';
import { accessFields, completeAccessFields, dirtyRate, localPages, parseWorkloadParameters, skipLocalPages } from './parameters';

const schema = z.strictObject({
  'dirty-rate': dirtyRate().default(5000),
  'hot-set': bytes().default(64 * 1024 * 1024),
  'hot-fraction': ratio().default(0.9),
  ...accessFields,
});

/**
 * A hot set (the first hot-set bytes of memory) takes hot-fraction of the
 * writes; the rest land uniformly anywhere in memory. Reads favour the hot
 * set by read-locality.
 */
@injectable()
export class HotColdWorkload implements WorkloadModel {
  readonly name = 'hot-cold';
  readonly version = '1.1.0';
  readonly description = 'dirty-rate writes per guest-second; hot-fraction of them to a hot-set, the rest anywhere.';

  parameters(raw: Readonly<Record<string, unknown>>, vm: WorkloadVm): Record<string, unknown> {
    const parsed = parseWorkloadParameters(schema, raw);
    const memory = vm.pages * vm.pageSizeBytes;
    if (parsed['hot-set'] > memory) throw InputError.at('vm.workload.hot-set', `must not exceed vm.memory (${memory} bytes)`);
    if (parsed['hot-set'] < vm.pageSizeBytes) throw InputError.at('vm.workload.hot-set', 'must hold at least one page');
    return { ...parsed, ...completeAccessFields(parsed, vm.pageSizeBytes) };
  }

  accesses(setup: WorkloadSetup): GuestAccesses {
    const p = setup.parameters;
    const hotPages = Math.floor((p['hot-set'] as number) / setup.vm.pageSizeBytes);
    const hotFraction = p['hot-fraction'] as number;
    const pages = setup.vm.pages;
    const { writes, reads } = setup.random;
    const locality = p['read-locality'] as number;
    return {
      writesPerSecond: p['dirty-rate'] as number,
      readsPerSecond: p['read-rate'] as number,
      bytesPerWrite: p['write-size'] as number,
      nextWrites: (out, count) => localPages(writes, out, count, hotPages, pages, hotFraction),
      nextReads: (out, count) => localPages(reads, out, count, hotPages, pages, locality),
      skipReads: (count) => skipLocalPages(reads, count),
    };
  }
}
