import type * as CliProgress from 'cli-progress';
import type { Command } from 'commander';
import { collect, list, positiveInteger } from './options';
import { writeSync } from 'node:fs';
import type { StrategyRegistry } from '../../infrastructure/container/strategy-registry';
import { checkReportPath } from '../reports/report-file';
import { readScenarioFile } from '../use-cases/scenario-input';
import type * as Sweep from '../use-cases/sweep';
import type { SweepProgress, SweepRow } from '../use-cases/sweep';

/** The sweep's modules (worker pool, progress bar) load only when a sweep runs: other commands do not pay for them. */
function sweepModules(): typeof Sweep & { readonly SingleBar: typeof CliProgress.SingleBar } {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return { ...(require('../use-cases/sweep') as typeof Sweep), SingleBar: (require('cli-progress') as typeof CliProgress).SingleBar };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** Exit status of a sweep stopped by SIGINT (128 + 2, as a shell reports it). */
export const EXIT_INTERRUPTED = 130;

export interface SweepCommandDeps {
  /** Plugin paths from --plugin, the scenario's `plugins` and virtsim.config.json. */
  readonly pluginPaths: (flagPlugins: readonly string[], scenario: unknown, scenarioPath: string | undefined) => string[];
  readonly registryWith: (flagPlugins: readonly string[], scenario: unknown, scenarioPath: string | undefined) => Promise<StrategyRegistry>;
  readonly setExit: (code: number) => void;
}


function describeRow(row: SweepRow): string {
  const values = Object.entries(row.values).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [...values, row.strategy, `seed=${row.seed}`].join(' ');
}

/** A bar on a TTY; one plain line per row otherwise (what scripts and tests read). All on stderr. */
function progressReporter(): { readonly onProgress: (progress: SweepProgress) => void; readonly stop: () => void } {
  if (process.stderr.isTTY) {
    const { SingleBar } = sweepModules();
    let bar: CliProgress.SingleBar | undefined;
    let skipped = 0;
    return {
      onProgress: (progress) => {
        if (progress.kind === 'skipped') skipped++;
        if (!bar) {
          bar = new SingleBar({ stream: process.stderr, format: 'sweep [{bar}] {value}/{total} runs | {skipped} skipped | ETA {eta_formatted}', hideCursor: true });
          bar.start(progress.total, 0, { skipped });
        }
        bar.update(progress.finished, { skipped });
      },
      stop: () => bar?.stop(),
    };
  }
  return {
    onProgress: (progress) => {
      const width = String(progress.total).length;
      const what = progress.kind === 'skipped' ? 'skipped (already in the output)' : `${progress.row.figures.status} ${progress.row.figures['total-time']} ms`;
      // Synchronous: a line per row even when the process is interrupted right after.
      writeSync(2, `sweep ${String(progress.finished).padStart(width)}/${progress.total} #${progress.row.index} ${describeRow(progress.row)}: ${what}\n`);
    },
    stop: () => undefined,
  };
}

export function addSweepCommand(program: Command, deps: SweepCommandDeps): void {
  program.command('sweep')
    .description('run the cross product of varied scenario keys x strategies x seeds in worker threads, one row per run')
    .option('--scenario <file>', 'scenario JSON file (default: the built-in scenario)')
    .option('--vary <key=v1,v2,...>', 'vary a scenario field over values, e.g. vm.memory=8MiB,16MiB or migration.faults.0.at=100,500 (list elements by index, as --set; repeatable; the first varies slowest)', collect, [])
    .option('--strategies <names>', 'comma-separated strategies', list, ['pre-copy', 'post-copy', 'hybrid'])
    .option('--seeds <n>', 'seeds per combination: the scenario seed, +1, ... (default 1)', positiveInteger, 1)
    .option('--set <key=value>', 'fix a scenario field for every run, as migrate --set does (repeatable)', collect, [])
    .option('--out <file>', 'write rows here as they finish (.csv or .ndjson); a rerun skips rows already there (default: CSV on stdout at the end)')
    .option('--jobs <n>', 'worker threads (default: the number of CPUs)', positiveInteger)
    .option('--plugin <path>', 'load strategies from a plugin module (repeatable)', collect, [])
    .option('--report <file.html>', 'also write an HTML page with a chart of each figure against the varied keys (self-contained, no script)')
    .action(async (opts) => {
      const { formatSweepRows, sweep, SweepInterrupted } = sweepModules();
      if (opts.report !== undefined) checkReportPath(opts.report);
      const scenario = opts.scenario ? readScenarioFile(opts.scenario) : undefined;
      const registry = await deps.registryWith(opts.plugin, scenario, opts.scenario);
      const controller = new AbortController();
      const onSigint = (): void => controller.abort();
      process.on('SIGINT', onSigint);
      const progress = progressReporter();
      try {
        const rows = await sweep({
          scenario,
          source: opts.scenario,
          set: opts.set,
          vary: opts.vary,
          strategies: opts.strategies,
          seeds: opts.seeds,
          jobs: opts.jobs,
          out: opts.out,
          report: opts.report,
          registry,
          plugins: deps.pluginPaths(opts.plugin, scenario, opts.scenario),
          signal: controller.signal,
          onProgress: progress.onProgress,
        });
        progress.stop();
        if (!opts.out) process.stdout.write(formatSweepRows(rows, 'csv'));
        else process.stderr.write(`sweep: ${rows.length} rows in ${opts.out} (${rows.filter((row) => row.skipped).length} skipped)\n`);
        if (opts.report) process.stderr.write(`sweep: report in ${opts.report}\n`);
        deps.setExit(rows.every((row) => row.figures['verification.consistent']) ? 0 : 3);
      } catch (error) {
        progress.stop();
        if (!(error instanceof SweepInterrupted)) throw error;
        // Only rows kept in --out survive: without it a rerun starts over.
        const next = error.out ? 'rerun the same command to finish the rest' : 'nothing was kept (no --out); give --out FILE to keep rows across runs';
        process.stderr.write(`virtsim: ${error.message}; ${next}\n`);
        deps.setExit(EXIT_INTERRUPTED);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
