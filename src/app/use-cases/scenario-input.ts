import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { InputError } from '../../domain/errors';
import { applyOverrides, attributed, overriddenKey, parseWithOverrides, type Override } from '../../domain/scenario/parse-scenario';
import { errorCode } from '../../infrastructure/fs-error';
import { vmPages, type MigrationCapability, type Scenario } from '../../domain/scenario/schema';
import type { StrategyRegistry } from '../../infrastructure/container/strategy-registry';
import type { WorkloadModel } from '../../strategies/workload/model';
import { DEFAULT_SCENARIO } from '../scenarios/default';

/** Reads a scenario file as JSON; bad files are input errors naming the file. */
export function readScenarioFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw InputError.at('', `cannot read scenario: ${errorCode(error)}`, path);
  }
  let scenario: unknown;
  try {
    scenario = JSON.parse(text);
  } catch (error) {
    throw InputError.at('', `not valid JSON: ${(error as Error).message}`, path);
  }
  // `null` would otherwise stand for "no scenario" and run the built-in one.
  if (typeof scenario !== 'object' || scenario === null || Array.isArray(scenario)) {
    throw InputError.at('', `a scenario is a JSON object, not ${scenario === null ? 'null' : Array.isArray(scenario) ? 'an array' : `a ${typeof scenario}`}`, path);
  }
  return scenario;
}

export interface ScenarioChoices {
  /** Raw scenario (as read from JSON); the built-in default when absent. */
  readonly scenario?: unknown;
  readonly source?: string;
  /** `dotted.key=value` overrides, applied in order. */
  readonly set?: readonly string[];
  /** A sweep's varied `dotted.key=value` assignments, applied after `set`. */
  readonly vary?: readonly string[];
  readonly strategy?: string;
  readonly stopPolicy?: string;
  readonly seed?: number;
}

/** The `--set` and `--vary` assignments, in the order they apply. */
function assignments(choices: Pick<ScenarioChoices, 'set' | 'vary'>): Override[] {
  return [
    ...(choices.set ?? []).map((assignment) => ({ assignment, flag: '--set' })),
    ...(choices.vary ?? []).map((assignment) => ({ assignment, flag: '--vary' })),
  ];
}

/** The raw scenario with flags applied, validated, and the workload's own fields checked by its model. */
export function resolveScenario(choices: ScenarioChoices, registry: StrategyRegistry): Scenario {
  const overrides = assignments(choices);
  const flag = (name: string, key: string, value: unknown): Override => ({ assignment: `${key}=${JSON.stringify(value)}`, flag: name, shown: `${name} ${String(value)}` });
  if (choices.strategy !== undefined) overrides.push(flag('--strategy', 'migration.strategy', choices.strategy));
  if (choices.stopPolicy !== undefined) overrides.push(flag('--stop-policy', 'migration.stop-policy', choices.stopPolicy));
  if (choices.seed !== undefined) overrides.push(flag('--seed', 'seed', choices.seed));
  const applied = applyOverrides(choices.scenario ?? DEFAULT_SCENARIO, overrides);
  const scenario = parseWithOverrides(applied, overrides, choices.source);
  try {
    const { model, ...fields } = scenario.vm.workload;
    const workload = registry.resolve<WorkloadModel>('workload', model, 'vm.workload.model');
    const vm = { pages: vmPages(scenario.vm), pageSizeBytes: scenario.vm['page-size'] };
    const capabilities = strategyCapabilities(scenario, applied, registry);
    return { ...scenario, vm: { ...scenario.vm, workload: { model, ...workload.parameters(withSortedKeys(fields), vm) } }, migration: { ...scenario.migration, capabilities } };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw attributed(withModelSwitchHint(error, overrides), overrides, choices.source);
  }
}

/**
 * The model's fields with their keys in one order whatever order the
 * scenario wrote them in: a plugin's model may hand them back as they came,
 * into the log's header. (The built-in models' schemas order them already.)
 */
function withSortedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withSortedKeys) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, withSortedKeys((value as Record<string, unknown>)[key])])) as T;
}

/**
 * The file a trace workload reads. A relative `from` written in a scenario
 * file is relative to that file, as its `plugins` are; one given by a flag
 * (or a scenario without a file) is relative to the working directory. The
 * scenario itself keeps `from` as written, so a run's log does not depend on
 * the directory the command ran in.
 */
export function traceLogPath(from: string, choices: Pick<ScenarioChoices, 'source' | 'set' | 'vary'>): string {
  if (choices.source === undefined || isAbsolute(from)) return from;
  const fromFlag = assignments(choices).some((override) => ['vm', 'vm.workload', 'vm.workload.from'].includes(overriddenKey(override)));
  return fromFlag ? from : join(dirname(choices.source), from);
}

/**
 * The scenario's capabilities with those its strategy needs turned on (as
 * libvirt's `migrate --postcopy` turns on postcopy-ram); one the scenario
 * turns off itself is an error, not silently overridden.
 */
function strategyCapabilities(scenario: Scenario, applied: unknown, registry: StrategyRegistry): Scenario['migration']['capabilities'] {
  const name = scenario.migration.strategy;
  const strategy = registry.describe('migration-strategy', name, 'migration.strategy');
  const given = ((applied as { migration?: { capabilities?: Partial<Record<MigrationCapability, unknown>> } }).migration?.capabilities) ?? {};
  const capabilities = { ...scenario.migration.capabilities };
  for (const capability of strategy.capabilities) {
    if (!isCapability(capability, capabilities)) {
      throw InputError.at('migration.strategy', `strategy "${name}" from ${strategy.origin} needs "${capability}", which is not a migration capability; known: ${Object.keys(capabilities).join(', ')}`);
    }
    if (given[capability] === false) {
      throw InputError.at(`migration.capabilities.${capability}`, `strategy "${name}" needs it on; leave it out (the strategy turns it on) or set it true`);
    }
    capabilities[capability] = true;
  }
  return capabilities;
}

function isCapability(name: string, capabilities: Scenario['migration']['capabilities']): name is MigrationCapability {
  return Object.hasOwn(capabilities, name);
}

/**
 * Switching the model with `--set vm.workload.model=NAME` keeps the other
 * fields of the scenario's workload, which belong to its old model: say how
 * to replace the whole workload instead.
 */
function withModelSwitchHint(error: InputError, overrides: readonly Override[]): InputError {
  const switched = overrides.find((override) => override.assignment.startsWith('vm.workload.model='));
  if (switched === undefined) return error;
  const model = JSON.stringify(switched.assignment.slice('vm.workload.model='.length).replace(/^"|"$/g, ''));
  return new InputError(error.problems.map((problem) => (
    problem.path.startsWith('vm.workload') && problem.reason.startsWith('unknown field')
      ? { path: problem.path, reason: `${problem.reason} for model ${model}: ${switched.flag} ${switched.assignment} keeps the scenario's other workload fields; replace the whole workload instead, e.g. ${switched.flag} 'vm.workload={"model":${model}}'` }
      : problem
  )), error.source);
}
