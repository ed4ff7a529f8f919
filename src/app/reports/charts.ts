import type { CustomSeriesRenderItemAPI, CustomSeriesRenderItemParams, EChartsOption } from 'echarts';
import type { MigrationReportData, StorageReportData, TimelineInterval, TimelineState } from './report-data';
import { byCodeUnits } from '../../domain/text-order';
import { escapeHtml } from './escape-html';

type ECharts = typeof import('echarts');
let loaded: ECharts | null = null;

/** ECharts is loaded on first use: the CLI pays for it only when a report is asked for. */
function echarts(): ECharts {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('echarts') as ECharts;
  return loaded;
}

export const CHART_WIDTH = 960;
/**
 * Arial's metrics: ECharts lays out legends and labels with Arial's character
 * widths when it renders on the server, so a wider font (DejaVu Sans, which
 * the page's system-ui is on most Linux desktops) ran each legend label into
 * the next; fontconfig gives metric-compatible Liberation Sans for Arial. No
 * double quotes: ECharts writes this into a double-quoted style attribute,
 * where the old `"Segoe UI"` cut the declaration short and voided it.
 */
const FONT = 'Arial, Helvetica, sans-serif';

/**
 * Told apart by lightness as well as hue, so readers with red-green colour
 * blindness (and grey-scale prints) still see running, paused, throttled and
 * stalled apart (test/reports/figures.test.ts simulates it).
 */
export const STATE_COLORS: Readonly<Record<TimelineState, string>> = {
  'running (source)': '#91cc75',
  'running (destination)': '#0072B2',
  throttled: '#F0C419',
  stalled: '#CC79A7',
  paused: '#C0392B',
  'link down': '#8c8c8c',
  'migration paused': '#E69F00',
  'client outage': '#F4A582',
  'connection broken': '#2b2b2b',
  'still stalled': '#56B4E9',
};

/** Drawn in this order: later states on top of earlier ones (a stall over the running bar). */
const STATE_ORDER: readonly TimelineState[] = [
  'running (source)', 'running (destination)', 'throttled', 'stalled', 'paused',
  'link down', 'migration paused', 'client outage', 'still stalled', 'connection broken',
];

/** Bar height as a share of a row: overlays are thinner so the state under them shows. */
const STATE_HEIGHT: Readonly<Partial<Record<TimelineState, number>>> = { throttled: 0.34, stalled: 0.34, 'migration paused': 0.34 };

/** Series colours (strategies, volumes, devices): Okabe and Ito's set, told apart with colour blindness too; no yellow, which vanishes on white. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#56B4E9', '#CC79A7', '#000000', '#8c8c8c'];

/**
 * Renders an option to an SVG string with ECharts' server-side renderer. The
 * instance ids ECharts puts in class names, clip paths and gradients count up
 * per process; they are renamed after the chart's own id so the same data
 * always gives the same bytes (and several charts can share one page). The
 * SVG's <title>, which screen readers read and browsers show on hover, is the
 * title the page shows with the chart.
 */
export function renderSvg(id: string, title: string, option: EChartsOption, width: number, height: number): string {
  const chart = echarts().init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT }, color: PALETTE, ...option });
    const svg = chart.renderToSVGString();
    const renamed = new Map<string, string>();
    const counters = new Map<string, number>();
    return svg.replace(/zr\d+-([a-z]+-?)(\d+)/g, (whole, kind: string) => {
      let name = renamed.get(whole);
      if (name === undefined) {
        const n = counters.get(kind) ?? 0;
        counters.set(kind, n + 1);
        name = `${id}-${kind}${n}`;
        renamed.set(whole, name);
      }
      return name;
    }).replace('<svg ', `<svg role="img" aria-labelledby="${id}-title" `).replace(/(<svg[^>]*>)/, `$1<title id="${id}-title">${escapeHtml(title)}</title>`);
  } finally {
    chart.dispose();
  }
}

