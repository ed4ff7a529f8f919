import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { axisFormatter, comparisonBars, PALETTE, STATE_COLORS, timelineChart } from '../../src/app/reports/charts';
import type { TimelineState } from '../../src/app/reports/report-data';
import { cli, EXAMPLES, read, removeDir, tempDir } from './helpers';

/*
 * What a reader checks on a page: the numbers are the CLI's, tick labels are
 * readable and do not run into each other, colours survive colour blindness,
 * the markup is well formed and input shows as text.
 */

let dir: string;
beforeEach(() => { dir = tempDir(); });
afterEach(() => removeDir(dir));

const SMALL = ['--set', 'vm.memory=512MiB', '--set', 'vm.workload.working-set=256MiB', '--set', 'link.bandwidth=10Gbit/s'];

interface Label { readonly x: number; readonly y: number; readonly anchor: string; readonly text: string }

/** The text elements ECharts wrote into an SVG, with where it placed them. */
function labels(svg: string): Label[] {
  return [...svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)].flatMap(([, attributes, text]) => {
    const at = /transform="translate\(([-\d.]+) ([-\d.]+)\)"/.exec(attributes);
    const anchor = /text-anchor="(\w+)"/.exec(attributes)?.[1] ?? 'start';
    return at ? [{ x: Number(at[1]), y: Number(at[2]), anchor, text }] : [];
  });
}

/** Centred labels on one line (an x axis' ticks) that overlap, assuming Arial's 6.7 px digits at 12 px. */
function overlapping(svg: string): string[] {
  const rows = new Map<number, Label[]>();
  for (const label of labels(svg)) if (label.anchor === 'middle') rows.set(label.y, [...(rows.get(label.y) ?? []), label]);
  const clashes: string[] = [];
  for (const row of rows.values()) {
    const sorted = [...row].sort((a, b) => a.x - b.x);
    for (let i = 1; i < sorted.length; i++) {
      const [a, b] = [sorted[i - 1], sorted[i]];
      if (a.x + (a.text.length * 6.7) / 2 + 2 > b.x - (b.text.length * 6.7) / 2) clashes.push(`${a.text} / ${b.text}`);
    }
  }
  return clashes;
}

/** The SVG of the chart section with this id. */
function chartIn(html: string, id: string): string {
  const start = html.indexOf(`<section class="chart" id="${id}">`);
  return html.slice(start, html.indexOf('</section>', start));
}

/** The value of one row of the CLI's summary table. */
function row(stdout: string, name: string): string {
  const match = new RegExp(`│ ${name} +│ (.*?) +│`).exec(stdout);
  if (!match) throw new Error(`no "${name}" row in:\n${stdout}`);
  return match[1];
}

