import { readFileSync } from 'node:fs';
import { InputError } from '../../domain/errors';
import { StorageProjection } from '../../domain/storage/projection';
import { storageResult, type StorageResult } from '../../domain/storage/result';
import { MODEL_NAMES, parseStorageScenario, type StorageScenario } from '../../domain/storage/scenario';
import { createRegistry } from '../../infrastructure/container/built-ins';
import { BUILT_IN_ORIGIN, type StrategyRegistry } from '../../infrastructure/container/strategy-registry';
import { EventBus } from '../../infrastructure/event-bus';
import { LOG_FORMAT, type LogHeader, type StrategyStamp } from '../../infrastructure/event-store/log-format';
import { AtomicFileSink, MemoryLogSink, sinkTo } from '../../infrastructure/event-store/log-sink';
import { EventLogWriter } from '../../infrastructure/event-store/log-writer';
import { RandomStreams } from '../../infrastructure/random';
import { Scheduler } from '../../infrastructure/scheduler';
import { StorageRuntime } from '../../infrastructure/storage/storage-runtime';
import type { AllocationPolicy, NetworkMode, PathSelector, StorageModel } from '../../strategies/storage/strategy';
import type { StrategyKind } from '../../strategies/strategy';
import { checkDistinctNames, checkOptionalString, checkOptionsObject, checkStringList } from './library-options';
import { logPathsIn, StagedLogs } from './staged-logs';
import { ReportSink, type RunReport } from '../reports/report-fold';

const EVENTS_DIR = '--events-dir';

export interface RunStorageOptions {
  /** Raw scenario (as read from JSON). */
  readonly scenario: unknown;
  readonly source?: string;
  /** One model: `host-based`, `device-based`, `network-based` or `network-based:out-of-band`. Default: the scenario's. */
  readonly model?: string;
  /** Write the event log here (atomically). */
  readonly eventsPath?: string;
  /** Keep the log text in memory and return it. */
  readonly keepLog?: boolean;
  /** Fold the run's HTML report from its log as it is written, and return it (renderReport draws the page). */
  readonly report?: boolean;
  readonly registry?: StrategyRegistry;
}

/** What {@link compareStorage} passes each run besides the options above. */
interface StagedRunOptions extends RunStorageOptions {
  /** The flag that named `eventsPath`, for errors writing it (default `--events`). */
  readonly eventsFlag?: string;
  /** Leave the finished log at its temporary path for the caller to publish with the others. */
  readonly stageEvents?: boolean;
}

export interface CompareStorageOptions extends Omit<RunStorageOptions, 'model' | 'eventsPath'> {
  readonly models: readonly string[];
  /** Write one log per model here, as MODEL.ndjson (`network-based-out-of-band.ndjson` for `network-based:out-of-band`): all of them or none. */
  readonly eventsDir?: string;
}

export interface StorageRun {
  readonly scenario: StorageScenario;
  readonly result: StorageResult;
  readonly logText?: string;
  /** What the run's report shows, when `report` was asked for. */
  readonly report?: RunReport;
}

export interface StorageComparison {
  readonly scenario: StorageScenario;
  /** One run per model, in the order asked, on the same volumes and the same I/O trace. */
  readonly runs: readonly StorageRun[];
}

function stamp(registry: StrategyRegistry, kind: StrategyKind, name: string): StrategyStamp {
  const entry = registry.describe(kind, name);
  return { name: entry.name, version: entry.version, origin: entry.origin };
}

/** A plugin strategy that throws while running is bad input: name the plugin and the cause (as runMigration does). */
function blamePlugin(error: unknown, registry: StrategyRegistry, used: readonly (readonly [StrategyKind, string])[]): unknown {
  if (error instanceof InputError) return error;
  const plugins = used.flatMap(([kind, name]) => {
    try {
      const entry = registry.describe(kind, name);
      return entry.origin === BUILT_IN_ORIGIN ? [] : [`${kind} "${entry.name}" from ${entry.origin}`];
    } catch {
      return [];
    }
  });
  if (plugins.length === 0) return error;
  return InputError.at('', `${[...new Set(plugins)].join(', ')} threw while running: ${(error as Error).message}`);
}

/** `network-based:out-of-band` names a model and its mode; a plain name keeps the scenario's mode. */
function modelChoice(choice: string | undefined, scenario: StorageScenario, field: string): { name: string; mode: NetworkMode } {
  const text = choice ?? scenario.model;
  const [name, mode, ...more] = text.split(':');
  if (more.length > 0) throw InputError.at(field, `"${text}" is not MODEL or network-based:MODE`);
  if (mode !== undefined && mode !== 'in-band' && mode !== 'out-of-band') throw InputError.at(field, `unknown network mode "${mode}"; known: in-band, out-of-band`);
  if (mode !== undefined && name !== 'network-based') throw InputError.at(field, `only network-based takes a mode (${text})`);
  return { name, mode: (mode as NetworkMode | undefined) ?? scenario['network-mode'] };
}


/** Every option runStorage and compareStorage take: they refuse others (the types make the lists complete). */
const RUN_STORAGE_OPTIONS: Readonly<Record<keyof RunStorageOptions, true>> = { scenario: true, source: true, model: true, eventsPath: true, keepLog: true, report: true, registry: true };
const COMPARE_STORAGE_OPTIONS: Readonly<Record<keyof CompareStorageOptions, true>> = { scenario: true, source: true, models: true, eventsDir: true, keepLog: true, report: true, registry: true };

/** Runs a storage scenario under one model: the library form of `virtsim storage --model`. */
export function runStorage(options: RunStorageOptions): StorageRun {
  checkOptionsObject('runStorage', options, RUN_STORAGE_OPTIONS);
  return runStorageStaged(options);
}

