import { injectable } from 'inversify';
import { z } from 'zod';
import { InputError } from '../../domain/errors';
import type { GuestAccesses, WorkloadModel, WorkloadSetup, WorkloadVm } from './model';
import { dirtyRate, parseWorkloadParameters } from './parameters';

const schema = z.strictObject({
  /** The event log whose PagesDirtied events are replayed. */
  from: z.string().min(1, 'must name an event log'),
  /** Set from the recorded log's header when omitted. */
  'dirty-rate': dirtyRate().optional(),
  /** Reads per guest-second, spread over the pages the trace writes (its working set). */
  'read-rate': z.number().nonnegative('must not be negative').default(0),
  /** Set from the recorded log's header (at most a page) when omitted. */
  'write-size': z.number().int().positive('must be positive').optional(),
});

/** Replays the page writes recorded in an earlier log, in order, at the recorded rate. */
@injectable()
export class TraceWorkload implements WorkloadModel {
  readonly name = 'trace';
  readonly version = '1.1.0';
  readonly description = 'Replays the page writes recorded in an earlier event log (from: LOG).';

  parameters(raw: Readonly<Record<string, unknown>>, vm: WorkloadVm): Record<string, unknown> {
    const parsed = parseWorkloadParameters(schema, raw);
    const writeSize = parsed['write-size'];
    if (writeSize !== undefined && writeSize > vm.pageSizeBytes) throw InputError.at('vm.workload.write-size', `must not exceed page-size (${vm.pageSizeBytes})`);
    // Kept in this place when omitted: the run fills it from the log (as dirty-rate) and the header's field order stays.
    return { ...parsed, 'write-size': writeSize };
  }

  accesses(setup: WorkloadSetup): GuestAccesses {
    const recorded = setup.recorded;
    if (!recorded) throw InputError.at('vm.workload.from', 'the trace workload needs a recorded log');
    for (let i = 0; i < recorded.pages.length; i++) {
      if (recorded.pages[i] >= setup.vm.pages) {
        throw InputError.at('vm.workload.from', `the trace writes page ${recorded.pages[i]}, beyond this VM's ${setup.vm.pages} pages`);
      }
    }
    let position = 0;
    const reads = setup.random.reads;
    return {
      writesPerSecond: recorded.writesPerSecond,
      readsPerSecond: recorded.pages.length > 0 ? (setup.parameters['read-rate'] as number) : 0,
      bytesPerWrite: setup.parameters['write-size'] as number,
      nextWrites(out, count) {
        const available = Math.min(count, recorded.pages.length - position);
        out.set(recorded.pages.subarray(position, position + available));
        position += available;
        return available;
      },
      nextReads(out, count) {
        for (let i = 0; i < count; i++) out[i] = recorded.pages[reads.nextInt(recorded.pages.length)];
        return count;
      },
      skipReads(count) {
        // One draw per read (an index into the recorded writes).
        reads.skipFloats(count);
        return count;
      },
    };
  }
}
