import { createHash } from 'node:crypto';
import { close, existsSync, fsync, openSync, readFileSync, writeFile } from 'node:fs';
import { rename } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { dirname, extname } from 'node:path';
import { describeProblem, InputError } from '../../domain/errors';
import { dottedKeyProblem } from '../../domain/scenario/parse-scenario';
import type { Scenario } from '../../domain/scenario/schema';
import { createRegistry } from '../../infrastructure/container/built-ins';
import type { StrategyRegistry } from '../../infrastructure/container/strategy-registry';
import { cannotWrite, checkOutputFile, checkReplaceable, ensureDirectory, holdTemp, releaseTemp, removeTemp, tempPathFor } from '../../infrastructure/output-files';
import { loadPlugins } from '../../infrastructure/plugins/plugin-loader';
import { checkReportPath } from '../reports/report-file';
import type * as SweepReport from '../reports/sweep-report';
import { checkDistinctNames, checkOptionalString, checkOptionalStringList, checkOptionsObject, checkString, checkStringList } from './library-options';
import { checkChoiceTypes } from './run-migration';
import { resolveScenario } from './scenario-input';
import { checkWorkersCanRun, runMigrationTask, taskError, type MigrationTask, type MigrationTaskResult } from './migration-worker';
import { FIGURE_COLUMNS, type SweepFigures } from './sweep-figures';
import { runShared, WorkerPool } from './worker-pool';

export { FIGURE_COLUMNS, type SweepFigures } from './sweep-figures';

/** One `--vary dotted.key=v1,v2,...`: the values as typed (each parsed like `--set`: JSON when it is JSON, else text). */
export interface SweepAxis {
  readonly key: string;
  readonly values: readonly string[];
}

export interface SweepOptions {
  /** Raw scenario (as read from JSON); the built-in default when absent. */
  readonly scenario?: unknown;
  /** The scenario's file, for messages and relative paths. */
  readonly source?: string;
  /** Fixed `dotted.key=value` overrides, applied before the varied ones. */
  readonly set?: readonly string[];
  /** The varied keys, `dotted.key=v1,v2,...` or parsed; the first varies slowest. */
  readonly vary: readonly (string | SweepAxis)[];
  readonly strategies: readonly string[];
  /** Seeds per combination: base, base + 1, ..., base + seeds - 1, base = the combination's scenario seed (default 1). */
  readonly seeds?: number;
  /** Worker threads (default: os.availableParallelism()); 1 runs in this thread. */
  readonly jobs?: number;
  /** CSV (`.csv`) or NDJSON (`.ndjson`, `.jsonl`): rewritten atomically as rows finish; rows already there are skipped. */
  readonly out?: string;
  /**
   * Validates names and runs this thread's share; default: built-ins plus `plugins`. Workers build
   * theirs from `plugins`, else from the files `loadPlugin` loaded into this one: a strategy
   * registered on it directly exists in this thread only (use `jobs: 1`).
   */
  readonly registry?: StrategyRegistry;
  /** Plugin modules each worker loads (and a default registry, when none is given); default: `registry`'s plugin files. */
  readonly plugins?: readonly string[];
  /** Aborting stops the sweep: finished rows stay in `out`, and `sweep` rejects with {@link SweepInterrupted}. */
  readonly signal?: AbortSignal;
  /**
   * An HTML page (`.html`) with a chart of each figure against the varied
   * keys, written atomically once every row is there (none when the sweep is
   * interrupted or fails); the path is checked before anything runs.
   */
  readonly report?: string;
  readonly onProgress?: (progress: SweepProgress) => void;
}

export interface SweepRow {
  /** Position in the cross product (varied keys in order, then strategies, then seeds). */
  readonly index: number;
  /** sha256 (16 hex digits) of the resolved scenario, strategy and seed: what a rerun recognises. */
  readonly run: string;
  /** Varied key -> value (parsed). */
  readonly values: Readonly<Record<string, unknown>>;
  readonly strategy: string;
  readonly seed: number;
  readonly figures: SweepFigures;
  /** Read back from `out` instead of run. */
  readonly skipped: boolean;
}

