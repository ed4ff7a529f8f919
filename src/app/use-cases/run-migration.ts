import { readFileSync } from 'node:fs';
import { MigrationProjection } from '../../domain/migration/projection';
import { migrationResult, resultOptions, type MigrationResult } from '../../domain/migration/result';
import { vmPages, type Scenario } from '../../domain/scenario/schema';
import { createRegistry } from '../../infrastructure/container/built-ins';
import { BUILT_IN_ORIGIN, type RegisteredStrategy, type StrategyRegistry } from '../../infrastructure/container/strategy-registry';
import { InputError } from '../../domain/errors';
import { EventBus } from '../../infrastructure/event-bus';
import { LOG_FORMAT, type LogHeader, type StrategyStamp } from '../../infrastructure/event-store/log-format';
import { AtomicFileSink, MemoryLogSink, sinkTo } from '../../infrastructure/event-store/log-sink';
import { EventLogWriter } from '../../infrastructure/event-store/log-writer';
import { RandomStreams } from '../../infrastructure/random';
import { Scheduler } from '../../infrastructure/scheduler';
import { WordPool } from '../../infrastructure/word-pool';
import { MigrationRuntime } from '../../infrastructure/simulation/migration-runtime';
import type { SharedTrace } from '../../infrastructure/simulation/shared-trace';
import type { MigrationStrategy } from '../../strategies/migration/context';
import type { StopPolicy } from '../../strategies/stop-policy/policy';
import type { StrategyKind } from '../../strategies/strategy';
import type { RecordedWrites, WorkloadModel } from '../../strategies/workload/model';
import { checkObserver, type EventObserver, type MigrationLogEvent } from './event-observer';
import { checkOptionalScenario, checkOptionalString, checkOptionalStringList, checkOptionsObject } from './library-options';
import { loadRecordedWrites } from './recorded-writes';
import { resolveScenario, traceLogPath, type ScenarioChoices } from './scenario-input';
import { attachSections, checkSections, SectionProjections } from './sections';
import { ReportSink, type RunReport } from '../reports/report-fold';

export interface RunMigrationOptions extends ScenarioChoices {
  /** Each event as it happens, the very events the log records (the log's lines without their hashes). */
  readonly events?: EventObserver;
  /** Write the event log here (atomically). */
  readonly eventsPath?: string;
  /** The flag that named `eventsPath`, for errors writing it (default `--events`). */
  readonly eventsFlag?: string;
  /**
   * Leave the finished log at its temporary path, tempPathFor(eventsPath),
   * for the caller to rename: compare publishes its logs all at once.
   */
  readonly stageEvents?: boolean;
  /** Keep the log text in memory and return it. */
  readonly keepLog?: boolean;
  /** Fold the run's HTML report from its log as it is written, and return it (renderReport draws the page). */
  readonly report?: boolean;
  readonly registry?: StrategyRegistry;
  /** Draw the workload once for several runs (compare): same accesses, generated once. */
  readonly sharedTrace?: SharedTrace;
  /** What the choices above resolve to, when the caller resolved them already (a sweep's plan): not validated twice. */
  readonly resolved?: Scenario;
}

export interface MigrationRun {
  readonly scenario: Scenario;
  readonly result: MigrationResult;
  /** The log's text, when `keepLog` was asked for. */
  readonly logText?: string;
  /** What the run's report shows, when `report` was asked for. */
  readonly report?: RunReport;
}

function stamp(registry: StrategyRegistry, kind: StrategyKind, name: string): StrategyStamp {
  const entry = registry.describe(kind, name);
  return { name: entry.name, version: entry.version, origin: entry.origin };
}

/** A plugin strategy that throws mid-run is bad input: name the plugin (by name@version: it may not have come from --plugin) and the cause. */
function blamePlugin(error: unknown, used: readonly RegisteredStrategy[]): unknown {
  if (error instanceof InputError) return error;
  const plugins = used.filter((entry) => entry.origin !== BUILT_IN_ORIGIN);
  if (plugins.length === 0) return error;
  const names = plugins.map((entry) => `${entry.kind} "${entry.name}" from ${entry.origin}`).join(', ');
  return InputError.at('', `${names} threw while running: ${(error as Error).message}`);
}

/** Every option runMigration takes: it refuses others (the type makes the list complete). */
const RUN_OPTIONS: Readonly<Record<keyof RunMigrationOptions, true>> = {
  scenario: true, source: true, set: true, vary: true, strategy: true, stopPolicy: true, seed: true, events: true, eventsPath: true,
  eventsFlag: true, stageEvents: true, keepLog: true, report: true, registry: true, sharedTrace: true, resolved: true,
};

/** The types of the options every migration entry point shares (compare's and sweep's too). */
export function checkChoiceTypes(choices: Omit<ScenarioChoices, 'vary'>): void {
  checkOptionalScenario(choices.scenario);
  checkOptionalString('source', choices.source);
  checkOptionalStringList('set', choices.set, 'dotted.key=value assignments');
  checkOptionalString('strategy', choices.strategy);
  checkOptionalString('stopPolicy', choices.stopPolicy);
}

/** This thread's page-bitmap arrays, lent to one run at a time and taken back when it ends. */
const bitmaps = new WordPool();

