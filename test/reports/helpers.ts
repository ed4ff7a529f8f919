import 'reflect-metadata';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/app/cli/main';

export const EXAMPLES = resolve(__dirname, '../../examples/scenarios');

export interface Cli {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in this process (no build needed), capturing what it prints. */
export async function cli(args: readonly string[]): Promise<Cli> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout += String(chunk); return true; });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr += String(chunk); return true; });
  try {
    const status = await main(args);
    return { status, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'virtsim-report-'));
}

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

export function listDir(path: string): string[] {
  return existsSync(path) ? readdirSync(path).sort() : [];
}

export function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** The ids of the chart sections in a report, in page order. */
export function sectionIds(html: string): string[] {
  return [...html.matchAll(/<section class="chart" id="([^"]+)">/g)].map((m) => m[1]);
}

/** Inline SVG charts inside the section with this id. */
export function svgsIn(html: string, id: string): number {
  const start = html.indexOf(`<section class="chart" id="${id}">`);
  if (start < 0) return 0;
  const end = html.indexOf('</section>', start);
  return (html.slice(start, end).match(/<svg /g) ?? []).length;
}

export interface ChartSection {
  readonly id: string;
  /** The section's heading, as HTML text. */
  readonly heading: string;
  /** Each SVG's <title>, as HTML text, and the id its aria-labelledby names. */
  readonly titles: readonly string[];
}

/** Every chart section of a page with its heading and its charts' titles (what screen readers read and hover shows). */
export function chartSections(html: string): ChartSection[] {
  return [...html.matchAll(/<section class="chart" id="([^"]+)"><h2>([^<]*)<\/h2>([\s\S]*?)<\/section>/g)].map(([, id, heading, body]) => ({
    id,
    heading,
    titles: [...body.matchAll(/<svg [^>]*aria-labelledby="([^"]+)"[^>]*><title id="([^"]+)">([^<]*)<\/title>/g)].map(([, labelledBy, titleId, title]) => {
      expect(titleId).toBe(labelledBy);
      return title;
    }),
  }));
}
