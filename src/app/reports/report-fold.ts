import { EventFold, FoldingLogSink, foldAll, foldLogFile, type FoldedLog } from '../use-cases/fold-events';
import type { MigrationResult } from '../../domain/migration/result';
import type { StorageResult } from '../../domain/storage/result';
import type { LogHeader } from '../../infrastructure/event-store/log-format';
import type { EventLog } from '../../infrastructure/event-store/log-reader';
import { migrationReplay, migrationProjections, type MigrationProjections } from '../use-cases/replay';
import { storageProjections, storageReplay, type StorageProjections } from '../use-cases/replay-storage';
import { MigrationReportProjection, StorageReportProjection, type MigrationReportData, type StorageReportData } from './report-data';

/*
 * What a report shows of a run, folded from its event log only (text, file,
 * or as the run writes it) and plain data: a worker thread sends it whole.
 */

export interface MigrationRunReport {
  readonly kind: 'migration';
  readonly data: MigrationReportData;
  readonly result: MigrationResult;
  readonly scenario: unknown;
}

export interface StorageRunReport {
  readonly kind: 'storage';
  readonly data: StorageReportData;
  readonly result: StorageResult;
  readonly scenario: unknown;
}

export type RunReport = MigrationRunReport | StorageRunReport;

type ReportFolds = readonly [EventFold<readonly [MigrationReportProjection | StorageReportProjection]>, EventFold<MigrationProjections | StorageProjections>];

/** The folds a report needs for a log with this header: the report's data and the replayed result. */
function reportFolds(header: LogHeader): ReportFolds {
  return header.kind === 'storage'
    ? [new EventFold(() => [new StorageReportProjection()] as const), new EventFold(storageProjections)]
    : [new EventFold(() => [new MigrationReportProjection()] as const), new EventFold(migrationProjections(header))];
}

function runReport({ header, summary, folds: [report, replayed] }: FoldedLog<ReportFolds>): RunReport {
  if (header.kind === 'storage') {
    const [projection] = report.projections as readonly [StorageReportProjection];
    return { kind: 'storage', data: projection.result(), result: storageReplay(header, replayed.projections as StorageProjections, summary).result, scenario: header.scenario };
  }
  const [projection] = report.projections as readonly [MigrationReportProjection];
  return { kind: 'migration', data: projection.result(), result: migrationReplay(header, replayed.projections as MigrationProjections, summary).result, scenario: header.scenario };
}

/** A verified log (see parseEventLog) folded into what its report shows. */
export function foldLog(log: EventLog, source = 'log'): RunReport {
  return runReport({ header: log.header, summary: log.summary, folds: foldAll(log.events, reportFolds(log.header), source) });
}

/** A log file folded into what its report shows as it is read (see foldLogFile), the same as foldLog a text. */
export function foldLogFileReport(path: string): RunReport {
  return runReport(foldLogFile(path, reportFolds));
}

/** A run's report folded from its log as the run writes it (see FoldingLogSink), the same as foldLog the whole text. */
export class ReportSink extends FoldingLogSink<ReportFolds> {
  constructor() {
    super(reportFolds);
  }

  report(): RunReport {
    return runReport(this.result());
  }
}
