import { injectable } from 'inversify';
import { z } from 'zod';
import type { GuestAccesses, WorkloadModel } from './model';
import { parseWorkloadParameters } from './parameters';

@injectable()
export class IdleWorkload implements WorkloadModel {
  readonly name = 'idle';
  readonly version = '1.0.0';
  readonly description = 'The guest neither writes nor reads: one pass moves all memory.';

  parameters(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
    return parseWorkloadParameters(z.strictObject({}), raw);
  }

  accesses(): GuestAccesses {
    return { writesPerSecond: 0, readsPerSecond: 0, bytesPerWrite: 0, nextWrites: () => 0, nextReads: () => 0 };
  }
}
