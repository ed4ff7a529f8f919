/** A problem with one field of some input, located by a dotted path (`vm.memory`). */
export interface FieldProblem {
  readonly path: string;
  readonly reason: string;
  /** The flag that set the value, as written (`--set vm.memory=1e30`), when the value is not the file's. */
  readonly from?: string;
}

/**
 * Bad input: a scenario, a log, a flag or a plugin. The CLI prints it once and
 * exits with status 2; nothing is written before it is thrown.
 */
export class InputError extends Error {
  readonly problems: readonly FieldProblem[];

  constructor(problems: readonly FieldProblem[] | FieldProblem, readonly source?: string) {
    const list = Array.isArray(problems) ? problems : [problems as FieldProblem];
    super(InputError.describe(list, source));
    this.name = 'InputError';
    this.problems = list;
  }

  static at(path: string, reason: string, source?: string): InputError {
    return new InputError({ path, reason }, source);
  }

  private static describe(problems: readonly FieldProblem[], source?: string): string {
    const where = source ? `${source}: ` : '';
    return problems.map((p) => `${where}${describeProblem(p)}`).join('\n');
  }
}

/** One problem as a message line, without its source: `path: reason (from flag)`. */
export function describeProblem(problem: FieldProblem): string {
  return `${problem.path ? `${problem.path}: ` : ''}${problem.reason}${problem.from ? ` (from ${problem.from})` : ''}`;
}

/** Names the known choices when an unknown one was asked for. */
export function unknownName(path: string, kind: string, name: string, known: readonly string[]): InputError {
  return InputError.at(path, `unknown ${kind} "${name}"; known: ${[...known].sort().join(', ') || '(none)'}`);
}
