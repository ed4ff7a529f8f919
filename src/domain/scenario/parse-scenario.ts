import type { z } from 'zod';
import { InputError, type FieldProblem } from '../errors';
import { scenarioSchema, type Scenario } from './schema';

export function zodProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys;
      if (keys.length === 1) return { path: [path, keys[0]].filter(Boolean).join('.'), reason: 'unknown field' };
      return { path, reason: `unknown fields ${keys.join(', ')}` };
    }
    return { path, reason: issue.message };
  });
}

/** Validates a scenario object; every problem names its field. */
export function parseScenario(input: unknown, source?: string): Scenario {
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) throw new InputError(zodProblems(parsed.error), source);
  return withoutFileReferences(parsed.data);
}

/**
 * A scenario without the fields that point at other files, as it is recorded
 * and hashed: where the file points its editor (`$schema`: a checkout's
 * `schema/`, an install's `node_modules/virtsim/schema/`) is no part of what
 * runs, and its `plugins` are paths relative to where the file lives; the
 * plugins that ran are recorded by name@version in the log header, so the
 * same plugins listed by the scenario, `--plugin` or virtsim.config.json
 * write the same log and give a sweep the same run ids.
 */
export function withoutFileReferences<T extends { readonly $schema?: string; readonly plugins?: readonly string[] }>(scenario: T): T {
  const { $schema: _editorSchema, plugins: _pluginPaths, ...rest } = scenario;
  return rest as T;
}

/** A `dotted.key=value` assignment and the flag that made it, so a problem with its value names the flag. */
export interface Override {
  readonly assignment: string;
  /** `--set`, `--vary`, `--seed`... */
  readonly flag: string;
  /** How the user wrote it, when not `flag assignment` (`--seed 7`). */
  readonly shown?: string;
}

/** Keys that would reach Object.prototype (or a constructor) instead of a scenario field. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** Why `key` cannot name a scenario field (an empty part, or a key of Object.prototype), if it cannot. */
export function dottedKeyProblem(key: string): string | undefined {
  const parts = key.split('.');
  if (parts.includes('')) return `"${key}" has an empty part`;
  const reserved = parts.find((part) => PROTOTYPE_KEYS.has(part));
  return reserved === undefined ? undefined : `${key}: "${reserved}" is not a scenario field`;
}

/** The dotted key an override assigns. */
export function overriddenKey(override: Override): string {
  return override.assignment.slice(0, override.assignment.indexOf('='));
}

/** Sets `dotted.key=value` overrides on a raw scenario object; values are parsed as JSON when they can be. */
export function applyOverrides(raw: unknown, overrides: readonly Override[]): unknown {
  const copy = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const { assignment, flag } of overrides) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) throw InputError.at(flag, `"${assignment}" is not dotted.key=value`);
    const key = assignment.slice(0, equals);
    const keys = key.split('.');
    const problem = dottedKeyProblem(key);
    if (problem !== undefined) throw InputError.at(flag, problem);
    const text = assignment.slice(equals + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch (error) {
      // Not JSON: keep the text, e.g. 10Gbit/s. An object, array or quoted string meant JSON, though.
      if (/^\s*[[{"]/.test(text)) throw InputError.at(flag, `${key}: the value is not valid JSON (${(error as Error).message})`);
    }
    let node: Record<string, unknown> = copy;
    for (const part of keys.slice(0, -1)) {
      const next = node[part];
      if (next === undefined) node[part] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw InputError.at(flag, `${key}: ${part} is not an object`);
      }
      node = node[part] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value;
  }
  return copy;
}

/**
 * Validates a scenario that `overrides` were applied to; a problem inside a
 * value an override set names that override (the last one to touch it), not
 * the file, which is named only when some problem lies in it.
 */
export function parseWithOverrides(applied: unknown, overrides: readonly Override[], source?: string): Scenario {
  try {
    return parseScenario(applied, source);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw attributed(error, overrides, source);
  }
}

/**
 * The same problems, each one inside an override's value naming it (`from`);
 * the file is named only if some problem with a field is its own (a problem
 * with no field, a plugin's constructor throwing, is neither's).
 */
export function attributed(error: InputError, overrides: readonly Override[], source?: string): InputError {
  let fromFile = false;
  const problems = error.problems.map((problem) => {
    if (problem.path === '' || problem.from !== undefined) return problem;
    const override = [...overrides].reverse().find((each) => problem.path === overriddenKey(each) || problem.path.startsWith(`${overriddenKey(each)}.`));
    if (override === undefined) {
      fromFile = true;
      return problem;
    }
    return { ...problem, from: override.shown ?? `${override.flag} ${override.assignment}` };
  });
  return new InputError(problems, fromFile ? source : undefined);
}
