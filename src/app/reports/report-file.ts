import { InputError } from '../../domain/errors';
import { writeFileAtomic } from '../../infrastructure/event-store/log-sink';
import { checkOutputFile } from '../../infrastructure/output-files';
import { renderReport } from './html-report';
import { foldLogFileReport, type RunReport } from './report-fold';

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
 * Gathers the runs a report shows, each folded from its event log (as the
 * run wrote it, or from its file; the log text is not kept), and writes the
 * page atomically.
 */
export class ReportCollector {
  private readonly runs: RunReport[] = [];

  constructor(readonly path: string) {
    checkReportPath(path);
  }

  /** A run's report, folded as it wrote its log (a run's `report: true`). */
  add(run: RunReport): void {
    this.runs.push(run);
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