/** Time axis unit for a run's span: ms up to 20 s, then s. */
export function timeUnit(spanNs: number): { readonly perNs: number; readonly name: string } {
  return spanNs <= 20e9 ? { perNs: 1e6, name: 'ms' } : { perNs: 1e9, name: 's' };
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** Grid and legend; the grid starts below however many lines the legend takes (`names`: its entries). */
function baseGrid(legend: boolean, names: readonly string[] = []): EChartsOption {
  const width = names.reduce((sum, name) => sum + 50 + name.length * 7, 0);
  const lines = Math.max(1, Math.ceil(width / (CHART_WIDTH - 80)));
  return {
    grid: { left: 70, right: 30, top: legend ? 30 + lines * 22 : 20, bottom: 48 },
    legend: legend ? { top: 6, itemGap: 22 } : undefined,
  };
}

function seriesNames(series: EChartsOption['series']): string[] {
  return (Array.isArray(series) ? series : []).map((s) => String((s as { name?: string }).name ?? ''));
}

function timeAxis(spanNs: number, name = 'virtual time') {
  const unit = timeUnit(spanNs);
  return { type: 'value' as const, name: `${name} (${unit.name})`, nameLocation: 'middle' as const, nameGap: 28, min: 0, max: round3(spanNs / unit.perNs) };
}

/** Pages sent per pre-copy round (then stop-and-copy and post-copy), beside what the guest re-dirtied meanwhile. */
export function roundsChart(id: string, title: string, runs: readonly MigrationReportData[]): string {
  const labels: string[] = [];
  for (const run of runs) for (const r of run.rounds) if (!labels.includes(r.label)) labels.push(r.label);
  const order = (label: string) => (label === 'stop-and-copy' ? 1e9 : label === 'post-copy' ? 2e9 : Number(label.split(' ')[1]));
  labels.sort((a, b) => order(a) - order(b));
  const phaseColor = { precopy: '#0072B2', 'stop-and-copy': '#C0392B', postcopy: '#CC79A7' } as const;
  const series: EChartsOption['series'] = [];
  if (runs.length === 1) {
    const run = runs[0];
    const phaseName = { precopy: 'sent in pre-copy rounds', 'stop-and-copy': 'sent while paused', postcopy: 'sent after the switch' } as const;
    // One series per phase, stacked so each round's bar stays centred: the legend names the colours.
    for (const phase of ['precopy', 'stop-and-copy', 'postcopy'] as const) {
      if (!run.rounds.some((r) => r.phase === phase)) continue;
      series.push({
        type: 'bar', name: phaseName[phase], stack: 'sent', itemStyle: { color: phaseColor[phase] },
        data: labels.map((label) => {
          const r = run.rounds.find((x) => x.label === label);
          return r && r.phase === phase ? r.pages : '-';
        }),
        label: { show: labels.length <= 24, position: 'top', fontSize: 10, formatter: (p) => compact(Number(p.value)) },
      });
    }
    // Only rounds a sync closed know what was re-dirtied: no legend entry for bars that are not there.
    if (run.rounds.some((r) => r.redirtied !== null)) {
      series.push({
        type: 'bar', name: 're-dirtied during the round', itemStyle: { color: '#E69F00' },
        data: labels.map((label) => run.rounds.find((x) => x.label === label)?.redirtied ?? '-'),
      });
    }
  } else {
    runs.forEach((run, index) => {
      series.push({
        type: 'bar', name: run.strategy, itemStyle: { color: PALETTE[index % PALETTE.length] },
        data: labels.map((label) => run.rounds.find((x) => x.label === label)?.pages ?? '-'),
      });
    });
  }
  const max = Math.max(0, ...runs.flatMap((run) => run.rounds.flatMap((r) => [r.pages, r.redirtied ?? 0])));
  return renderSvg(id, title, {
    ...baseGrid(true, seriesNames(series)),
    xAxis: { type: 'category', data: labels, axisLabel: { interval: labels.length > 24 ? 'auto' : 0, rotate: labels.length > 12 ? 30 : 0 } },
    yAxis: { type: 'value', name: 'pages', minInterval: 1, axisLabel: { formatter: axisFormatter(max) } },
    series,
  }, CHART_WIDTH, 340);
}

/** Guest dirtying and sending, both MiB/s, over virtual time. */
export function ratesChart(id: string, title: string, runs: readonly MigrationReportData[]): string {
  const span = Math.max(...runs.map((r) => r.migrationEndNs));
  const unit = timeUnit(span);
  const series: EChartsOption['series'] = [];
  runs.forEach((run, index) => {
    const x = run.rates.t.map((t) => round3((t + run.rates.binNs / 2) / unit.perNs));
    const prefix = runs.length > 1 ? `${run.strategy}: ` : '';
    const color = runs.length > 1 ? PALETTE[index % PALETTE.length] : undefined;
    series.push({
      type: 'line', name: `${prefix}sent`, showSymbol: false, sampling: 'lttb',
      lineStyle: { width: 2, color: color ?? '#0072B2' }, itemStyle: { color: color ?? '#0072B2' },
      areaStyle: runs.length === 1 ? { opacity: 0.12 } : undefined,
      data: x.map((value, i) => [value, run.rates.values.sent[i]]),
    });
    series.push({
      type: 'line', name: `${prefix}dirtied`, showSymbol: false, sampling: 'lttb',
      lineStyle: { width: 2, type: runs.length > 1 ? 'dashed' : 'solid', color: color ?? '#C0392B' }, itemStyle: { color: color ?? '#C0392B' },
      data: x.map((value, i) => [value, run.rates.values.dirtied[i]]),
    });
  });
  return renderSvg(id, title, {
    ...baseGrid(true, seriesNames(series)),
    xAxis: timeAxis(span),
    yAxis: { type: 'value', name: 'MiB/s', axisLabel: { formatter: axisFormatter(Math.max(0, ...runs.flatMap((run) => [...run.rates.values.sent, ...run.rates.values.dirtied]))) } },
    series,
  }, CHART_WIDTH, 320);
}

/** Rows of coloured spans: the VM's state, the migration link, each client's outage. */
export function timelineChart(id: string, title: string, rows: readonly string[], intervals: readonly TimelineInterval[], spanNs: number): string {
  const unit = timeUnit(spanNs);
  const graphic = echarts().graphic;
  const states = STATE_ORDER.filter((state) => intervals.some((i) => i.state === state));
  const series: EChartsOption['series'] = states.map((state) => ({
    type: 'custom' as const,
    name: state,
    itemStyle: { color: STATE_COLORS[state] },
    encode: { x: [1, 2], y: 0 },
    renderItem: (params: CustomSeriesRenderItemParams, api: CustomSeriesRenderItemAPI) => {
      const row = api.value(0) as number;
      const start = api.coord([api.value(1), row]);
      const end = api.coord([api.value(2), row]);
      const height = (api.size?.([0, 1]) as number[])[1] * (STATE_HEIGHT[state] ?? 0.62);
      const area = params.coordSys as unknown as { x: number; y: number; width: number; height: number };
      const shape = graphic.clipRectByRect(
        { x: start[0], y: start[1] - height / 2, width: Math.max(1.5, end[0] - start[0]), height },
        { x: area.x, y: area.y, width: area.width, height: area.height },
      );
      return shape ? { type: 'rect', shape, style: { fill: STATE_COLORS[state] } } : null;
    },
    data: intervals.filter((i) => i.state === state).map((i) => [rows.indexOf(i.row), round3(i.fromNs / unit.perNs), round3(i.toNs / unit.perNs), i.detail]),
  }));
  const height = 110 + rows.length * 34;
  return renderSvg(id, title, {
    grid: { left: Math.min(260, 20 + Math.max(...rows.map((r) => r.length)) * 7), right: 30, top: 30 + Math.ceil(states.reduce((sum, s) => sum + 60 + s.length * 7, 0) / (CHART_WIDTH - 80)) * 22, bottom: 48 },
    legend: { top: 6, itemGap: 26 },
    xAxis: timeAxis(spanNs),
    yAxis: { type: 'category', data: [...rows], inverse: true, axisTick: { show: false }, splitLine: { show: true, lineStyle: { color: '#f0f0f0' } } },
    series,
  }, CHART_WIDTH, height);
}

/**
 * Small bar charts, one figure each, one bar per strategy or model. Bar labels
 * carry `decimals` places, as the CLI prints the figure (a label must not read
 * 1030 where the table says 1026.0); a whole-number figure gets whole ticks.
 */
export function comparisonBars(id: string, title: string, unitName: string, names: readonly string[], values: readonly number[], decimals: number): string {
  return renderSvg(id, title, {
    title: { text: title, left: 'center', top: 4, textStyle: { fontSize: 13, fontWeight: 'bold', fontFamily: FONT } },
    grid: { left: 62, right: 16, top: 40, bottom: 34 },
    xAxis: { type: 'category', data: [...names], axisLabel: { interval: 0, fontSize: 11 } },
    yAxis: { type: 'value', name: unitName, nameTextStyle: { fontSize: 10 }, minInterval: decimals === 0 ? 1 : undefined, axisLabel: { formatter: axisFormatter(Math.max(...values)) } },
    series: [{
      type: 'bar', colorBy: 'data', barMaxWidth: 56,
      data: values.map((value) => round3(value)),
      label: { show: true, position: 'top', fontSize: 11, formatter: (p) => values[p.dataIndex].toFixed(decimals) },
    }],
  }, 300, 230);
}

/** Grouped bars: one group per category (volume), one bar per series (model). */
export function groupedBars(id: string, title: string, yName: string, categories: readonly string[], groups: readonly { name: string; values: readonly number[] }[]): string {
  return renderSvg(id, title, {
    ...baseGrid(true, groups.map((g) => g.name)),
    xAxis: { type: 'category', data: [...categories], axisLabel: { interval: 0 } },
    yAxis: { type: 'value', name: yName, axisLabel: { formatter: axisFormatter(Math.max(0, ...groups.flatMap((g) => g.values))) } },
    series: groups.map((group) => ({ type: 'bar' as const, name: group.name, data: group.values.map((v) => round3(v)) })),
  }, CHART_WIDTH, 300);
}

/** Latency per volume over time (mean solid, p99 dashed), with numbered markers for faults and background work. */
export function latencyChart(id: string, title: string, data: StorageReportData): string {
  const unit = timeUnit(data.endNs);
  const x = data.t.map((t) => round3((t + data.binNs / 2) / unit.perNs));
  const values = data.volumes.flatMap((v) => [...data.latency[v].mean, ...data.latency[v].p99]).filter((v) => Number.isFinite(v) && v > 0);
  const logScale = values.length > 0 && Math.max(...values) / Math.min(...values) > 50;
  const series: EChartsOption['series'] = [];
  data.volumes.forEach((volume, index) => {
    const color = PALETTE[index % PALETTE.length];
    const points = (list: readonly number[]) => x.map((value, i) => [value, Number.isFinite(list[i]) && list[i] > 0 ? list[i] : '-']);
    series.push({ type: 'line', name: `${volume} mean`, showSymbol: false, connectNulls: false, lineStyle: { width: 2, color }, itemStyle: { color }, data: points(data.latency[volume].mean) });
    series.push({ type: 'line', name: `${volume} p99`, showSymbol: false, connectNulls: false, lineStyle: { width: 1.5, type: 'dashed', color }, itemStyle: { color }, data: points(data.latency[volume].p99) });
  });
  if (data.markers.length > 0 && series.length > 0) {
    (series[0] as { markLine?: unknown }).markLine = {
      silent: true, symbol: 'none', lineStyle: { color: '#999', type: 'dotted' },
      label: { position: 'end', fontSize: 10 },
      // Markers at the same time share a line labelled with all their numbers.
      data: [...new Set(data.markers.map((m) => m.atNs))].map((atNs) => ({
        xAxis: round3(atNs / unit.perNs),
        label: { formatter: data.markers.flatMap((m, i) => (m.atNs === atNs ? [String(i + 1)] : [])).join(',') },
      })),
    };
  }
  return renderSvg(id, title, {
    ...baseGrid(true, seriesNames(series)),
    xAxis: timeAxis(data.endNs),
    yAxis: { type: logScale ? 'log' : 'value', name: 'latency (ms)' },
    series,
  }, CHART_WIDTH, 340);
}

/** I/O operations per second per volume. */
export function iopsChart(id: string, title: string, data: StorageReportData): string {
  const unit = timeUnit(data.endNs);
  const x = data.t.map((t) => round3((t + data.binNs / 2) / unit.perNs));
  return renderSvg(id, title, {
    ...baseGrid(true, data.volumes),
    xAxis: timeAxis(data.endNs),
    yAxis: { type: 'value', name: 'IOPS', axisLabel: { formatter: axisFormatter(Math.max(0, ...data.volumes.flatMap((v) => data.latency[v].iops))) } },
    series: data.volumes.map((volume) => ({ type: 'line' as const, name: volume, showSymbol: false, data: x.map((value, i) => [value, data.latency[volume].iops[i]]) })),
  }, CHART_WIDTH, 280);
}

/** The busiest devices' utilization over time (at most `top` lines). */
export function deviceLoadChart(id: string, title: string, data: StorageReportData, top = 8): string {
  const unit = timeUnit(data.endNs);
  const x = data.t.map((t) => round3((t + data.binNs / 2) / unit.perNs));
  const busiest = [...data.deviceLoad].sort((a, b) => b.mean - a.mean || byCodeUnits(a.device, b.device)).slice(0, top);
  return renderSvg(id, title, {
    ...baseGrid(true, busiest.map((d) => d.device)),
    xAxis: timeAxis(data.endNs),
    yAxis: { type: 'value', name: 'utilization (%)', min: 0, max: 100 },
    series: busiest.map((d) => ({ type: 'line' as const, name: d.device, showSymbol: false, data: x.map((value, i) => [value, round3(d.utilization[i] * 100)]) })),
  }, CHART_WIDTH, 300);
}

/** Mean utilization of every device that worked, horizontal bars. */
export function deviceBarsChart(id: string, title: string, data: StorageReportData): string {
  const devices = data.deviceLoad;
  return renderSvg(id, title, {
    grid: { left: Math.min(220, 24 + Math.max(...devices.map((d) => d.device.length + d.class.length + (d.failed ? 11 : 3))) * 7), right: 60, top: 16, bottom: 40 },
    xAxis: { type: 'value', name: 'mean utilization (%)', nameLocation: 'middle', nameGap: 26, min: 0, max: 100 },
    yAxis: { type: 'category', inverse: true, data: devices.map((d) => `${d.device} (${d.class}${d.failed ? ', failed' : ''})`), axisLabel: { interval: 0 } },
    series: [{
      type: 'bar', barMaxWidth: 18,
      data: devices.map((d) => ({ value: round3(d.mean * 100), itemStyle: { color: d.failed ? '#8c8c8c' : d.mean > 0.8 ? '#C0392B' : d.mean > 0.5 ? '#F0C419' : '#91cc75' } })),
      label: { show: true, position: 'right', fontSize: 11, formatter: (p) => `${Number(p.value).toFixed(1)} %` },
    }],
  }, CHART_WIDTH, 60 + devices.length * 26);
}

/** One line of a sweep chart: a mean per x value, with the spread over seeds. */
export interface SweepLine {
  readonly name: string;
  /** Colour (one per strategy). */
  readonly color: number;
  /** Dash and symbol (one per combination of the other varied keys). */
  readonly style: number;
  /** Per x category: the mean and the min..max over seeds, or undefined when no run gave a value. */
  readonly points: readonly ({ readonly mean: number; readonly min: number; readonly max: number } | undefined)[];
}

const DASHES = ['solid', 'dashed', 'dotted'] as const;
const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'emptyCircle', 'emptyRect', 'emptyTriangle', 'emptyDiamond'] as const;

