import { InputError } from '../../domain/errors';
import type { EventEnvelope } from '../../domain/event';
import type { LogHeader } from '../../infrastructure/event-store/log-format';
import { LogTextScanner, scanEventLog } from '../../infrastructure/event-store/log-reader';
import type { LogSink } from '../../infrastructure/event-store/log-sink';
import type { LogSummary } from '../../infrastructure/event-store/log-writer';

/** Events reach projections in batches: one immer draft per batch. */
const BATCH = 512;

type Handlers = readonly { handle(batch: readonly EventEnvelope[]): void }[];

/**
 * A log's events from the first, each time it is called: an array iterated
 * again, a file read again. Only a rejected fold calls it (see EventFold).
 */
export type EventSource = (take: (event: EventEnvelope) => void) => void;

/** Ends a second reading early: the rejected event is named, or its batch is past. */
class StopReading {
  constructor(readonly named?: InputError) {}
}

/**
 * Feeds events, as they are read, to new projections in batches. A batch the
 * projections reject stops the fold, and `finish`, called once the whole log
 * is verified (a fault of the log comes first), names the event at fault:
 * bad input, reported with the line of that event (the header is line 1,
 * event seq n is line n + 1).
 */
export class EventFold<const P extends Handlers> {
  readonly projections: P;
  private batch: EventEnvelope[] = [];
  /** Events handed to the projections before `batch`. */
  private folded = 0;
  private rejected: { readonly start: number; readonly count: number; readonly error: unknown } | undefined;

  constructor(private readonly create: () => P) {
    this.projections = create();
  }

  add(event: EventEnvelope): void {
    if (this.rejected) return;
    this.batch.push(event);
    if (this.batch.length === BATCH) this.flush();
  }

  /** The projections, every event folded; `source` and `name` serve to name a rejected event. */
  finish(source: EventSource, name: string): P {
    if (this.batch.length > 0) this.flush();
    if (!this.rejected) return this.projections;
    const { start, count, error } = this.rejected;
    throw rejectedEvent(source, start, this.create, name) ?? inconsistent(`lines ${start + 2}-${start + count + 1}`, error, name);
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    try {
      for (const projection of this.projections) projection.handle(batch);
    } catch (error) {
      this.rejected = { start: this.folded, count: batch.length, error };
    }
    this.folded += batch.length;
  }
}

/** Feeds a verified log's events to each fold, then finishes them in order (see EventFold). */
export function foldAll<const F extends readonly EventFold<Handlers>[]>(events: readonly EventEnvelope[], folds: F, source = 'log'): F {
  for (const event of events) for (const fold of folds) fold.add(event);
  const again: EventSource = (take) => events.forEach((event) => take(event));
  for (const fold of folds) fold.finish(again, source);
  return folds;
}

/** Feeds a verified log's events to new projections in batches and returns them (see EventFold). */
export function foldEvents<const P extends Handlers>(events: readonly EventEnvelope[], create: () => P, source = 'log'): P {
  const [fold] = foldAll(events, [new EventFold(create)], source);
  return fold.projections;
}

/**
 * The batch from `start` was rejected: fold again on new projections, the
 * batches before it whole and it one event at a time, to name the event.
 * Only a failed replay pays for this.
 */
function rejectedEvent(source: EventSource, start: number, create: () => Handlers, name: string): InputError | undefined {
  const projections = create();
  let before: EventEnvelope[] = [];
  let index = 0;
  try {
    source((event) => {
      const at = index++;
      if (at < start) {
        before.push(event);
        if (before.length === BATCH || at === start - 1) {
          for (const projection of projections) projection.handle(before);
          before = [];
        }
        return;
      }
      if (at >= start + BATCH) throw new StopReading();
      try {
        for (const projection of projections) projection.handle([event]);
      } catch (error) {
        throw new StopReading(inconsistent(`line ${event.seq + 1}`, error, name, event.type));
      }
    });
  } catch (stop) {
    if (!(stop instanceof StopReading)) throw stop;
    return stop.named;
  }
  return undefined;
}

function inconsistent(where: string, error: unknown, source: string, type?: string): InputError {
  return InputError.at(where, `inconsistent event data${type ? ` (${type})` : ''}: ${(error as Error).message}`, source);
}

export interface FoldedLog<F> {
  readonly header: LogHeader;
  readonly summary: LogSummary;
  readonly folds: F;
}

/** The folds `begin` makes for a log's header, fed each event as a scan verifies it. */
class ScanFolds<const F extends readonly EventFold<Handlers>[]> {
  private folds: F | undefined;

  constructor(
    private readonly begin: (header: LogHeader) => F,
    private readonly onEvent?: (event: EventEnvelope) => void,
  ) {}

  readonly start = (header: LogHeader): ((event: EventEnvelope) => void) => {
    const folds = this.begin(header);
    this.folds = folds;
    const onEvent = this.onEvent;
    return (event) => {
      for (const fold of folds) fold.add(event);
      onEvent?.(event);
    };
  };

  /** Each fold finished, in order, once the whole log is verified. */
  finish(again: EventSource, name: string): F {
    for (const fold of this.folds as F) fold.finish(again, name);
    return this.folds as F;
  }
}

/**
 * Reads, verifies and folds a log file in one pass (see scanEventLog): memory
 * does not grow with the log. `begin` makes the folds the header calls for;
 * each is finished, in order, once the whole log is verified, a rejected
 * event being named by reading the file again. `onEvent` gets each event
 * once its line is verified, before the lines after it are read.
 */
export function foldLogFile<const F extends readonly EventFold<Handlers>[]>(path: string, begin: (header: LogHeader) => F, onEvent?: (event: EventEnvelope) => void): FoldedLog<F> {
  const scan = new ScanFolds(begin, onEvent);
  const { header, summary } = scanEventLog(path, scan.start);
  const again: EventSource = (take) => {
    scanEventLog(path, () => take);
  };
  return { header, summary, folds: scan.finish(again, path) };
}

/**
 * Folds a log as a run writes it, as foldLogFile folds the file once written
 * (the same checks, the same folds), keeping only the line being written: set
 * beside the run's own sink, it draws a report from a log of any length. The
 * text is not kept to read again, so a rejected event is named by its batch.
 */
export class FoldingLogSink<const F extends readonly EventFold<Handlers>[]> implements LogSink {
  private readonly scan: ScanFolds<F>;
  private readonly scanner: LogTextScanner;
  private folded: FoldedLog<F> | undefined;

  constructor(begin: (header: LogHeader) => F, private readonly source = 'log') {
    this.scan = new ScanFolds(begin);
    this.scanner = new LogTextScanner(source, this.scan.start);
  }

  write(chunk: string): void {
    this.scanner.write(chunk);
  }

  commit(): void {
    const { header, summary } = this.scanner.end();
    this.folded = { header, summary, folds: this.scan.finish(() => {}, this.source) };
  }

  abort(): void {}

  /** The folded log, once committed. */
  result(): FoldedLog<F> {
    if (!this.folded) throw new Error('log not committed');
    return this.folded;
  }
}
