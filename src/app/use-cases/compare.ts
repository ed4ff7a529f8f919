import { join } from 'node:path';
import { InputError } from '../../domain/errors';
import type { MigrationResult } from '../../domain/migration/result';
import { createRegistry } from '../../infrastructure/container/built-ins';
import { SharedTrace } from '../../infrastructure/simulation/shared-trace';
import { runMigration, type RunMigrationOptions } from './run-migration';

export interface CompareOptions extends Omit<RunMigrationOptions, 'strategy' | 'eventsPath' | 'keepLog'> {
  readonly strategies: readonly string[];
  /** Write one log per strategy here, as STRATEGY.ndjson. */
  readonly eventsDir?: string;
  /** Receives each strategy's event log (NDJSON text) as its run ends, e.g. for a report. */
  readonly onLog?: (strategy: string, logText: string) => void;
}

/**
 * Runs several strategies on the same scenario and seed. The workload is a
 * pure function of (seed, model, guest time), or a recorded trace, so every
 * strategy meets the very same sequence of page accesses; it is drawn once
 * and shared (SharedTrace).
 */
export function compareStrategies(options: CompareOptions): Record<string, MigrationResult> {
  if (options.strategies.length === 0) throw InputError.at('--strategies', 'name at least one strategy');
  const registry = options.registry ?? createRegistry();
  const seen = new Set<string>();
  for (const name of options.strategies) {
    if (seen.has(name)) throw InputError.at('--strategies', `"${name}" is listed twice`);
    seen.add(name);
    registry.describe('migration-strategy', name, '--strategies');
  }
  const results: Record<string, MigrationResult> = {};
  const sharedTrace = new SharedTrace();
  for (const name of options.strategies) {
    const run = runMigration({
      ...options,
      registry,
      sharedTrace,
      strategy: name,
      eventsPath: options.eventsDir ? join(options.eventsDir, `${name}.ndjson`) : undefined,
      keepLog: options.onLog !== undefined,
    });
    if (run.logText !== undefined) options.onLog?.(name, run.logText);
    results[name] = run.result;
  }
  return results;
}
