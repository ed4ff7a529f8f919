import { readFileSync } from 'node:fs';
import { InputError } from '../../domain/errors';
import { applyOverrides, parseScenario } from '../../domain/scenario/parse-scenario';
import type { Scenario } from '../../domain/scenario/schema';
import type { StrategyRegistry } from '../../infrastructure/container/strategy-registry';
import type { WorkloadModel } from '../../strategies/workload/model';
import { DEFAULT_SCENARIO } from '../scenarios/default';

/** Reads a scenario file as JSON; bad files are input errors naming the file. */
export function readScenarioFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw InputError.at('', `cannot read scenario: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, path);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw InputError.at('', `not valid JSON: ${(error as Error).message}`, path);
  }
}

export interface ScenarioChoices {
  /** Raw scenario (as read from JSON); the built-in default when absent. */
  readonly scenario?: unknown;
  readonly source?: string;
  /** `dotted.key=value` overrides, applied in order. */
  readonly set?: readonly string[];
  readonly strategy?: string;
  readonly stopPolicy?: string;
  readonly seed?: number;
}

/** The raw scenario with flags applied, validated, and the workload's own fields checked by its model. */
export function resolveScenario(choices: ScenarioChoices, registry: StrategyRegistry): Scenario {
  const overrides = [...(choices.set ?? [])];
  if (choices.strategy !== undefined) overrides.push(`migration.strategy=${JSON.stringify(choices.strategy)}`);
  if (choices.stopPolicy !== undefined) overrides.push(`migration.stop-policy=${JSON.stringify(choices.stopPolicy)}`);
  if (choices.seed !== undefined) overrides.push(`seed=${choices.seed}`);
  const raw = applyOverrides(choices.scenario ?? DEFAULT_SCENARIO, overrides);
  const scenario = parseScenario(raw, choices.source);
  try {
    const { model, ...fields } = scenario.vm.workload;
    const workload = registry.resolve<WorkloadModel>('workload', model, 'vm.workload.model');
    const vm = { pages: scenario.vm.memory / scenario.vm['page-size'], pageSizeBytes: scenario.vm['page-size'] };
    return { ...scenario, vm: { ...scenario.vm, workload: { model, ...workload.parameters(fields, vm) } } };
  } catch (error) {
    if (error instanceof InputError && choices.source) throw new InputError(error.problems, choices.source);
    throw error;
  }
}
