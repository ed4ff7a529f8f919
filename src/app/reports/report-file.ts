import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../../domain/errors';
import { parseEventLog } from '../../infrastructure/event-store/log-reader';
import { writeFileAtomic } from '../../infrastructure/event-store/log-sink';
import { foldLog, renderReport, type RunReport } from './html-report';

const FIELD = '--report';

/**
 * Refuses, before anything runs, a report path that could not be written:
 * not an .html file, a directory, or under something that is not a writable
 * directory. (The file itself is written atomically at the end.)
 */
export function checkReportPath(path: string): void {
  if (!/\.html?$/i.test(path)) throw InputError.at(FIELD, `must name an .html file (got "${path}")`);
  const target = resolve(path);
  if (existsSync(target) && statSync(target).isDirectory()) throw InputError.at(FIELD, `${path} is a directory`);
  let ancestor = dirname(target);
  while (!existsSync(ancestor)) ancestor = dirname(ancestor);
  if (!statSync(ancestor).isDirectory()) throw InputError.at(FIELD, `${ancestor} is not a directory`);
  try {
    accessSync(ancestor, constants.W_OK);
  } catch {
    throw InputError.at(FIELD, `cannot write in ${ancestor}`);
  }
}

/**
 * Gathers the runs a report shows, each folded from its event log as it
 * arrives (the log text is not kept), and writes the page atomically.
 */
export class ReportCollector {
  private readonly runs: RunReport[] = [];

  constructor(readonly path: string) {
    checkReportPath(path);
  }

  /** A log as a run wrote it (NDJSON text). */
  addLogText(text: string, source = 'log'): void {
    this.runs.push(foldLog(parseEventLog(text, source), source));
  }

  addLogFile(path: string): void {
    this.addLogText(readFileSync(path, 'utf8'), path);
  }

  html(): string {
    return renderReport(this.runs);
  }

  /** Renders and writes the report; nothing is left at the path if writing fails. */
  write(): void {
    const html = this.html();
    try {
      writeFileAtomic(this.path, html);
    } catch (error) {
      throw InputError.at(FIELD, `cannot write ${this.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
}

/** A collector when `--report` was given, else undefined. */
export function reportFor(path: string | undefined): ReportCollector | undefined {
  return path === undefined ? undefined : new ReportCollector(path);
}
