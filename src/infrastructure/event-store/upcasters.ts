import { MIGRATION_EVENT_VERSIONS } from '../../domain/migration/events';
import { NETWORK_EVENT_VERSIONS } from '../../domain/network/events';
import { ISOLATION_EVENT_VERSIONS } from '../../domain/isolation/events';
import { STORAGE_EVENT_VERSIONS } from '../../domain/storage/events';

/** Turns an event's data from version `from` into version `from + 1`. */
export type Upcaster = (data: unknown) => unknown;

/** Current version of every event type a log may hold. */
export const CURRENT_EVENT_VERSIONS: Readonly<Record<string, number>> = {
  ...MIGRATION_EVENT_VERSIONS,
  ...NETWORK_EVENT_VERSIONS,
  ...ISOLATION_EVENT_VERSIONS,
  ...STORAGE_EVENT_VERSIONS,
};

/**
 * Upcasters by event type and the version they read. When an event's shape
 * changes, its version goes up and the step from the old shape goes here, so
 * every log ever written still replays.
 */
const UPCASTERS: Readonly<Record<string, Readonly<Record<number, Upcaster>>>> = {
  // v1 logs predate crash faults: a failure then always left the VM running on the source.
  MigrationFailed: { 1: (data) => ({ ...(data as object), vmLost: false }) },
};

export function upcast(type: string, version: number, data: unknown): unknown {
  const current = CURRENT_EVENT_VERSIONS[type];
  let value = data;
  for (let v = version; v < current; v++) {
    const step = UPCASTERS[type]?.[v];
    if (!step) throw new Error(`no upcaster for ${type} v${v}`);
    value = step(value);
  }
  return value;
}