/**
 * A sweep figure against the first varied key: one line per strategy (and
 * combination of the other keys) through the means over seeds, with min..max
 * whiskers where the seeds differ.
 */
export function sweepChart(id: string, title: string, xName: string, yName: string, categories: readonly string[], lines: readonly SweepLine[]): string {
  const series: NonNullable<EChartsOption['series']> = [];
  for (const line of lines) {
    const color = PALETTE[line.color % PALETTE.length];
    series.push({
      type: 'line', name: line.name, connectNulls: false, showSymbol: true, symbol: SYMBOLS[line.style % SYMBOLS.length], symbolSize: 8,
      lineStyle: { width: 2, color, type: DASHES[line.style % DASHES.length] }, itemStyle: { color },
      data: line.points.map((p) => (p ? round3(p.mean) : '-')),
    });
  }
  lines.forEach((line) => {
    const whiskers = line.points.flatMap((p, i) => (p && p.max > p.min ? [[i, round3(p.min), round3(p.max)]] : []));
    if (whiskers.length === 0) return;
    const color = PALETTE[line.color % PALETTE.length];
    series.push({
      type: 'custom', silent: true, z: 1, encode: { x: 0, y: [1, 2] }, data: whiskers,
      renderItem: (_params: CustomSeriesRenderItemParams, api: CustomSeriesRenderItemAPI) => {
        const low = api.coord([api.value(0), api.value(1)]);
        const high = api.coord([api.value(0), api.value(2)]);
        const style = { stroke: color, lineWidth: 1.5, opacity: 0.75 };
        const bar = (x1: number, y1: number, x2: number, y2: number) => ({ type: 'line' as const, shape: { x1, y1, x2, y2 }, style });
        return {
          type: 'group',
          children: [bar(low[0], low[1], high[0], high[1]), bar(low[0] - 5, low[1], low[0] + 5, low[1]), bar(high[0] - 5, high[1], high[0] + 5, high[1])],
        };
      },
    });
  });
  const names = lines.map((line) => line.name);
  const { grid } = baseGrid(true, names) as { grid: { top: number } };
  const rotate = categories.length > 10 || categories.some((c) => c.length > 14);
  return renderSvg(id, title, {
    // Room for the y axis' name under the legend, and for rotated labels.
    grid: { ...grid, top: grid.top + 16, bottom: rotate ? 70 : 48 },
    legend: { top: 6, itemGap: 22, data: names },
    xAxis: {
      type: 'category', data: [...categories], name: xName, nameLocation: 'middle', nameGap: rotate ? 50 : 28,
      axisLabel: { interval: 0, rotate: rotate ? 30 : 0 },
    },
    yAxis: { type: 'value', name: yName, axisLabel: { formatter: axisFormatter(Math.max(0, ...lines.flatMap((line) => line.points.map((p) => p?.max ?? 0)))) } },
    series,
  }, CHART_WIDTH, 340);
}

/**
 * Tick labels for a value axis whose data reach `max`: one suffix for the
 * whole axis (0, 0.5M, 1M rather than 0, 500k, 1M; 5k, 10k rather than 5000,
 * 10k), chosen a little below each power so the nice tick ECharts rounds the
 * top up to gets the same suffix as the rest; float noise rounded away.
 */
export function axisFormatter(max: number): (value: number) => string {
  const abs = Number.isFinite(max) ? Math.abs(max) : 0;
  const [divisor, suffix] = abs > 8e8 ? [1e9, 'G'] : abs > 8e5 ? [1e6, 'M'] : abs > 8e3 ? [1e3, 'k'] : [1, ''];
  return (value: number) => (value === 0 ? '0' : `${Number((value / divisor).toPrecision(4))}${suffix}`);
}

/** 1234567 -> 1.23M: bar labels stay short. */
export function compact(value: number): string {
  if (!Number.isFinite(value)) return '';
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${trim(value / 1e9)}G`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function trim(value: number): string {
  return String(Number(value.toPrecision(3)));
}
