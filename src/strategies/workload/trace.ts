import { injectable } from 'inversify';
import { z } from 'zod';
import { InputError } from '../../domain/errors';
import type { PageWriter, WorkloadModel, WorkloadSetup } from './model';
import { dirtyRate, parseWorkloadParameters } from './parameters';

const schema = z.strictObject({
  /** The event log whose PagesDirtied events are replayed. */
  from: z.string().min(1, 'must name an event log'),
  /** Set from the recorded log's header when omitted. */
  'dirty-rate': dirtyRate().optional(),
});

/** Replays the page writes recorded in an earlier log, in order, at the recorded rate. */
@injectable()
export class TraceWorkload implements WorkloadModel {
  readonly name = 'trace';
  readonly version = '1.0.0';
  readonly description = 'Replays the page writes recorded in an earlier event log (from: LOG).';

  parameters(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
    return parseWorkloadParameters(schema, raw);
  }

  writer(setup: WorkloadSetup): PageWriter {
    const recorded = setup.recorded;
    if (!recorded) throw InputError.at('vm.workload.from', 'the trace workload needs a recorded log');
    for (let i = 0; i < recorded.pages.length; i++) {
      if (recorded.pages[i] >= setup.vm.pages) {
        throw InputError.at('vm.workload.from', `the trace writes page ${recorded.pages[i]}, beyond this VM's ${setup.vm.pages} pages`);
      }
    }
    let position = 0;
    return {
      writesPerSecond: recorded.writesPerSecond,
      next(out, count) {
        const available = Math.min(count, recorded.pages.length - position);
        out.set(recorded.pages.subarray(position, position + available));
        position += available;
        return available;
      },
    };
  }
}
