import { injectable } from 'inversify';
import { z } from 'zod';
import { InputError } from '../../domain/errors';
import { bytes } from '../../domain/scenario/schema';
import type { PageWriter, WorkloadModel, WorkloadSetup, WorkloadVm } from './model';
import { dirtyRate, parseWorkloadParameters } from './parameters';

const schema = z.strictObject({
  'dirty-rate': dirtyRate().default(5000),
  'working-set': bytes().optional(),
});

/** D writes per guest-second, each to a uniformly random page of the working set (pages 0..W-1). */
@injectable()
export class UniformWorkload implements WorkloadModel {
  readonly name = 'uniform';
  readonly version = '1.0.0';
  readonly description = 'dirty-rate writes per guest-second, each to a uniformly random page of working-set.';

  parameters(raw: Readonly<Record<string, unknown>>, vm: WorkloadVm): Record<string, unknown> {
    const parsed = parseWorkloadParameters(schema, raw);
    const memory = vm.pages * vm.pageSizeBytes;
    const workingSet = parsed['working-set'] ?? memory;
    if (workingSet > memory) throw InputError.at('vm.workload.working-set', `must not exceed vm.memory (${memory} bytes)`);
    if (workingSet < vm.pageSizeBytes) throw InputError.at('vm.workload.working-set', 'must hold at least one page');
    return { 'dirty-rate': parsed['dirty-rate'], 'working-set': workingSet };
  }

  writer(setup: WorkloadSetup): PageWriter {
    const workingSetPages = Math.floor((setup.parameters['working-set'] as number) / setup.vm.pageSizeBytes);
    const random = setup.random;
    return {
      writesPerSecond: setup.parameters['dirty-rate'] as number,
      next(out, count) {
        for (let i = 0; i < count; i++) out[i] = random.nextInt(workingSetPages);
        return count;
      },
    };
  }
}
