import { existsSync } from 'node:fs';
import { InputError } from '../../domain/errors';
import { decodePageList } from '../../domain/memory/page-set-codec';
import type { PagesDirtied } from '../../domain/migration/events';
import type { EventEnvelope } from '../../domain/event';
import { readEventLog } from '../../infrastructure/event-store/log-reader';
import type { RecordedWrites } from '../../strategies/workload/model';

/** The page writes a migration log recorded, in order, with the rate they were generated at. */
export function loadRecordedWrites(path: string, rateOverride?: number): RecordedWrites {
  if (!existsSync(path)) throw InputError.at('vm.workload.from', `${path}: no such file`);
  const log = readEventLog(path);
  if (log.header.kind !== 'migration') throw InputError.at('vm.workload.from', `${path} is a ${log.header.kind} log, not a migration log`);
  const chunks: Uint32Array[] = [];
  let total = 0;
  for (const envelope of log.events) {
    if (envelope.type !== 'PagesDirtied') continue;
    const dirtied = envelope as EventEnvelope<PagesDirtied>;
    if (dirtied.data.first !== total) throw InputError.at('vm.workload.from', `${path}: writes ${total}..${dirtied.data.first - 1} are missing`);
    let pages: Uint32Array;
    try {
      pages = decodePageList(dirtied.data.pages);
    } catch (error) {
      throw InputError.at(`line ${dirtied.seq + 1}`, `PagesDirtied data.pages: ${(error as Error).message}`, path);
    }
    chunks.push(pages);
    total += pages.length;
  }
  const pages = new Uint32Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    pages.set(chunk, offset);
    offset += chunk.length;
  }
  const scenario = log.header.scenario as { vm?: { workload?: Record<string, unknown> } };
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