export interface SweepProgress {
  readonly kind: 'done' | 'skipped';
  readonly row: SweepRow;
  /** Rows finished or skipped so far, this one included. */
  readonly finished: number;
  readonly total: number;
}

/** The sweep was aborted; `kept` rows are in `out`. */
export class SweepInterrupted extends Error {
  constructor(readonly kept: number, readonly total: number, readonly out?: string) {
    super(`sweep interrupted: ${kept} of ${total} rows ${out ? `kept in ${out}` : 'finished'}`);
    this.name = 'SweepInterrupted';
  }
}

interface PlannedRun {
  readonly index: number;
  readonly run: string;
  readonly tokens: readonly string[];
  readonly values: Readonly<Record<string, unknown>>;
  readonly strategy: string;
  readonly seed: number;
  readonly set: readonly string[];
  /** The scenario these choices resolve to: the run starts from it instead of validating it again. */
  readonly resolved: Scenario;
}

export interface SweepPlan {
  readonly axes: readonly SweepAxis[];
  readonly columns: readonly string[];
  readonly runs: readonly PlannedRun[];
}

const KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Parses `dotted.key=v1,v2,...`. */
export function parseVary(spec: string): SweepAxis {
  checkString('parseVary', spec);
  const equals = spec.indexOf('=');
  const key = equals > 0 ? spec.slice(0, equals).trim() : '';
  if (!KEY.test(key)) throw InputError.at('--vary', `"${spec}" is not dotted.key=v1,v2,...`);
  return checkedAxis(key, spec.slice(equals + 1).split(',').map((value) => value.trim()), `"${spec}"`);
}

/** The object form `{ key, values }`: held to the string form's rules, a comma in a value included. */
function parseVaryAxis(axis: unknown, index: number): SweepAxis {
  const option = `vary.${index}`;
  if (typeof axis !== 'object' || axis === null || Array.isArray(axis)) throw InputError.at(option, 'must be "dotted.key=v1,v2,..." or { key, values }');
  const { key, values } = axis as { key?: unknown; values?: unknown };
  checkString(`${option}.key`, key);
  if (!KEY.test(key)) throw InputError.at(`${option}.key`, `"${key}" is not a dotted.key`);
  if (!Array.isArray(values) || values.some((value) => !['string', 'number', 'boolean'].includes(typeof value))) {
    throw InputError.at(`${option}.values`, 'must be a list of values (strings, numbers or booleans)');
  }
  const texts = values.map((value) => String(value).trim());
  const withComma = texts.find((value) => value.includes(','));
  if (withComma !== undefined) throw InputError.at(`${option}.values`, `${key}: value "${withComma}" cannot contain a comma (commas separate values)`);
  return checkedAxis(key, texts, key);
}