/** Runs one migration from a scenario: the library form of `virtsim migrate`. */
export function runMigration(options: RunMigrationOptions = {}): MigrationRun {
  checkOptionsObject('runMigration', options, RUN_OPTIONS);
  checkChoiceTypes(options);
  checkOptionalString('eventsPath', options.eventsPath);
  checkObserver(options.events);
  const registry = options.registry ?? createRegistry();
  let scenario = options.resolved ?? resolveScenario(options, registry);
  const strategy = registry.resolve<MigrationStrategy>('migration-strategy', scenario.migration.strategy, 'migration.strategy');
  const stopPolicy = registry.resolve<StopPolicy>('stop-policy', scenario.migration['stop-policy'], 'migration.stop-policy');
  const workload = registry.resolve<WorkloadModel>('workload', scenario.vm.workload.model, 'vm.workload.model');

  let recorded: RecordedWrites | undefined;
  if (workload.name === 'trace') {
    const rate = scenario.vm.workload['dirty-rate'];
    recorded = loadRecordedWrites(traceLogPath(scenario.vm.workload.from as string, options), typeof rate === 'number' ? rate : undefined);
    // The recorded writes as they were: at their rate, each changing as much of its page (no more than this VM's page).
    const pageSize = scenario.vm['page-size'];
    const given = scenario.vm.workload['write-size'];
    const writeSize = typeof given === 'number' ? given : Math.min(recorded.bytesPerWrite ?? pageSize, pageSize);
    scenario = { ...scenario, vm: { ...scenario.vm, workload: { ...scenario.vm.workload, 'write-size': writeSize, 'dirty-rate': recorded.writesPerSecond } } };
  }

  checkSections(scenario, options.source);

  const header: LogHeader = {
    type: 'virtsim-log',
    format: LOG_FORMAT,
    kind: 'migration',
    seed: scenario.seed,
    scenario,
    strategies: {
      'migration-strategy': stamp(registry, 'migration-strategy', strategy.name),
      'stop-policy': stamp(registry, 'stop-policy', stopPolicy.name),
      workload: stamp(registry, 'workload', workload.name),
    },
    plugins: registry.pluginStamps(),
  };

  const memorySink = options.keepLog && !options.eventsPath ? new MemoryLogSink() : null;
  const fileSink = options.eventsPath
    ? new AtomicFileSink(options.eventsPath, { flag: options.eventsFlag ?? '--events', rename: !options.stageEvents })
    : undefined;
  const reportSink = options.report ? new ReportSink() : undefined;
  // The report first: should its checks refuse the log at commit, the log file is not yet in place, and is removed.
  const sink = sinkTo([reportSink, fileSink ?? memorySink]);
  const scheduler = new Scheduler();
  const bus = new EventBus(scheduler);
  const random = new RandomStreams(scenario.seed);
  // Nothing outside this call keeps the projection or the runtime: their bitmaps go back when it returns.
  const lease = bitmaps.lease();
  const projection = new MigrationProjection(lease.words);
  bus.batches$.subscribe((batch) => projection.handle(batch));
  const sections = new SectionProjections();
  bus.batches$.subscribe((batch) => sections.handle(batch));
  const log = new EventLogWriter(sink, header).attach(bus);
  const observer = options.events;
  // What the observer threw: RxJS would rethrow it later, on a timer, where nobody can catch it; the run throws it instead.
  let observerFailure: { readonly error: unknown } | undefined;
  if (observer) {
    bus.batches$.subscribe((batch) => {
      if (observerFailure) return;
      try {
        for (const event of batch) observer.next(event as MigrationLogEvent);
      } catch (error) {
        observerFailure = { error };
      }
    });
  }

  let run: MigrationRun;
  try {
    const pages = vmPages(scenario.vm);
    const { model: _model, ...parameters } = scenario.vm.workload;
    const createAccesses = () => workload.accesses({
      vm: { pages, pageSizeBytes: scenario.vm['page-size'] },
      parameters,
      random: { writes: random.stream('workload.writes'), reads: random.stream('workload.reads') },
      recorded,
    });
    const traceKey = JSON.stringify([scenario.seed, scenario.vm.memory, scenario.vm['page-size'], scenario.vm.workload]);
    const accesses = options.sharedTrace ? options.sharedTrace.view(traceKey, createAccesses) : createAccesses();
    const guardStrategy = registry.describe('migration-strategy', strategy.name).origin !== BUILT_IN_ORIGIN;
    const runtime = new MigrationRuntime({ scenario, scheduler, bus, random, accesses, stopPolicy, strategyName: strategy.name, words: lease.words, guardStrategy });
    scheduler.onAfterStep(() => bus.flush());
    attachSections(scenario, scheduler, bus, random);
    strategy.start(runtime);
    bus.flush();
    scheduler.run();
    if (!runtime.ended) runtime.fail(`strategy ${strategy.name} stopped scheduling work before the migration ended`);
    bus.complete();
    if (observerFailure) throw observerFailure.error;
    const summary = log.commit();
    run = {
      scenario,
      result: { ...migrationResult(projection.result(), summary, resultOptions(scenario)), ...sections.sections() },
      logText: !options.keepLog ? undefined : memorySink ? memorySink.contents() : readFileSync((fileSink as AtomicFileSink).committedPath, 'utf8'),
      report: reportSink?.report(),
    };
  } catch (error) {
    log.abort();
    if (observerFailure && error === observerFailure.error) throw error;
    throw blamePlugin(error, [
      registry.describe('migration-strategy', strategy.name),
      registry.describe('stop-policy', stopPolicy.name),
      registry.describe('workload', workload.name),
    ]);
  } finally {
    lease.release();
  }
  // Outside the run: whatever `complete` does, the log is written and stays.
  observer?.complete?.();
  return run;
}
