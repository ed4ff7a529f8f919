import { writeFileAtomic } from '../../infrastructure/event-store/log-sink';
import type { SweepFigures } from '../use-cases/sweep-figures';
import { sweepChart, type SweepLine } from './charts';
import { escapeHtml } from './escape-html';
import { card, page, section } from './html-report';

/*
 * The page `virtsim sweep --report` writes: one chart per figure against the
 * first varied key, one line per strategy (and per combination of the other
 * varied keys), each point the mean over seeds with min..max whiskers. Drawn
 * from the rows alone (not from how or when they ran), so the same rows give
 * the same bytes whatever --jobs was and whether some rows were read back
 * from --out.
 */

/** What the report needs of a sweep row (a subset of SweepRow). */
export interface SweepReportRow {
  readonly values: Readonly<Record<string, unknown>>;
  readonly strategy: string;
  readonly seed: number;
  readonly figures: SweepFigures;
}

export interface SweepReportInput {
  /** The varied keys and their values as typed, in --vary order. */
  readonly axes: readonly { readonly key: string; readonly values: readonly string[] }[];
  readonly strategies: readonly string[];
  /** Every row of the sweep, in cross-product order. */
  readonly rows: readonly SweepReportRow[];
  /** Fixed overrides (--set), shown under the charts. */
  readonly set?: readonly string[];
}

type NumericFigure = Exclude<keyof SweepFigures, 'status' | 'verification.consistent' | 'log.sha256'>;

interface FigureSpec {
  readonly figure: NumericFigure;
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly scale: number;
  readonly note: string;
}

export const SWEEP_REPORT_FIGURES: readonly FigureSpec[] = [
  { figure: 'total-time', id: 'total-time', title: 'Total migration time', unit: 'ms', scale: 1, note: 'From the start of the migration to its end (virtual time).' },
  { figure: 'downtime', id: 'downtime', title: 'Downtime', unit: 'ms', scale: 1, note: 'How long the VM was paused.' },
  { figure: 'ram.transferred', id: 'ram-transferred', title: 'RAM sent', unit: 'MiB', scale: 1 / 1048576, note: 'Bytes of memory put on the migration link.' },
  { figure: 'ram.dirty-sync-count', id: 'dirty-sync-count', title: 'Dirty bitmap syncs', unit: 'syncs', scale: 1, note: 'Times the dirty bitmap was synchronised (about one per pre-copy round).' },
  { figure: 'ram.postcopy-requests', id: 'postcopy-requests', title: 'Post-copy page requests', unit: 'requests', scale: 1, note: 'Pages the destination faulted on and requested after the switch.' },
  { figure: 'guest.degradation', id: 'degradation', title: 'Guest work lost', unit: '%', scale: 1, note: 'Share of the guest\'s progress lost to pauses, stalls and throttling.' },
];

