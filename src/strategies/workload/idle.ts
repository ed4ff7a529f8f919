import { injectable } from 'inversify';
import { z } from 'zod';
import type { PageWriter, WorkloadModel } from './model';
import { parseWorkloadParameters } from './parameters';

@injectable()
export class IdleWorkload implements WorkloadModel {
  readonly name = 'idle';
  readonly version = '1.0.0';
  readonly description = 'The guest writes nothing: one pass moves all memory.';

  parameters(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
    return parseWorkloadParameters(z.strictObject({}), raw);
  }

  writer(): PageWriter {
    return { writesPerSecond: 0, next: () => 0 };
  }
}
