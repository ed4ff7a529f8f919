import type { MigrationResult } from '../../domain/migration/result';
import type { StorageResult } from '../../domain/storage/result';
import { parseEventLog } from '../../infrastructure/event-store/log-reader';
import { comparisonBars, deviceBarsChart, deviceLoadChart, groupedBars, iopsChart, latencyChart, ratesChart, roundsChart, timelineChart, timeUnit } from './charts';
import { escapeHtml } from './escape-html';
import type { MigrationReportData, TimelineInterval } from './report-data';
import { foldLog, type MigrationRunReport, type RunReport, type StorageRunReport } from './report-fold';

/*
 * One self-contained HTML page per report: inline CSS, charts as inline SVG
 * rendered here, no script and nothing fetched. Everything on it is folded
 * from event logs, so a report drawn from a replayed log is byte-identical to
 * the one the live run wrote.
 */

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2329; background: #f5f6f8; }
header { background: #1f2d3d; color: #fff; padding: 20px 32px 16px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header p { margin: 0; color: #c9d3de; }
main { max-width: 1040px; margin: 0 auto; padding: 20px 24px 40px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 0 0 18px; }
.card { background: #fff; border-radius: 8px; padding: 10px 14px; min-width: 130px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.card .v { font-size: 20px; font-weight: 600; }
.card .k { font-size: 12px; color: #6b7480; text-transform: uppercase; letter-spacing: .04em; }
.card.bad .v { color: #d03050; }
.card.good .v { color: #18a058; }
ul.outcome { margin: -8px 0 18px; padding-left: 20px; color: #a02040; font-weight: 600; }
section.chart { background: #fff; border-radius: 8px; padding: 14px 16px 8px; margin: 0 0 18px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
section.chart h2 { margin: 0 0 2px; font-size: 17px; font-weight: 600; }
section.chart p.note { margin: 0 0 8px; color: #5c6570; font-size: 13px; }
section.chart svg { display: block; max-width: 100%; height: auto; }
.bars { display: flex; flex-wrap: wrap; gap: 6px; }
h2.run { margin: 26px 0 10px; font-size: 19px; }
ol.markers { margin: 4px 0 8px; padding-left: 22px; font-size: 13px; color: #5c6570; columns: 2; }
table.spans { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
table.spans td, table.spans th { padding: 2px 10px 2px 0; text-align: left; }
details { margin: 8px 0; font-size: 13px; }
details pre { background: #fff; padding: 10px; border-radius: 6px; overflow: auto; max-height: 420px; }
footer { color: #6b7480; font-size: 12px; margin-top: 24px; }
/* Printers drop backgrounds by default: the header's white text would vanish, and a chart split over two pages reads badly. */
@media print {
  @page { size: A4; margin: 12mm; }
  body { background: #fff; font-size: 12px; }
  header { background: none; color: #000; padding: 0 0 8px; border-bottom: 2px solid #1f2d3d; }
  header p { color: #333; }
  main { max-width: none; padding: 8px 0 0; }
  .card, section.chart { box-shadow: none; border: 1px solid #d0d4da; }
  section.chart, .cards, table.spans { break-inside: avoid; }
}
`;

export function card(key: string, value: string, tone = ''): string {
  return `<div class="card${tone ? ` ${tone}` : ''}"><div class="v">${escapeHtml(value)}</div><div class="k">${escapeHtml(key)}</div></div>`;
}

export function section(id: string, title: string, note: string, body: string): string {
  return `<section class="chart" id="${id}"><h2>${escapeHtml(title)}</h2><p class="note">${escapeHtml(note)}</p>\n${body}\n</section>`;
}

/** A section of one chart, `ID-chart`, titled as the section (the SVG's title too); `after` follows the chart. */
function chartSection(id: string, title: string, note: string, chart: (id: string, title: string) => string, after = ''): string {
  return section(id, title, note, `${chart(`${id}-chart`, title)}${after}`);
}

export function page(title: string, subtitle: string, body: string, footer: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="virtsim">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(subtitle)}</p></header>
<main>
${body}
<footer>${footer}</footer>
</main>
</body>
</html>
`;
}

/** Figures as the CLI's text prints them, so a number on the page can be found in the run's output. */
const ms = (value: number) => `${value.toFixed(3)} ms`;
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

function migrationCards(result: MigrationResult): string {
  const verification = result.verification;
  const cards = [
    card('status', result.status, result.status === 'completed' ? 'good' : 'bad'),
    card('total time', ms(result['total-time'])),
    card('downtime', ms(result.downtime)),
    card('sent', mib(result.ram.transferred)),
    card('pre-copy rounds', String(result.rounds.length)),
    card('guest work lost', `${result.guest.degradation.toFixed(2)} %`, result.guest.degradation > 20 ? 'bad' : ''),
    verification['vm-lost']
      ? card('memory', `VM LOST (${verification['lost-pages']} pages)`, 'bad')
      : card(`memory on ${verification['verified-on']}`, verification.consistent ? 'consistent' : 'INCONSISTENT', verification.consistent ? 'good' : 'bad'),
  ];
  if (result.network) {
    const worst = result.network['client-outage'].max;
    const broken = result.network.connections.broken;
    cards.push(card('worst client outage', ms(worst), worst > 1000 ? 'bad' : ''));
    if (broken > 0) cards.push(card('connections broken', String(broken), 'bad'));
  }
  // Why a run did not complete, and what was injected, as the text output says it.
  const events = [
    ...(result.reason ? [`${result.status}: ${result.reason}`] : []),
    ...result.incidents.map((incident) => `at ${incident.at.toFixed(3)} ms: ${incident.what}`),
  ];
  const notes = events.length > 0 ? `<ul class="outcome">${events.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>` : '';
  return `<div class="cards">${cards.join('')}</div>${notes}`;
}

function timelineNote(data: readonly MigrationReportData[]): string {
  const network = data.some((d) => d.network);
  return `Green: the VM runs on the source; blue: on the destination; red: paused (downtime); yellow: throttled by auto-converge; purple: stalled on post-copy page faults.${network ? ' Client rows: salmon while a client\'s requests go unanswered, black once its connection broke.' : ''}`;
}

function longestSpans(intervals: readonly TimelineInterval[], perNs: number, unitName: string): string {
  const notable = intervals.filter((i) => i.state !== 'running (source)' && i.state !== 'running (destination)')
    .sort((a, b) => b.toNs - b.fromNs - (a.toNs - a.fromNs) || a.fromNs - b.fromNs).slice(0, 6);
  if (notable.length === 0) return '';
  const rows = notable.map((i) => `<tr><td>${escapeHtml(i.row)}</td><td>${escapeHtml(i.detail)}</td><td>${(i.fromNs / perNs).toFixed(3)}–${(i.toNs / perNs).toFixed(3)} ${unitName}</td></tr>`).join('');
  return `<details><summary>Longest spans</summary><table class="spans"><tr><th>row</th><th>what</th><th>when</th></tr>${rows}</table></details>`;
}

function scenarioDetails(scenario: unknown): string {
  return `<details><summary>Scenario as run</summary><pre>${escapeHtml(JSON.stringify(scenario, null, 2))}</pre></details>`;
}

function logFooter(results: readonly { log: { events: number; sha256: string } }[]): string {
  const logs = results.map((r) => `${r.log.events} events, sha256 ${r.log.sha256.slice(0, 16)}`).join('; ');
  return `Drawn by virtsim from the run's event log${results.length > 1 ? 's' : ''} (${escapeHtml(logs)}); <code>virtsim replay LOG --report FILE.html</code> draws the same page.`;
}

function migrationReport(runs: readonly MigrationRunReport[]): string {
  const first = runs[0];
  const data = runs.map((r) => r.data);
  const span = Math.max(...data.map((d) => d.endNs));
  const unit = timeUnit(span);
  const parts: string[] = [];
  const compare = runs.length > 1;
  if (compare) {
    const names = runs.map((r) => r.data.strategy);
    // Decimals as compare's table prints each figure.
    const metric = (title: string, unitName: string, decimals: number, pick: (r: MigrationResult) => number, id: string) =>
      comparisonBars(id, title, unitName, names, runs.map((r) => pick(r.result)), decimals);
    const bars = [
      metric('Total time', 'ms', 3, (r) => r['total-time'], 'cmp-total'),
      metric('Downtime', 'ms', 3, (r) => r.downtime, 'cmp-downtime'),
      metric('Sent', 'MiB', 1, (r) => r.ram.transferred / 1048576, 'cmp-sent'),
      metric('Guest stalls', 'ms', 3, (r) => r.guest['stall-time'], 'cmp-stall'),
      metric('Guest work lost', '%', 2, (r) => r.guest.degradation, 'cmp-degradation'),
      metric('Pre-copy rounds', 'rounds', 0, (r) => r.rounds.length, 'cmp-rounds'),
    ];
    parts.push(section('comparison', 'Strategies side by side', 'Same scenario, same seed, same guest writes: only the strategy differs. Lower is better everywhere.', `<div class="bars">${bars.join('\n')}</div>`));
  } else {
    parts.push(migrationCards(first.result));
  }
  parts.push(chartSection('rounds', 'Pages per round', compare
    ? 'Pages each strategy sent per pre-copy round, then while paused (stop-and-copy) and after the switch (post-copy).'
    : 'Pages sent in each pre-copy round, while the VM was paused (stop-and-copy) and after the switch (post-copy), beside the pages the guest dirtied during each round, to be sent again. Converging rounds shrink.', (id, title) => roundsChart(id, title, data)));
  parts.push(chartSection('rates', 'Dirty rate and send rate over time', compare
    ? 'Per strategy, in MiB/s: what went over the wire (solid) and what the guest wrote (writes x page size, dashed).'
    : 'In MiB/s: what went over the wire (blue) against what the guest wrote (writes x page size, red). Pre-copy converges only while sending outruns dirtying.', (id, title) => ratesChart(id, title, data)));
  const rows = compare ? data.flatMap((d) => d.rows.map((row) => `${d.strategy} · ${row}`)) : [...first.data.rows];
  const intervals = compare ? data.flatMap((d) => d.timeline.map((i) => ({ ...i, row: `${d.strategy} · ${i.row}` }))) : [...first.data.timeline];
  parts.push(chartSection('timeline', data.some((d) => d.network) ? 'VM state and client outages' : 'VM state', timelineNote(data),
    (id, title) => timelineChart(id, title, rows, intervals, span), `\n${longestSpans(intervals, unit.perNs, unit.name)}`));
  parts.push(scenarioDetails(first.scenario));
  const title = compare ? `virtsim compare: ${runs.map((r) => r.data.strategy).join(' vs ')}` : `virtsim migration: ${first.data.strategy}`;
  const subtitle = `VM ${first.data.vm}, ${first.data.source} → ${first.data.destination}${compare ? '' : `, stop policy ${first.data.stopPolicy}`}`;
  return page(title, subtitle, parts.join('\n'), logFooter(runs.map((r) => r.result)));
}

function storageCards(result: StorageResult): string {
  const ios = result.volumes.reduce((sum, v) => sum + v.ios, 0);
  const worstP99 = Math.max(0, ...result.volumes.map((v) => v.latency.p99));
  const lost = result.volumes.reduce((sum, v) => sum + v['lost-blocks'], 0);
  const failed = result.devices.filter((d) => d.failed).length;
  return `<div class="cards">${[
    card('simulated', `${result.elapsed} ms`),
    card('I/Os', String(ios)),
    card('worst p99 latency', `${worstP99} ms`),
    card('failed devices', String(failed), failed > 0 ? 'bad' : ''),
    card('lost blocks', String(lost), lost > 0 ? 'bad' : 'good'),
    card('verification', result.verification.consistent ? 'consistent' : 'INCONSISTENT', result.verification.consistent ? 'good' : 'bad'),
  ].join('')}</div>`;
}

function storageRunSections(run: StorageRunReport, prefix: string): string[] {
  const data = run.data;
  const unit = timeUnit(data.endNs);
  const parts: string[] = [];
  const markers = data.markers.length > 0
    ? `<ol class="markers">${data.markers.map((m) => `<li>${escapeHtml(m.label)} at ${(m.atNs / unit.perNs).toFixed(3)} ${unit.name}</li>`).join('')}</ol>`
    : '';
  parts.push(chartSection(`${prefix}latency`, 'Latency over time', 'Per volume: mean latency (solid) and p99 (dashed) per time bin. Numbered lines mark faults and background work (listed below).',
    (id, title) => latencyChart(id, title, data), `\n${markers}`));
  parts.push(chartSection(`${prefix}iops`, 'I/O rate over time', 'I/O operations per second, per volume.', (id, title) => iopsChart(id, title, data)));
  if (data.deviceLoad.length > 0) {
    parts.push(chartSection(`${prefix}device-load`, 'Device load over time', 'Utilization (busy time per bin) of the busiest devices.', (id, title) => deviceLoadChart(id, title, data)));
    parts.push(chartSection(`${prefix}devices`, 'Device load', 'Mean utilization over the run of every device that did work: green under 50 %, yellow under 80 %, red above; grey: failed during the run.', (id, title) => deviceBarsChart(id, title, data)));
  }
  return parts;
}

function storageReport(runs: readonly StorageRunReport[]): string {
  const parts: string[] = [];
  const compare = runs.length > 1;
  if (compare) {
    const models = runs.map((r) => r.data.model);
    const volumes = runs[0].result.volumes.map((v) => v.name);
    const figure = (pick: (v: StorageResult['volumes'][number]) => number) => runs.map((r) => ({ name: r.data.model, values: volumes.map((name) => { const v = r.result.volumes.find((x) => x.name === name); return v ? pick(v) : 0; }) }));
    const bars = (id: string, title: string, note: string, chartId: string, yName: string, pick: (v: StorageResult['volumes'][number]) => number) =>
      section(id, title, note, groupedBars(chartId, title, yName, volumes, figure(pick)));
    parts.push(bars('comparison', 'Models side by side: p99 latency', `Same volumes and I/O trace under ${models.join(', ')}.`, 'cmp-p99', 'p99 latency (ms)', (v) => v.latency.p99));
    parts.push(bars('comparison-mean', 'Models side by side: mean latency', 'Mean latency per volume.', 'cmp-mean', 'mean latency (ms)', (v) => v.latency.mean));
    parts.push(bars('comparison-iops', 'Models side by side: IOPS', 'I/O operations per simulated second per volume.', 'cmp-iops', 'IOPS', (v) => v.iops));
    runs.forEach((run, index) => {
      parts.push(`<h2 class="run">${escapeHtml(run.data.model)}</h2>`);
      parts.push(storageCards(run.result));
      parts.push(...storageRunSections(run, `m${index}-`));
    });
  } else {
    parts.push(storageCards(runs[0].result));
    parts.push(...storageRunSections(runs[0], ''));
  }
  parts.push(scenarioDetails(runs[0].scenario));
  const title = compare ? `virtsim storage: ${runs.map((r) => r.data.model).join(' vs ')}` : `virtsim storage: ${runs[0].data.model}`;
  const subtitle = `${runs[0].data.volumes.length} volume(s): ${runs[0].data.volumes.join(', ')}`;
  return page(title, subtitle, parts.join('\n'), logFooter(runs.map((r) => r.result)));
}

/** The report for one run, or a comparison of runs of one kind (strategies or storage models). */
export function renderReport(runs: readonly RunReport[]): string {
  if (runs.length === 0) throw new Error('a report needs at least one run');
  if (runs.every((r) => r.kind === 'migration')) return migrationReport(runs as MigrationRunReport[]);
  if (runs.every((r) => r.kind === 'storage')) return storageReport(runs as StorageRunReport[]);
  throw new Error('a report compares runs of one kind');
}

/** The library form of `--report`: the page for one or more logs' texts (NDJSON as written by a run). */
export function reportFromLogTexts(texts: readonly string[]): string {
  return renderReport(texts.map((text, index) => foldLog(parseEventLog(text, `log ${index + 1}`), `log ${index + 1}`)));
}