/** The text a value was typed as, for a row's parsed value (as the CSV writes it). */
function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Parsed like the sweep parses a --vary value, then written back: what a row's value matches. */
function tokenKey(token: string): string {
  try {
    return JSON.stringify(JSON.parse(token));
  } catch {
    return JSON.stringify(token);
  }
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;
const formatNumber = (value: number) => String(round3(value));

export function renderSweepReport(input: SweepReportInput): string {
  const { axes, strategies, rows } = input;
  if (rows.length === 0) throw new Error('a sweep report needs at least one row');
  const [first, ...others] = axes;
  const categories = first ? [...first.values] : ['(scenario)'];
  const xName = first ? first.key : 'no --vary';
  const position = (axis: { values: readonly string[] }, value: unknown): number => {
    const key = JSON.stringify(value);
    return axis.values.findIndex((token) => tokenKey(token) === key);
  };

  // Combinations of the other varied keys, in cross-product order (the first of them slowest).
  let combos: string[][] = [[]];
  for (const axis of others) combos = combos.flatMap((combo) => axis.values.map((value) => [...combo, value]));
  const comboName = (combo: readonly string[]) => others.map((axis, i) => `${axis.key}=${combo[i]}`).join(', ');

  // Group rows: line (strategy x combo) -> category -> rows.
  const lines = strategies.flatMap((strategy, s) => combos.map((combo, c) => ({ strategy, s, combo, c, cells: categories.map(() => [] as SweepReportRow[]) })));
  const lineIndex = new Map(lines.map((line, i) => [`${line.strategy}\u0000${line.combo.join('\u0000')}`, i]));
  for (const row of rows) {
    const x = first ? position(first, row.values[first.key]) : 0;
    const combo = others.map((axis) => axis.values[position(axis, row.values[axis.key])] ?? valueText(row.values[axis.key]));
    const line = lineIndex.get(`${row.strategy}\u0000${combo.join('\u0000')}`);
    if (x < 0 || line === undefined) continue; // not part of this sweep's axes
    lines[line].cells[x].push(row);
  }
  const drawn = lines.filter((line) => line.cells.some((cell) => cell.length > 0));
  const lineName = (line: (typeof lines)[number]) => (others.length > 0 ? `${line.strategy} · ${comboName(line.combo)}` : line.strategy);

  const parts: string[] = [];
  const seedsPer = Math.max(...drawn.flatMap((line) => line.cells.map((cell) => cell.length)));
  const failed = rows.filter((row) => row.figures.status !== 'completed').length;
  const inconsistent = rows.filter((row) => !row.figures['verification.consistent']).length;
  parts.push(`<div class="cards">${[
    card('runs', String(rows.length)),
    card('strategies', String(strategies.length)),
    card(first ? `values of ${first.key}` : 'varied keys', String(first ? categories.length : 0)),
    card('other combinations', String(combos.length)),
    card('seeds per point', String(seedsPer)),
    card('runs not completed', String(failed), failed > 0 ? 'bad' : 'good'),
    card('memory on destination', inconsistent > 0 ? `${inconsistent} INCONSISTENT` : 'consistent', inconsistent > 0 ? 'bad' : 'good'),
  ].join('')}</div>`);

  for (const spec of SWEEP_REPORT_FIGURES) {
    const chartLines: SweepLine[] = drawn.map((line) => ({
      name: lineName(line),
      color: line.s,
      style: line.c,
      points: line.cells.map((cell) => {
        // A run that failed or was cancelled measured no migration: its downtime of 0 would drag a mean down.
        const completed = cell.filter((row) => row.figures.status === 'completed');
        if (completed.length === 0) return undefined;
        const values = completed.map((row) => row.figures[spec.figure] * spec.scale);
        return { mean: values.reduce((sum, v) => sum + v, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
      }),
    }));
    const chart = sweepChart(`${spec.id}-chart`, spec.title, xName, spec.unit, categories, chartLines);
    const header = `<tr><th>${escapeHtml(xName)}</th>${chartLines.map((line) => `<th>${escapeHtml(line.name)}</th>`).join('')}</tr>`;
    const body = categories.map((category, i) => `<tr><td>${escapeHtml(category)}</td>${chartLines.map((line, l) => {
      const p = line.points[i];
      const left = drawn[l].cells[i].filter((row) => row.figures.status !== 'completed').length;
      const leftOut = left > 0 ? ` [${left} not completed]` : '';
      if (!p) return `<td>–${leftOut}</td>`;
      return `<td>${formatNumber(p.mean)}${p.max > p.min ? ` (${formatNumber(p.min)}–${formatNumber(p.max)})` : ''}${leftOut}</td>`;
    }).join('')}</tr>`).join('');
    const table = `<details><summary>Values (${escapeHtml(spec.unit)}: mean over completed seeds, min–max)</summary><table class="spans">${header}${body}</table></details>`;
    const leftOut = failed > 0 ? ` Only completed runs count: ${failed} run${failed === 1 ? '' : 's'} that did not complete ${failed === 1 ? 'is' : 'are'} left out (a line without a point there when none completed).` : '';
    parts.push(section(spec.id, spec.title, `${spec.note} Mean over seeds per point${seedsPer > 1 ? '; whiskers span the lowest to the highest seed' : ''}; in ${spec.unit}.${leftOut}`, `${chart}\n${table}`));
  }
  if (input.set && input.set.length > 0) {
    parts.push(`<details><summary>Fixed overrides (--set)</summary><pre>${escapeHtml(input.set.join('\n'))}</pre></details>`);
  }

  const varied = axes.map((axis) => `${axis.key} (${axis.values.length})`);
  const title = `virtsim sweep: ${strategies.join(', ')}`;
  const subtitle = `${rows.length} runs: ${[...varied, `${strategies.length} strateg${strategies.length === 1 ? 'y' : 'ies'}`, `${seedsPer} seed${seedsPer === 1 ? '' : 's'}`].join(' × ')}`;
  const footer = `Drawn by virtsim from the sweep's ${rows.length} rows (the same rows as its --out file); lines are strategies${others.length > 0 ? ', dash and marker the other varied keys' : ''}.`;
  return page(title, subtitle, parts.join('\n'), footer);
}

/** Renders and writes the page atomically (temporary file, fsync, rename). */
export function writeSweepReport(path: string, input: SweepReportInput): void {
  writeFileAtomic(path, renderSweepReport(input), '--report');
}
