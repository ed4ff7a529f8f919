import { InputError } from '../../domain/errors';

/*
 * JavaScript callers of the library get no type checking: a string where a
 * list belongs is split into characters or crashes deep inside a run. Each
 * public entry point checks its options' types first and names the option.
 */

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A list of strings (names, `key=value` assignments, paths). */
export function checkStringList(option: string, value: unknown, what = 'names'): asserts value is readonly string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw InputError.at(option, `must be a list of ${what}, got ${Array.isArray(value) ? 'a list holding other things' : describe(value)}`);
  }
}

export function checkOptionalStringList(option: string, value: unknown, what?: string): asserts value is readonly string[] | undefined {
  if (value !== undefined) checkStringList(option, value, what);
}

export function checkOptionalString(option: string, value: unknown): asserts value is string | undefined {
  if (value !== undefined && typeof value !== 'string') throw InputError.at(option, `must be a string, got ${describe(value)}`);
}

export function checkString(option: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw InputError.at(option, `must be a string, got ${describe(value)}`);
}

/**
 * A raw scenario, when one is given: an object. `null` would otherwise run
 * the built-in scenario (a file holding null is refused), and a string is
 * most likely a file's path.
 */
export function checkOptionalScenario(value: unknown): void {
  if (value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value))) return;
  const hint = typeof value === 'string' ? '; to run a file, pass its parsed JSON as scenario and its path as source' : '';
  throw InputError.at('scenario', `must be a scenario object (leave it out for the built-in scenario), got ${describe(value)}${hint}`);
}

/**
 * The options object of an entry point that needs one. With `known`, an
 * option it does not take is refused: a misspelt `stopPolicy` would
 * otherwise run the default silently. (One set to undefined is no option.)
 */
export function checkOptionsObject(entry: string, value: unknown, known?: Readonly<Record<string, true>>): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw InputError.at(entry, `options must be an object, got ${describe(value)}`);
  }
  if (known === undefined) return;
  for (const [option, given] of Object.entries(value)) {
    if (given !== undefined && !Object.hasOwn(known, option)) {
      throw InputError.at(option, `${entry} has no such option; its options: ${Object.keys(known).join(', ')}`);
    }
  }
}

/**
 * A list of names to run each once: not empty, no blank name, none twice.
 * `key` says which spellings name the same thing (a model with its default mode).
 */
export function checkDistinctNames(flag: string, names: readonly string[], kind: string, key: (name: string) => string = (name) => name): void {
  if (names.length === 0) throw InputError.at(flag, `name at least one ${kind}`);
  const seen = new Map<string, string>();
  for (const name of names) {
    if (name.trim() === '') throw InputError.at(flag, `empty ${kind} name (names are separated by single commas)`);
    const same = seen.get(key(name));
    if (same !== undefined) throw InputError.at(flag, same === name ? `"${name}" is listed twice` : `"${same}" and "${name}" are the same ${kind}`);
    seen.set(key(name), name);
  }
}
