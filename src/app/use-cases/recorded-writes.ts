import { existsSync } from 'node:fs';
import { InputError } from '../../domain/errors';
import { decodePageList } from '../../domain/memory/page-set-codec';
import type { PagesDirtied } from '../../domain/migration/events';
import type { EventEnvelope } from '../../domain/event';
import { scanEventLog } from '../../infrastructure/event-store/log-reader';
import type { RecordedWrites } from '../../strategies/workload/model';

/** The page writes a migration log recorded, in order, with the rate they were generated at. */
export function loadRecordedWrites(path: string, rateOverride?: number): RecordedWrites {
  if (!existsSync(path)) throw InputError.at('vm.workload.from', `${path}: no such file`);
  const chunks: Uint32Array[] = [];
  let total = 0;
  // Found while the log is read, thrown once it is verified whole: a damaged log's own fault comes first.
  let problem: InputError | undefined;
  const takeWrites = (envelope: EventEnvelope): void => {
    if (problem || envelope.type !== 'PagesDirtied') return;
    const dirtied = envelope as EventEnvelope<PagesDirtied>;
    if (dirtied.data.first !== total) {
      problem = InputError.at('vm.workload.from', `${path}: writes ${total}..${dirtied.data.first - 1} are missing`);
      return;
    }
    let pages: Uint32Array;
    try {
      pages = decodePageList(dirtied.data.pages);
    } catch (error) {
      problem = InputError.at(`line ${dirtied.seq + 1}`, `PagesDirtied data.pages: ${(error as Error).message}`, path);
      return;
    }
    // Compact: a decoded list sits in a buffer sized for its encoded bytes, up to 4 times larger.
    chunks.push(pages.slice());
    total += pages.length;
  };
  // The writes are the workload, kept (4 bytes each); the rest of each event is dropped once read.
  const { header } = scanEventLog(path, (header) => (header.kind === 'migration' ? takeWrites : () => undefined));
  if (header.kind !== 'migration') throw InputError.at('vm.workload.from', `${path} is a ${header.kind} log, not a migration log`);
  if (problem) throw problem;
  const pages = new Uint32Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    pages.set(chunk, offset);
    offset += chunk.length;
  }
  const scenario = header.scenario as { vm?: { workload?: Record<string, unknown> } };
  const recordedRate = scenario.vm?.workload?.['dirty-rate'];
  const writesPerSecond = rateOverride ?? recordedRate;
  if (typeof writesPerSecond !== 'number') throw InputError.at('vm.workload.dirty-rate', `${path} records no dirty-rate; set one`);
  // A plugin's workload model may have recorded any values: take them only as the trace model would accept them.
  if (rateOverride === undefined && !(writesPerSecond > 0 && writesPerSecond <= 1e9)) {
    throw InputError.at('vm.workload.dirty-rate', `${path} records dirty-rate ${writesPerSecond}, not a rate above 0 and at most 1e9 writes per second; set one`);
  }
  const writeSize = scenario.vm?.workload?.['write-size'];
  if (writeSize !== undefined && !(Number.isInteger(writeSize) && (writeSize as number) > 0)) {
    throw InputError.at('vm.workload.write-size', `${path} records write-size ${JSON.stringify(writeSize)}, not a positive whole number of bytes; set one`);
  }
  return { pages, writesPerSecond, bytesPerWrite: writeSize as number | undefined };
}