function checkedAxis(key: string, values: readonly string[], shown: string): SweepAxis {
  const keyProblem = dottedKeyProblem(key);
  if (keyProblem !== undefined) throw InputError.at('--vary', keyProblem);
  if (values.some((value) => value === '')) throw InputError.at('--vary', `${shown}: empty value (values are separated by single commas)`);
  for (const value of values) {
    if (/["\n\r]/.test(value)) throw InputError.at('--vary', `${shown}: a value cannot contain quotes or line breaks`);
  }
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw InputError.at('--vary', `${key}: value "${value}" is listed twice`);
    seen.add(value);
  }
  return { key, values };
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * JSON with object keys sorted: the same scenario always hashes the same.
 * Plain loops, no callbacks: a plan calls it for every node of every run's
 * scenario, so V8 optimizes it, and the callbacks' inlined recursion cost
 * ~35 ms of compiling on a core the runs need.
 */
function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + canonical(value[i]);
    return `${text}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    let text = '{';
    for (const key of Object.keys(record).sort()) {
      if (record[key] === undefined) continue;
      text += `${text.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonical(record[key])}`;
    }
    return `${text}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function runId(scenario: Scenario): string {
  return createHash('sha256').update(canonical(scenario)).digest('hex').slice(0, 16);
}

function positiveInteger(value: number, flag: string): number {
  if (!Number.isInteger(value) || value < 1) throw InputError.at(flag, 'must be a positive integer');
  return value;
}

/** Every option sweep takes: it refuses others (the type makes the list complete). */
const SWEEP_OPTIONS: Readonly<Record<keyof SweepOptions, true>> = {
  scenario: true, source: true, set: true, vary: true, strategies: true, seeds: true, jobs: true, out: true,
  registry: true, plugins: true, signal: true, report: true, onProgress: true,
};

/** The types of the list and path options, before any is used. */
function checkSweepTypes(options: SweepOptions): void {
  checkOptionsObject('sweep', options, SWEEP_OPTIONS);
  if (!Array.isArray(options.vary)) throw InputError.at('vary', 'must be a list of "dotted.key=v1,v2,..." or { key, values }');
  checkStringList('strategies', options.strategies);
  checkChoiceTypes(options);
  checkOptionalStringList('plugins', options.plugins, 'paths');
  checkOptionalString('out', options.out);
  checkOptionalString('report', options.report);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw InputError.at('onProgress', 'must be a function');
}

/** The cross product, every combination resolved through the scenario schema: throws InputError before anything runs. */
export function planSweep(options: SweepOptions, registry: StrategyRegistry): SweepPlan {
  checkSweepTypes(options);
  const axes = options.vary.map((axis, index) => (typeof axis === 'string' ? parseVary(axis) : parseVaryAxis(axis, index)));
  const keys = new Set<string>();
  for (const axis of axes) {
    if (keys.has(axis.key)) throw InputError.at('--vary', `${axis.key} is varied twice`);
    if (axis.key === 'migration.strategy') throw InputError.at('--vary', 'migration.strategy: vary strategies with --strategies');
    keys.add(axis.key);
  }
  checkDistinctNames('--strategies', options.strategies, 'strategy');
  for (const name of options.strategies) registry.describe('migration-strategy', name, '--strategies');
  const seeds = positiveInteger(options.seeds ?? 1, '--seeds');
  const set = options.set ?? [];
  const base = { scenario: options.scenario, source: options.source };
  resolveScenario({ ...base, set }, registry); // the scenario itself: its problems are not the --vary's

  let combinations: { tokens: string[] }[] = [{ tokens: [] }];
  for (const axis of axes) combinations = combinations.flatMap((combo) => axis.values.map((value) => ({ tokens: [...combo.tokens, value] })));

  const runs: PlannedRun[] = [];
  const byId = new Map<string, PlannedRun>();
  for (const { tokens } of combinations) {
    const assignments = axes.map((axis, i) => `${axis.key}=${tokens[i]}`);
    const within = (error: unknown): unknown => {
      // Without a source, every problem already names the assignment it came from;
      // one of the flag's own (a key that reaches no field) names its key.
      if (!(error instanceof InputError) || error.problems.every((p) => p.path === '--vary')) return error;
      if (error.source === undefined && error.problems.every((p) => p.from !== undefined)) return error;
      const problems = error.problems.map(describeProblem).join('; ');
      return InputError.at('--vary', `${assignments.join(' ')}: ${problems}`, options.source);
    };
    const overrides = [...set, ...assignments];
    const values = Object.fromEntries(axes.map((axis, i) => [axis.key, parseValue(tokens[i])]));
    for (const strategy of options.strategies) {
      // Once per strategy: it decides capabilities (post-copy turns on postcopy-ram).
      let byStrategy: Scenario;
      try {
        byStrategy = resolveScenario({ ...base, set, vary: assignments, strategy }, registry);
        registry.describe('stop-policy', byStrategy.migration['stop-policy'], 'migration.stop-policy');
      } catch (error) {
        throw within(error);
      }
      for (let i = 0; i < seeds; i++) {
        const seed = byStrategy.seed + i;
        // The seed is a field the schema checks on its own: resolving the
        // whole scenario again per seed gave the same object, field order
        // included, at ~0.2 ms a run. Cloned, as a worker receives it: spread
        // copies change V8's hidden class partway through a plan, deoptimizing
        // the runs' hot code.
        const resolved: Scenario = structuredClone({ ...byStrategy, seed });
        const planned: PlannedRun = { index: runs.length, run: runId(resolved), tokens, values, strategy, seed, set: overrides, resolved };
        const twin = byId.get(planned.run);
        if (twin) {
          throw InputError.at('--vary', `${describe(axes, planned)} and ${describe(axes, twin)} are the same run (same resolved scenario, strategy and seed)`);
        }
        byId.set(planned.run, planned);
        runs.push(planned);
      }
    }
  }
  const columns = [...axes.map((axis) => axis.key), 'strategy', 'seed', ...FIGURE_COLUMNS, 'run'];
  return { axes, columns, runs };
}

function describe(axes: readonly SweepAxis[], run: PlannedRun): string {
  return [...axes.map((axis, i) => `${axis.key}=${run.tokens[i]}`), run.strategy, `seed ${run.seed}`].join(' ');
}

// ---- output files ----

export type SweepFormat = 'csv' | 'ndjson';

function formatOf(path: string): SweepFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.ndjson' || extension === '.jsonl') return 'ndjson';
  throw InputError.at('--out', `${path}: the name must end in .csv or .ndjson`);
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Splits one CSV line (fields as {@link csvField} writes them). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let text = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw new Error('unterminated quote');
        text += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          text += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(text);
    } else {
      const comma = line.indexOf(',', i);
      fields.push(line.slice(i, comma < 0 ? line.length : comma));
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    if (line[i] !== ',') throw new Error('text after a closing quote');
    i++;
  }
}

