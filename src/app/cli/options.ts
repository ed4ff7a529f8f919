import { InvalidArgumentError } from 'commander';

/** Option parsers shared by the commands. */

export function nonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return parsed;
}

export function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

/** For repeatable options: each use appends. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `a,b,c` as a list; a blank (`a,,b`, `a,`) is kept for the command to refuse by name. */
export function list(value: string): string[] {
  return value.split(',').map((name) => name.trim());
}
