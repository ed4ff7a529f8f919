import type { z } from 'zod';
import { InputError, type FieldProblem } from '../errors';
import { scenarioSchema, type Scenario } from './schema';

export function zodProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys;
      return { path: [path, keys[0]].filter(Boolean).join('.'), reason: `unknown field${keys.length > 1 ? `s ${keys.join(', ')}` : ''}` };
    }
    return { path, reason: issue.message };
  });
}

/** Validates a scenario object; every problem names its field. */
export function parseScenario(input: unknown, source?: string): Scenario {
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) throw new InputError(zodProblems(parsed.error), source);
  return parsed.data;
}

/** Sets `dotted.key=value` overrides on a raw scenario object (values parsed as JSON when they can be). */
export function applyOverrides(raw: unknown, overrides: readonly string[]): unknown {
  const copy = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const override of overrides) {
    const equals = override.indexOf('=');
    if (equals <= 0) throw InputError.at('--set', `"${override}" is not dotted.key=value`);
    const keys = override.slice(0, equals).split('.');
    const text = override.slice(equals + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // Not JSON: keep the text, e.g. 10Gbit/s.
    }
    let node: Record<string, unknown> = copy;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      if (next === undefined) node[key] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw InputError.at('--set', `${keys.join('.')}: ${key} is not an object`);
      }
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value;
  }
  return copy;
}