function cellText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function renderRow(format: SweepFormat, keys: readonly string[], row: SweepRow): string {
  const columns = [...keys, 'strategy', 'seed', ...FIGURE_COLUMNS, 'run'];
  const cells: unknown[] = [...keys.map((key) => row.values[key]), row.strategy, row.seed, ...FIGURE_COLUMNS.map((column) => row.figures[column]), row.run];
  if (format === 'csv') return cells.map((cell) => csvField(cellText(cell))).join(',');
  return JSON.stringify(Object.fromEntries(columns.map((column, i) => [column, cells[i]])));
}

/**
 * Rows as CSV (with a header line) or NDJSON, one line per row in the order
 * given; `keys` are the varied keys (default: the first row's).
 */
export function formatSweepRows(rows: readonly SweepRow[], format: SweepFormat, keys: readonly string[] = Object.keys(rows[0]?.values ?? {})): string {
  return fileText(format, keys, rows.map((row) => renderRow(format, keys, row)));
}

/** The output file: the CSV header (for CSV), then the lines given, in their order. */
function fileText(format: SweepFormat, keys: readonly string[], lines: Iterable<string>): string {
  const all = format === 'csv' ? [[...keys, 'strategy', 'seed', ...FIGURE_COLUMNS, 'run'].map(csvField).join(',')] : [];
  for (const line of lines) all.push(line);
  return all.map((line) => `${line}\n`).join('');
}

/**
 * Each finished row's line, rendered once, by plan index: the file is
 * rewritten as rows finish, and rendering every row for every rewrite made a
 * long sweep quadratic.
 */
class RenderedRows {
  private readonly lines = new Map<number, string>();

  constructor(private readonly format: SweepFormat, private readonly keys: readonly string[]) {}

  add(row: SweepRow): void {
    this.lines.set(row.index, renderRow(this.format, this.keys, row));
  }

  text(): string {
    const indexes = [...this.lines.keys()].sort((a, b) => a - b);
    return fileText(this.format, this.keys, indexes.map((index) => this.lines.get(index) as string));
  }
}

function sortedRows(rows: ReadonlyMap<number, SweepRow>): SweepRow[] {
  return [...rows.keys()].sort((a, b) => a - b).map((index) => rows.get(index) as SweepRow);
}

/**
 * Keeps `out` up to date off the main thread: temp file, fsync, rename (an
 * interrupted sweep leaves the previous complete file, never a torn one).
 * One write at a time; rows finished meanwhile go in the next one.
 */
class RowSaver {
  private pending = false;
  private writing: Promise<void> | undefined;
  private failure: unknown;

  constructor(private readonly path: string, private readonly render: () => string) {}

  /** Schedules a write of every row finished so far. */
  request(): void {
    this.pending = true;
    this.writing ??= this.drain();
  }

