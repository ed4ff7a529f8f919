import 'reflect-metadata';

export { runMigration, type MigrationRun, type RunMigrationOptions } from './app/use-cases/run-migration';
export { compareStrategies, type CompareOptions } from './app/use-cases/compare';
export { replay, replayText, replayEventLog, type MigrationReplay } from './app/use-cases/replay';
export { createRegistry } from './infrastructure/container/built-ins';
export { StrategyRegistry, type RegisteredStrategy } from './infrastructure/container/strategy-registry';
export { scenarioSchema, type Scenario, type ScenarioInput } from './domain/scenario/schema';
export type { MigrationResult, RoundReport } from './domain/migration/result';
export type { MigrationEvent } from './domain/migration/events';
export type { DomainEvent, EventEnvelope } from './domain/event';
export { InputError } from './domain/errors';
export type { MigrationStrategy, MigrationContext } from './strategies/migration/context';
export type { StopPolicy, PrecopyProgress, StopDecision } from './strategies/stop-policy/policy';
export type { WorkloadModel, GuestAccesses, WorkloadSetup } from './strategies/workload/model';