describe('the numbers on a page are the ones the CLI printed', () => {
  it('migrate: the cards carry the text output\'s figures, to its decimals', async () => {
    const path = join(dir, 'run.html');
    const run = await cli(['migrate', ...SMALL, '--set', 'vm.workload.dirty-rate=60000', '--report', path]);
    expect(run.status).toBe(0);
    const html = read(path);
    const card = (key: string) => new RegExp(`<div class="v">([^<]*)</div><div class="k">${key}</div>`).exec(html)?.[1];
    expect(card('total time')).toBe(row(run.stdout, 'total time'));
    expect(card('downtime')).toBe(row(run.stdout, 'downtime'));
    expect(card('sent')).toBe(row(run.stdout, 'RAM transferred').split(' of ')[0]);
    expect(card('guest work lost')).toBe(row(run.stdout, 'guest impact').split(' work lost')[0]);
  });

  it('a cancelled migration says why, where memory was checked, and shows the round it cut short', async () => {
    const path = join(dir, 'cancelled.html');
    const run = await cli(['migrate', ...SMALL, '--set', 'link.bandwidth=1Gbit/s', '--set', 'vm.workload.dirty-rate=200000',
      '--set', 'migration.timeout=1000', '--set', 'migration.timeout-action=cancel', '--report', path]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('cancelled: migration.timeout expired');
    expect(run.stdout).toContain('consistent (checked on source)');
    const html = read(path);
    expect(html).toContain('<li>cancelled: migration.timeout expired</li>');
    expect(html).toContain('<div class="k">memory on source</div>');
    expect(html).not.toContain('memory on destination');
    // Pages went out in a round no sync closed: drawn as such, not an empty chart.
    expect(chartIn(html, 'rounds')).toMatch(/>round \d+ \(unfinished\)</);
    expect(chartIn(html, 'rounds')).not.toContain('re-dirtied');
  });

  it('a crash lists the incident as the text does', async () => {
    const path = join(dir, 'crash.html');
    const run = await cli(['migrate', ...SMALL, '--set', 'migration.faults=[{"kind":"host-crash","at":100,"host":"source"}]', '--report', path]);
    expect(run.status).toBe(0);
    const html = read(path);
    expect(html).toContain(`<li>${row(run.stdout, 'status')}</li>`);
    expect(html).toContain('<li>at 100.000 ms: host host-a crashed</li>');
  });

  it('post-copy alone: no legend entry for re-dirtied pages no round measured', async () => {
    const path = join(dir, 'post.html');
    expect((await cli(['migrate', ...SMALL, '--strategy', 'post-copy', '--report', path])).status).toBe(0);
    const rounds = chartIn(read(path), 'rounds');
    expect(rounds).toContain('>sent after the switch<');
    expect(rounds).not.toContain('re-dirtied');
  });

  it('compare: each bar is labelled with the compare table\'s figure, and rounds get whole ticks', async () => {
    const path = join(dir, 'compare.html');
    const run = await cli(['compare', '--scenario', join(EXAMPLES, 'lan-layer3.json'), '--report', path]);
    expect(run.status).toBe(0);
    const html = read(path);
    const table = run.stdout.split('\n').filter((line) => /^│ (pre-copy|post-copy|hybrid) /.test(line)).map((line) => line.split('│').map((cell) => cell.trim()));
    expect(table).toHaveLength(3);
    const bars = (id: string) => {
      const start = html.indexOf(`aria-labelledby="${id}-title"`);
      return labels(html.slice(start, html.indexOf('</svg>', start))).map((label) => label.text);
    };
    // Cells: '', strategy, status, total ms, downtime ms, sent MiB, requests, stall ms, degradation %.
    for (const [id, column] of [['cmp-total', 3], ['cmp-downtime', 4], ['cmp-sent', 5], ['cmp-stall', 7], ['cmp-degradation', 8]] as const) {
      for (const cells of table) expect(bars(id)).toContain(cells[column]);
    }
    // The sent figures differ in the fourth digit: 1026.0 must not read 1030.
    expect(table.map((cells) => cells[5])).toContain('1026.0');
    expect(bars('cmp-rounds').filter((text) => /^\d*\.\d+$/.test(text))).toEqual([]);
  });
});

describe('axes', () => {
  it.each([1.02e9, 1.52e9, 2.768465e9, 1.673732e9, 9.9e9, 20.003e9, 166.43333e9, 1.626e6, 3600.028e9])(
    'a run of %d ns: time ticks readable, none running into the end label', (spanNs) => {
      const intervals = [{ row: 'VM', state: 'running (source)' as TimelineState, fromNs: 0, toNs: spanNs, detail: '' }];
      const svg = timelineChart('t', 'VM state', ['VM'], intervals, spanNs);
      expect(overlapping(svg)).toEqual([]);
      const ticks = labels(svg).filter((label) => /^[\d,.]+$/.test(label.text));
      expect(ticks.length).toBeGreaterThanOrEqual(4);
      for (const tick of ticks) expect(tick.text).toMatch(/^\d{1,3}(,\d{3})*(\.\d{1,3})?$/);
    });

  it('value ticks: one suffix per axis, no float noise', () => {
    const pages = axisFormatter(1_200_000);
    expect([0, 200_000, 1_000_000, 1_200_000].map(pages)).toEqual(['0', '0.2M', '1M', '1.2M']);
    const iops = axisFormatter(24_000);
    expect([5000, 10_000, 25_000].map(iops)).toEqual(['5k', '10k', '25k']);
    expect(axisFormatter(1)(0.1 + 0.2)).toBe('0.3');
    expect(axisFormatter(5e-7)(1e-7)).toBe('1e-7'); // kept exact rather than rounded to 0
  });

  it('a chart\'s SVG title is its title, escaped', () => {
    const svg = comparisonBars('ratio', 'Sent < 1 & "rounds"', 'rounds', ['a', 'b'], [1, 0], 0);
    expect(svg).toMatch(/^<svg [^>]*aria-labelledby="ratio-title"[^>]*><title id="ratio-title">Sent &lt; 1 &amp; &quot;rounds&quot;<\/title>/);
  });

  it('a whole-number figure gets whole ticks only', () => {
    const svg = comparisonBars('rounds', 'Pre-copy rounds', 'rounds', ['a', 'b'], [1, 0], 0);
    expect(labels(svg).map((label) => label.text).filter((text) => text.includes('.'))).toEqual([]);
  });
});

describe('colours', () => {
  // Machado, Oliveira and Fernandes (2009), severity 1, on linear RGB.
  const DEFICIENCIES: Record<string, readonly (readonly number[])[]> = {
    protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
  };
  const linear = (hex: string) => [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const lab = ([r, g, b]: number[]) => {
    const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
    const [x, y, z] = [(0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883];
    return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
  };
  const seen = (hex: string, matrix?: readonly (readonly number[])[]) => {
    const rgb = linear(hex);
    return lab(matrix ? matrix.map((m) => Math.min(1, Math.max(0, m[0] * rgb[0] + m[1] * rgb[1] + m[2] * rgb[2]))) : rgb);
  };
  /** The closest pair (CIE76 distance), for every viewer. */
  const closest = (colours: readonly string[]) => Object.entries({ normal: undefined, ...DEFICIENCIES }).map(([viewer, matrix]) => {
    let best = { viewer, distance: Infinity, pair: '' };
    for (let i = 0; i < colours.length; i++) {
      for (let j = i + 1; j < colours.length; j++) {
        const [a, b] = [seen(colours[i], matrix), seen(colours[j], matrix)];
        const distance = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
        if (distance < best.distance) best = { viewer, distance, pair: `${colours[i]}/${colours[j]}` };
      }
    }
    return best;
  });

  it('the states a VM row shows stay apart with red-green colour blindness', () => {
    const vm: TimelineState[] = ['running (source)', 'running (destination)', 'throttled', 'stalled', 'paused'];
    // A failure names the viewer and the pair.
    for (const pair of closest(vm.map((state) => STATE_COLORS[state]))) expect(pair.distance > 20 ? 'apart' : pair).toBe('apart');
  });

  it('series colours stay apart with red-green colour blindness, and none fades into white', () => {
    for (const pair of closest(PALETTE.slice(0, 6))) expect(pair.distance > 15 ? 'apart' : pair).toBe('apart');
    for (const colour of PALETTE) {
      const [r, g, b] = linear(colour);
      const contrast = 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
      expect(contrast).toBeGreaterThan(2);
    }
  });
});

describe('the markup', () => {
  /** Elements that never close, and ones SVG closes itself (`/>`), aside: every other tag closes in order. */
  function unbalanced(html: string): string[] {
    const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link', '!doctype']); // CDATA (in SVG styles) is text
    const stack: string[] = [];
    const problems: string[] = [];
    const body = html.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
    for (const { 0: tag, 1: slash, 2: name, index } of body.matchAll(/<(\/?)([!a-zA-Z][\w:-]*)[^>]*>/g)) {
      const lower = name.toLowerCase();
      if (VOID.has(lower) || tag.endsWith('/>')) continue;
      if (!slash) stack.push(lower);
      else if (stack.pop() !== lower) problems.push(`</${lower}> at ${index}`);
    }
    return [...problems, ...stack.map((name) => `<${name}> never closed`)];
  }

  it('is well formed and shows names from the scenario and plugins as text', async () => {
    const scenario = join(dir, 'evil.json');
    writeFileSync(scenario, JSON.stringify({
      name: '<script>alert(1)</script> & co',
      vm: { name: 'vm<b>&amp;', memory: '64MiB', workload: { model: 'uniform', 'working-set': '32MiB' } },
      hosts: { source: 'a<i>', destination: 'b&c' },
    }));
    const path = join(dir, 'evil.html');
    expect((await cli(['compare', '--scenario', scenario, '--strategies', 'pre-copy,post-copy', '--report', path])).status).toBe(0);
    const html = read(path);
    expect(unbalanced(html)).toEqual([]);
    expect(html).not.toMatch(/<script|<b>|<i>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
    expect(html).toContain('VM vm&lt;b&gt;&amp;amp;, a&lt;i&gt; → b&amp;c');
  });

  it.each([
    ['storage', ['storage', '--scenario', join(EXAMPLES, 'storage-faults.json')]],
    ['a network migration', ['migrate', '--scenario', join(EXAMPLES, 'lan-announce.json')]],
  ])('%s page is well formed too', async (_what, args) => {
    const path = join(dir, 'page.html');
    expect((await cli([...args, '--report', path])).status).toBe(0);
    expect(unbalanced(read(path))).toEqual([]);
  });
});