  /** Resolves once every requested write is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure !== undefined) throw this.failure;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        this.pending = false;
        await writeAtomic(this.path, this.render());
      }
    } catch (error) {
      this.failure ??= error;
    } finally {
      this.writing = undefined;
    }
  }
}

// writeFile on a descriptor writes all of the text (fs.write may write part of it) and leaves the descriptor open.
const writeFd = promisify((fd: number, text: string, done: (error: NodeJS.ErrnoException | null) => void) => writeFile(fd, text, done));
const fsyncFd = promisify(fsync);
const closeFd = promisify(close);

/** Temporary file, fsync, rename; any fs error is bad `--out` (exit 2), and the temporary file is removed. */
async function writeAtomic(path: string, text: string): Promise<void> {
  checkReplaceable('--out', path);
  const temp = tempPathFor(path);
  holdTemp(temp);
  try {
    ensureDirectory(dirname(path));
    // Created synchronously: an exit (a plugin's process.exit) while an asynchronous open was still on
    // the thread pool could create the file after the exit handler had looked for it.
    const fd = openSync(temp, 'w');
    try {
      await writeFd(fd, text);
      await fsyncFd(fd);
    } catch (error) {
      // The write's error is the one to report, not a close failing after it.
      await closeFd(fd).catch(() => undefined);
      throw error;
    }
    await closeFd(fd);
    await rename(temp, path);
  } catch (error) {
    removeTemp(temp);
    throw cannotWrite('--out', path, error);
  } finally {
    releaseTemp(temp);
  }
}

function figuresFrom(cells: Readonly<Record<string, unknown>>, where: string): SweepFigures {
  const number = (column: string): number => {
    const value = typeof cells[column] === 'string' ? Number(cells[column]) : cells[column];
    if (typeof value !== 'number' || Number.isNaN(value)) throw InputError.at('--out', `${where}: ${column} is not a number`);
    return value;
  };
  const consistent = cells['verification.consistent'];
  return {
    status: String(cells.status),
    'total-time': number('total-time'),
    downtime: number('downtime'),
    'ram.transferred': number('ram.transferred'),
    'ram.dirty-sync-count': number('ram.dirty-sync-count'),
    'ram.postcopy-requests': number('ram.postcopy-requests'),
    'guest.degradation': number('guest.degradation'),
    'verification.consistent': consistent === true || consistent === 'true',
    'log.sha256': String(cells['log.sha256']),
  };
}

/** Rows an earlier (interrupted) run of the same sweep left in `out`, by index. */
function readFinished(path: string, format: SweepFormat, plan: SweepPlan): Map<number, SweepRow> {
  const rows = new Map<number, SweepRow>();
  if (!existsSync(path)) return rows;
  const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
  const byId = new Map(plan.runs.map((planned) => [planned.run, planned]));
  const foreign = (n: number): never => {
    throw InputError.at('--out', `${path}:${n}: a row that is not part of this sweep; finish it with the arguments that started it, or write elsewhere`);
  };
  let first = 0;
  if (format === 'csv') {
    if (lines.length === 0) return rows;
    if (lines[0] !== plan.columns.map(csvField).join(',')) {
      throw InputError.at('--out', `${path}: its columns are not this sweep's (${plan.columns.join(',')}); write elsewhere`);
    }
    first = 1;
  }
  for (let n = first; n < lines.length; n++) {
    let cells: Record<string, unknown>;
    try {
      if (format === 'csv') {
        const fields = csvFields(lines[n]);
        if (fields.length !== plan.columns.length) throw new Error(`${fields.length} fields, expected ${plan.columns.length}`);
        cells = Object.fromEntries(plan.columns.map((column, i) => [column, fields[i]]));
      } else {
        cells = JSON.parse(lines[n]) as Record<string, unknown>;
        if (Object.keys(cells).join('\n') !== plan.columns.join('\n')) foreign(n + 1);
      }
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw InputError.at('--out', `${path}:${n + 1}: unreadable row: ${(error as Error).message}`);
    }
    const planned = byId.get(String(cells.run)) ?? foreign(n + 1);
    rows.set(planned.index, {
      index: planned.index, run: planned.run, values: planned.values, strategy: planned.strategy, seed: planned.seed,
      figures: figuresFrom(cells, `${path}:${n + 1}`), skipped: true,
    });
  }
  return rows;
}

// ---- running ----

/**
 * Runs the cross product of the varied keys, strategies and seeds (the
 * library form of `virtsim sweep`) and returns one row per run, in
 * cross-product order whatever `jobs` is.
 */
export async function sweep(options: SweepOptions): Promise<SweepRow[]> {
  checkSweepTypes(options);
  if (options.out !== undefined) checkOutputFile('--out', options.out);
  if (options.report !== undefined) checkReportPath(options.report);
  const plugins = options.plugins ?? [];
  let registry = options.registry;
  if (!registry) {
    registry = createRegistry();
    await loadPlugins(plugins, registry);
  }
  const jobs = positiveInteger(options.jobs ?? availableParallelism(), '--jobs');
  return sweepWith(options, registry, jobs);
}

async function sweepWith(options: SweepOptions, registry: StrategyRegistry, jobs: number): Promise<SweepRow[]> {
  const plan = planSweep(options, registry);
  const format = options.out ? formatOf(options.out) : undefined;
  const rows = options.out && format ? readFinished(options.out, format, plan) : new Map<number, SweepRow>();
  const total = plan.runs.length;
  let finished = 0;
  for (const row of sortedRows(rows)) {
    options.onProgress?.({ kind: 'skipped', row, finished: ++finished, total });
  }
  const keys = plan.axes.map((axis) => axis.key);
  const rendered = format ? new RenderedRows(format, keys) : undefined;
  for (const row of rows.values()) rendered?.add(row);
  const saver = options.out && rendered ? new RowSaver(options.out, () => rendered.text()) : undefined;
  const record = (result: MigrationTaskResult): void => {
    if ('error' in result) throw taskError(result);
    if (!('figures' in result)) throw new Error(`sweep run ${result.index} replied without figures`);
    const planned = plan.runs[result.index];
    const row: SweepRow = {
      index: planned.index, run: planned.run, values: planned.values, strategy: planned.strategy, seed: planned.seed,
      figures: result.figures, skipped: false,
    };
    rows.set(row.index, row);
    rendered?.add(row);
    saver?.request();
    options.onProgress?.({ kind: 'done', row, finished: ++finished, total });
  };
  const task = (planned: PlannedRun): MigrationTask => ({
    index: planned.index, scenario: options.scenario, source: options.source, set: planned.set,
    strategy: planned.strategy, seed: planned.seed, resolved: planned.resolved, plugins: options.plugins ?? registry.pluginFiles, reply: 'figures',
  });
  const pending = plan.runs.filter((planned) => !rows.has(planned.index));
  const interrupted = (): SweepInterrupted => new SweepInterrupted(rows.size, total, options.out);
  // This thread runs tasks too, so n threads take n - 1 workers, started once the plan is valid and never
  // more than the runs left (--jobs 1000 for two runs started 999 workers). A single run stays here.
  const threads = Math.min(jobs, pending.length);
  if (threads > 1 && registry.hasThreadOnlyClasses()) checkWorkersCanRun(registry, pending.map((planned) => planned.resolved));
  const pool = threads > 1 ? new WorkerPool(threads - 1) : undefined;

  try {
    if (options.signal?.aborted) throw interrupted();
    await runShared(pool, {
      tasks: pending.map(task), runHere: (each) => runMigrationTask(each, registry), accept: record, signal: options.signal,
    });
    if (options.signal?.aborted) throw interrupted();
  } finally {
    await pool?.destroy();
    // Every finished row reaches the file, whether the sweep ended, failed or was interrupted.
    saver?.request();
    await saver?.flush();
  }
  const all = sortedRows(rows);
  if (options.report !== undefined) {
    // Loaded (with ECharts) only when a report is asked for.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { writeSweepReport } = require('../reports/sweep-report') as typeof SweepReport;
    writeSweepReport(options.report, { axes: plan.axes, strategies: options.strategies, rows: all, set: options.set });
  }
  return all;
}
