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

/**
 * Sets `dotted.key=value` overrides on a raw scenario object; values are parsed
 * as JSON when they can be. A part written as a whole number (`0`, `12`)
 * indexes an element the list already has, counting from 0; an override never
 * adds an element (a half-written one would fail validation far from its
 * cause), nor picks one by name (an index is what the schema's messages name).
 */
export function applyOverrides(raw: unknown, overrides: readonly Override[]): unknown {
  const copy = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const { assignment, flag } of overrides) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) throw InputError.at(flag, `"${assignment}" is not dotted.key=value`);
    const key = assignment.slice(0, equals);
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
    setAt(copy, key, value, flag);
  }
  return copy;
}

/** An index as an override writes it: a whole number from 0, no sign, no leading zero. */
const INDEX = /^(0|[1-9][0-9]*)$/;
/** A part written as a whole number, index or not (`-1`, `01`, `+2`). */
const NUMBER_LIKE = /^[-+]?[0-9]+$/;

type Container = Record<string, unknown> | unknown[];

/** Sets `key` (already checked by {@link dottedKeyProblem}) to `value` in `root`, creating missing objects on the way. */
function setAt(root: Record<string, unknown>, key: string, value: unknown, flag: string): void {
  const parts = key.split('.');
  let node: Container = root;
  for (let depth = 0; depth < parts.length; depth++) {
    const slot = slotIn(node, parts, depth, flag);
    if (depth === parts.length - 1) {
      (node as Record<string | number, unknown>)[slot] = value;
      return;
    }
    const path = parts.slice(0, depth + 1).join('.');
    let next = (node as Record<string | number, unknown>)[slot];
    if (next === undefined) {
      // A missing object is created for its field; a missing list has no element to index.
      if (NUMBER_LIKE.test(parts[depth + 1])) {
        throw InputError.at(flag, `${key}: ${path} is not in the scenario, so it has no element ${parts[depth + 1]}; add the list in the scenario file, or set it whole: --set '${path}=[...]'`);
      }
      next = {};
      (node as Record<string | number, unknown>)[slot] = next;
    } else if (typeof next !== 'object' || next === null) {
      throw InputError.at(flag, `${key}: ${path} is ${next === null ? 'null' : `a ${typeof next}`}, not an object or a list`);
    }
    node = next as Container;
  }
}

/** Where `parts[depth]` points in `node` (the value at the parts before it): a field name, or an index of an element the list has. */
function slotIn(node: Container, parts: readonly string[], depth: number, flag: string): string | number {
  const part = parts[depth];
  const key = parts.join('.');
  const path = parts.slice(0, depth).join('.');
  if (!Array.isArray(node)) {
    if (NUMBER_LIKE.test(part) && !Object.hasOwn(node, part)) {
      throw InputError.at(flag, `${key}: ${path === '' ? 'the scenario' : path} is an object, not a list, and has no field "${part}"`);
    }
    return part;
  }
  const elements = node.length === 0 ? 'no elements' : `${node.length} element${node.length === 1 ? '' : 's'} (${node.length === 1 ? '0' : `0-${node.length - 1}`})`;
  if (INDEX.test(part)) {
    const index = Number(part);
    if (index < node.length) return index;
    throw InputError.at(flag, `${key}: ${path} has ${elements}, so ${part} is out of range; ${flag} changes existing elements only: add elements in the scenario file, or set the whole list: --set '${path}=[...]'`);
  }
  if (NUMBER_LIKE.test(part)) {
    throw InputError.at(flag, `${key}: "${part}" is not an index of ${path}, which has ${elements}: an index is a whole number from 0, written without sign or leading zeros`);
  }
  const named = node.findIndex((element) => typeof element === 'object' && element !== null && (element as { name?: unknown }).name === part);
  const hint = named < 0 ? '' : `; the element named "${part}" is ${path}.${named}`;
  throw InputError.at(flag, `${key}: ${path} is a list with ${elements}: pick an element by its index, not "${part}"${hint}`);
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
