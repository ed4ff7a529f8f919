import { z } from 'zod';
import { InputError } from '../../domain/errors';
import { zodProblems } from '../../domain/scenario/parse-scenario';

/** Validates a model's parameters with zod, naming fields under `vm.workload`. */
export function parseWorkloadParameters<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new InputError(zodProblems(parsed.error, 'vm.workload'));
  return parsed.data;
}

export const dirtyRate = () => z.number().nonnegative('must not be negative').max(1e9, 'at most 1e9 writes per second');
