import { injectable } from 'inversify';
import { z } from 'zod';
import { InputError } from '../../domain/errors';
import { bytes, ratio } from '../../domain/scenario/schema';
import type { PageWriter, WorkloadModel, WorkloadSetup, WorkloadVm } from './model';
import { dirtyRate, parseWorkloadParameters } from './parameters';

const schema = z.strictObject({
  'dirty-rate': dirtyRate().default(5000),
  'hot-set': bytes().default(64 * 1024 * 1024),
  'hot-fraction': ratio().default(0.9),
});

/**
 * A hot set (the first hot-set bytes of memory) takes hot-fraction of the
 * writes; the rest land uniformly anywhere in memory.
 */
@injectable()
export class HotColdWorkload implements WorkloadModel {
  readonly name = 'hot-cold';
  readonly version = '1.0.0';
  readonly description = 'dirty-rate writes per guest-second; hot-fraction of them to a hot-set, the rest anywhere.';

  parameters(raw: Readonly<Record<string, unknown>>, vm: WorkloadVm): Record<string, unknown> {
    const parsed = parseWorkloadParameters(schema, raw);
    const memory = vm.pages * vm.pageSizeBytes;
    if (parsed['hot-set'] > memory) throw InputError.at('vm.workload.hot-set', `must not exceed vm.memory (${memory} bytes)`);
    if (parsed['hot-set'] < vm.pageSizeBytes) throw InputError.at('vm.workload.hot-set', 'must hold at least one page');
    return parsed;
  }

  writer(setup: WorkloadSetup): PageWriter {
    const hotPages = Math.floor((setup.parameters['hot-set'] as number) / setup.vm.pageSizeBytes);
    const hotFraction = setup.parameters['hot-fraction'] as number;
    const pages = setup.vm.pages;
    const random = setup.random;
    return {
      writesPerSecond: setup.parameters['dirty-rate'] as number,
      next(out, count) {
        for (let i = 0; i < count; i++) {
          const hot = random.nextFloat() < hotFraction;
          out[i] = hot ? random.nextInt(hotPages) : random.nextInt(pages);
        }
        return count;
      },
    };
  }
}
