import { injectable } from 'inversify';
import { z } from 'zod';
import { InputError } from '../../domain/errors';
import { bytes } from '../../domain/scenario/schema';
import type { GuestAccesses, WorkloadModel, WorkloadSetup, WorkloadVm } from './model';
import { accessFields, completeAccessFields, dirtyRate, localPages, parseWorkloadParameters, skipLocalPages } from './parameters';

const schema = z.strictObject({
  'dirty-rate': dirtyRate().default(5000),
  'working-set': bytes().optional(),
  ...accessFields,
});

/** D writes per guest-second, each to a uniformly random page of the working set (pages 0..W-1). */
@injectable()
export class UniformWorkload implements WorkloadModel {
  readonly name = 'uniform';
  readonly version = '1.1.0';
  readonly description = 'dirty-rate writes per guest-second, each to a uniformly random page of working-set; reads with read-locality inside it.';

  parameters(raw: Readonly<Record<string, unknown>>, vm: WorkloadVm): Record<string, unknown> {
    const parsed = parseWorkloadParameters(schema, raw);
    const memory = vm.pages * vm.pageSizeBytes;
    const workingSet = parsed['working-set'] ?? memory;
    if (workingSet > memory) throw InputError.at('vm.workload.working-set', `must not exceed vm.memory (${memory} bytes)`);
    if (workingSet < vm.pageSizeBytes) throw InputError.at('vm.workload.working-set', 'must hold at least one page');
    return { ...parsed, 'working-set': workingSet, ...completeAccessFields(parsed, vm.pageSizeBytes) };
  }

  accesses(setup: WorkloadSetup): GuestAccesses {
    const p = setup.parameters;
    const workingSetPages = Math.floor((p['working-set'] as number) / setup.vm.pageSizeBytes);
    const { writes, reads } = setup.random;
    const locality = p['read-locality'] as number;
    return {
      writesPerSecond: p['dirty-rate'] as number,
      readsPerSecond: p['read-rate'] as number,
      bytesPerWrite: p['write-size'] as number,
      nextWrites(out, count) {
        for (let i = 0; i < count; i++) out[i] = writes.nextInt(workingSetPages);
        return count;
      },
      nextReads: (out, count) => localPages(reads, out, count, workingSetPages, setup.vm.pages, locality),
      skipReads: (count) => skipLocalPages(reads, count),
    };
  }
}
