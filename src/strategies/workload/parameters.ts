import { z } from 'zod';
import { InputError } from '../../domain/errors';
import { zodProblems } from '../../domain/scenario/parse-scenario';
import type { RandomStream } from '../../domain/random-stream';

/** Validates a model's parameters with zod, naming fields under `vm.workload`. */
export function parseWorkloadParameters<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new InputError(zodProblems(parsed.error, 'vm.workload'));
  return parsed.data;
}

export const dirtyRate = () => z.number().nonnegative('must not be negative').max(1e9, 'at most 1e9 writes per second');

/** Reads per guest-second, the share of them inside the hot/working set, and bytes changed per write. */
export const accessFields = {
  'read-rate': z.number().nonnegative('must not be negative').max(1e9, 'at most 1e9 reads per second').optional(),
  'read-locality': z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(0.9),
  'write-size': z.number().int().positive('must be positive').optional(),
};

/** Completes the access fields: reads default to four per write, a write rewrites its whole page. */
export function completeAccessFields(parsed: { 'dirty-rate'?: number; 'read-rate'?: number; 'write-size'?: number }, pageSizeBytes: number): { 'read-rate': number; 'write-size': number } {
  const writeSize = parsed['write-size'] ?? pageSizeBytes;
  if (writeSize > pageSizeBytes) throw new InputError([{ path: 'vm.workload.write-size', reason: `must not exceed page-size (${pageSizeBytes})` }]);
  return { 'read-rate': parsed['read-rate'] ?? 4 * (parsed['dirty-rate'] ?? 0), 'write-size': writeSize };
}

/** Picks `count` pages: `locality` of them in [0, hotPages), the rest anywhere. */
export function localPages(random: RandomStream, out: Uint32Array, count: number, hotPages: number, pages: number, locality: number): number {
  for (let i = 0; i < count; i++) out[i] = random.nextFloat() < locality ? random.nextInt(hotPages) : random.nextInt(pages);
  return count;
}

/** Moves past `count` pages of {@link localPages}: two draws each, whichever way the first falls. */
export function skipLocalPages(random: RandomStream, count: number): number {
  random.skipFloats(2 * count);
  return count;
}
