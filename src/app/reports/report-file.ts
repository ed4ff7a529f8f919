import { InputError } from '../../domain/errors';
import { parseEventLog } from '../../infrastructure/event-store/log-reader';
import { writeFileAtomic } from '../../infrastructure/event-store/log-sink';
import { checkOutputFile } from '../../infrastructure/output-files';
import { foldLog, foldLogFileReport, renderReport, type RunReport } from './html-report';

const FIELD = '--report';

/**
 * Refuses, before anything runs, a report path that could not be written:
 * not an .html file, a directory, or where no file can be created. (The file
 * itself is written atomically at the end.)
 */
export function checkReportPath(path: string): void {
  if (!/\.html?$/i.test(path)) throw InputError.at(FIELD, `must name an .html file (got "${path}")`);
  checkOutputFile(FIELD, path);
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
    this.runs.push(foldLogFileReport(path));
  }

  html(): string {
    return renderReport(this.runs);
  }

  /** Renders and writes the report; nothing is left at the path if writing fails. */
  write(): void {
    writeFileAtomic(this.path, this.html(), FIELD);
  }
}

/** A collector when `--report` was given, else undefined. */
export function reportFor(path: string | undefined): ReportCollector | undefined {
  return path === undefined ? undefined : new ReportCollector(path);
}