function runStorageStaged(options: StagedRunOptions): StorageRun {
  checkOptionalString('source', options.source);
  checkOptionalString('model', options.model);
  checkOptionalString('eventsPath', options.eventsPath);
  const registry = options.registry ?? createRegistry();
  const parsed = parseStorageScenario(options.scenario, options.source);
  const { name, mode } = modelChoice(options.model, parsed, options.model === undefined ? 'model' : '--model');
  const withSource = <T>(work: () => T): T => {
    try {
      return work();
    } catch (error) {
      if (error instanceof InputError && options.source && !error.source) throw new InputError(error.problems, options.source);
      throw error;
    }
  };
  // The scenario as run: its model is the one that ran, so a replay knows it.
  const scenario: StorageScenario = { ...parsed, model: name, 'network-mode': mode };
  const model = withSource(() => registry.resolve<StorageModel>('storage-model', name, options.model === undefined ? 'model' : '--model'));
  const selector = withSource(() => registry.resolve<PathSelector>('path-selector', scenario.multipath.selector, 'multipath.selector'));
  const policies = (policy: string, field: string) => registry.resolve<AllocationPolicy>('allocation-policy', policy, field);

  const scheduler = new Scheduler();
  const bus = new EventBus(scheduler);
  const random = new RandomStreams(scenario.seed);
  const usedPolicies = [...new Set([...scenario.pools.map((p) => p.allocation), ...scenario.volumes.flatMap((v) => (v.allocation ? [v.allocation] : []))])];
  const blame = (error: unknown): unknown => blamePlugin(error, registry, [['storage-model', model.name], ['path-selector', selector.name], ...usedPolicies.map((p) => ['allocation-policy', p] as const)]);
  // Built (and so validated) before a log exists: a refused configuration writes nothing.
  let runtime: StorageRuntime;
  try {
    runtime = withSource(() => new StorageRuntime({ scenario, model, mode, selector, policies, scheduler, bus, random }));
  } catch (error) {
    throw blame(error);
  }
  for (const [i, policy] of usedPolicies.entries()) withSource(() => policies(policy, `allocation.${i}`));

  const header: LogHeader = {
    type: 'virtsim-log',
    format: LOG_FORMAT,
    kind: 'storage',
    seed: scenario.seed,
    scenario,
    strategies: {
      'storage-model': stamp(registry, 'storage-model', model.name),
      'path-selector': stamp(registry, 'path-selector', selector.name),
      ...Object.fromEntries(usedPolicies.map((p) => [`allocation-policy:${p}`, stamp(registry, 'allocation-policy', p)])),
    },
    plugins: registry.pluginStamps(),
  };
  const memorySink = options.keepLog && !options.eventsPath ? new MemoryLogSink() : null;
  const fileSink = options.eventsPath ? new AtomicFileSink(options.eventsPath, { flag: options.eventsFlag ?? '--events', rename: !options.stageEvents }) : undefined;
  const reportSink = options.report ? new ReportSink() : undefined;
  // The report first: should its checks refuse the log at commit, the log file is not yet in place, and is removed.
  const sink = sinkTo([reportSink, fileSink ?? memorySink]);
  const projection = new StorageProjection();
  bus.batches$.subscribe((batch) => projection.handle(batch));
  const log = new EventLogWriter(sink, header).attach(bus);
  try {
    scheduler.onAfterStep(() => bus.flush());
    withSource(() => runtime.start());
    bus.flush();
    scheduler.run();
    if (!runtime.finished) throw new Error('storage run stopped before it ended');
    bus.complete();
    const summary = log.commit();
    const logText = !options.keepLog ? undefined : memorySink ? memorySink.contents() : readFileSync((fileSink as AtomicFileSink).committedPath, 'utf8');
    return { scenario, result: storageResult(projection.result(), summary), logText, report: reportSink?.report() };
  } catch (error) {
    log.abort();
    throw blame(error);
  }
}

/**
 * A model choice's log file name: `model-mode`, since `:` names an alternate
 * data stream on NTFS and must be quoted in shells. A plugin model named
 * `network-based-out-of-band` would share it: logPathsIn refuses the pair.
 */
function logFileName(choice: string): string {
  return choice.replaceAll(':', '-');
}

/** Runs the same scenario (volumes, seed, I/O trace) under several models: `virtsim storage --models a,b,c`. */
export function compareStorage(options: CompareStorageOptions): StorageComparison {
  checkOptionsObject('compareStorage', options, COMPARE_STORAGE_OPTIONS);
  checkOptionalString('source', options.source);
  checkStringList('models', options.models);
  checkOptionalString('eventsDir', options.eventsDir);
  if (options.models.length === 0) throw InputError.at('--models', `name at least one model; known: ${MODEL_NAMES.join(', ')}`);
  const scenario = parseStorageScenario(options.scenario, options.source);
  // `network-based` runs the scenario's mode: naming that mode too would run it twice.
  checkDistinctNames('--models', options.models, 'model', (model) => {
    const { name, mode } = modelChoice(model, scenario, '--models');
    return name === 'network-based' ? `${name}:${mode}` : name;
  });
  const registry = options.registry ?? createRegistry();
  const paths = logPathsIn(EVENTS_DIR, options.eventsDir, options.models, logFileName);
  const staged = new StagedLogs(paths.values(), EVENTS_DIR);
  try {
    const runs = options.models.map((model) => runStorageStaged({ ...options, model, registry, eventsPath: paths.get(model), eventsFlag: EVENTS_DIR, stageEvents: true }));
    staged.publish();
    return { scenario, runs };
  } finally {
    staged.release();
  }
}

