import 'reflect-metadata';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/domain/errors';
import { replayAny } from '../../src/app/use-cases/replay';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { runStorage } from '../../src/app/use-cases/run-storage';
import { removeDir, tempDir, virtsim } from '../support/cli';
import { contentLine, insertEvent, lineContent, logLines, rehash } from '../support/log';
import { smallScenario } from '../support/scenarios';
import { scenario as storageScenario } from '../storage/support';

/*
 * Logs edited and then re-chained, as a forger would: every line's hash
 * holds, so only the reader's checks of what the lines say can refuse them.
 * Each must exit 2 naming the file, the line and what is wrong, print no
 * result, and never crash or exit 3.
 */

type Line = Record<string, unknown>;

interface Forgery {
  readonly name: string;
  /** migration: pre-copy, no zero pages; zero-pages: pre-copy from a VM half zero pages; post-copy: post-copy from the same VM. */
  readonly log: 'migration' | 'storage' | 'zero-pages' | 'post-copy';
  /** Edits the parsed lines (header first, trailer last) in place. */
  readonly forge: (records: Line[]) => void;
  /** The line the reader must name, from the edited records. */
  readonly line: (records: readonly Line[]) => number;
  readonly reason: RegExp;
}

const eventLine = (type: string) => (records: readonly Line[]): number => records.findIndex((record) => record.type === type) + 1;
const data = (records: Line[], type: string): Line => records.find((record) => record.type === type)?.data as Line;
const header = (records: Line[]): Line => records[0];
/** The second event of `type`: one whose predecessor of the same type the reader has seen. */
const secondIndex = (records: readonly Line[], type: string): number => records.findIndex((record, i) => record.type === type && records.slice(1, i).some((r) => r.type === type));
const scenarioOf = (records: Line[]): Line => header(records).scenario as Line;

/** Removes the record at `index` and renumbers what follows, so only the meaning is wrong. */
function dropEvent(records: Line[], index: number): void {
  records.splice(index, 1);
  records.forEach((record, i) => {
    if (typeof record.seq === 'number') record.seq = i;
  });
  const trailer = records[records.length - 1];
  trailer.events = (trailer.events as number) - 1;
}

/** The first PagesSent of `phase` whose normal and zero counts differ, both non-zero: swapping them changes what it says. */
const swappableSent = (records: readonly Line[], phase: string): number => {
  const index = records.findIndex((record) => {
    const sent = record.data as Line;
    return record.type === 'PagesSent' && sent.phase === phase && (sent.zeroPages as number) > 0 && (sent.normalPages as number) > 0 && sent.zeroPages !== sent.normalPages;
  });
  if (index < 0) throw new Error(`the log has no ${phase} PagesSent with both normal and zero pages`);
  return index;
};

/** Swaps a PagesSent's normal and zero counts and makes its bytes match, as a forger would. */
function swapCounts(records: Line[], index: number): void {
  const sent = records[index].data as Line;
  [sent.normalPages, sent.zeroPages] = [sent.zeroPages, sent.normalPages];
  sent.bytes = (sent.normalPages as number) * (4096 + 8) + (sent.zeroPages as number) * 9;
}

/** After the VM resumed on the destination: paused there and resumed on the source. */
function resumeOnSourceAfterDestination(records: Line[]): void {
  const onDestination = records.findIndex((record) => record.type === 'VmResumed' && (record.data as Line).host === 'host-b');
  insertEvent(records, onDestination + 1, { ...records[onDestination], type: 'VmPaused', data: { host: 'host-b', reason: 'forged' } });
  insertEvent(records, onDestination + 2, { ...records[onDestination], type: 'VmResumed', data: { host: 'host-a' } });
}

const secondResume = (records: readonly Line[]): number => secondIndex(records, 'VmResumed') + 1;

const FORGERIES: readonly Forgery[] = [
  // The header.
  { name: 'header without its scenario', log: 'migration', forge: (r) => { delete header(r).scenario; }, line: () => 1, reason: /header scenario: .*expected object/ },
  { name: 'migration log whose header says storage', log: 'migration', forge: (r) => { header(r).kind = 'storage'; }, line: () => 1, reason: /header scenario\.hosts: / },
  { name: 'storage log whose header says migration', log: 'storage', forge: (r) => { header(r).kind = 'migration'; }, line: () => 1, reason: /header scenario\.hosts: / },
  { name: 'header of an unknown kind', log: 'migration', forge: (r) => { header(r).kind = 'network'; }, line: () => 1, reason: /header kind: .*"migration"\|"storage"/ },
  { name: 'header scenario with a value no run accepts', log: 'migration', forge: (r) => { (scenarioOf(r).vm as Line).memory = -4096; }, line: () => 1, reason: /header scenario\.vm\.memory: must be positive/ },
  { name: 'header whose plugins are not a list', log: 'migration', forge: (r) => { header(r).plugins = 'x'; }, line: () => 1, reason: /header plugins: .*expected array/ },
  { name: 'header whose seed is not its scenario\'s', log: 'migration', forge: (r) => { header(r).seed = 99; }, line: () => 1, reason: /seed: 99 is not the scenario's seed \(1\)/ },
  { name: 'header with an unknown field', log: 'migration', forge: (r) => { header(r).extra = true; }, line: () => 1, reason: /header extra: unknown field/ },
  // Event data.
  { name: 'MigrationStarted.pages a string', log: 'migration', forge: (r) => { data(r, 'MigrationStarted').pages = 'abc'; }, line: eventLine('MigrationStarted'), reason: /MigrationStarted data\.pages: .*expected number, received string/ },
  { name: 'MigrationStarted data empty', log: 'migration', forge: (r) => { r[1].data = {}; }, line: () => 2, reason: /MigrationStarted data\.vm: .*expected string/ },
  { name: 'MigrationStarted.pages negative', log: 'migration', forge: (r) => { data(r, 'MigrationStarted').pages = -5; }, line: () => 2, reason: /MigrationStarted data\.pages: must not be negative/ },
  { name: 'PagesSent.phase unknown', log: 'migration', forge: (r) => { data(r, 'PagesSent').phase = 'teleport'; }, line: eventLine('PagesSent'), reason: /PagesSent data\.phase: / },
  { name: 'PagesDirtied.pages a number (encoded lists must be strings)', log: 'migration', forge: (r) => { data(r, 'PagesDirtied').pages = 7; }, line: eventLine('PagesDirtied'), reason: /PagesDirtied data\.pages: .*expected string/ },
  { name: 'SetupCompleted data with a field it has not', log: 'migration', forge: (r) => { data(r, 'SetupCompleted').x = 1; }, line: eventLine('SetupCompleted'), reason: /SetupCompleted data\.x: unknown field/ },
  { name: 'an event type no virtsim writes', log: 'migration', forge: (r) => { r[2].type = 'Teleported'; }, line: () => 3, reason: /unknown event type "Teleported"/ },
  { name: 'an event type named after an Object.prototype key', log: 'migration', forge: (r) => { r[2].type = 'constructor'; }, line: () => 3, reason: /unknown event type "constructor"/ },
  { name: 'an event type named toString', log: 'migration', forge: (r) => { r[2].type = 'toString'; }, line: () => 3, reason: /unknown event type "toString"/ },
  { name: 'an event line with a field it has not', log: 'migration', forge: (r) => { r[2].note = 'hi'; }, line: () => 3, reason: /unknown field "note"/ },
  // Counts and bytes: whole and not negative, as every run writes them.
  { name: 'PagesSent.bytes negative', log: 'migration', forge: (r) => { data(r, 'PagesSent').bytes = -4104; }, line: eventLine('PagesSent'), reason: /PagesSent data\.bytes: must not be negative/ },
  { name: 'PagesSent.bytes beyond a safe integer', log: 'migration', forge: (r) => { data(r, 'PagesSent').bytes = 1e300; }, line: eventLine('PagesSent'), reason: /PagesSent data\.bytes: must be an integer/ },
  { name: 'DeviceStateSent.cpuStateBytes negative', log: 'migration', forge: (r) => { data(r, 'DeviceStateSent').cpuStateBytes = -1; }, line: eventLine('DeviceStateSent'), reason: /DeviceStateSent data\.cpuStateBytes: must not be negative/ },
  // What an event says against the header, and against itself.
  { name: 'MigrationStarted.strategy not the header\'s', log: 'migration', forge: (r) => { data(r, 'MigrationStarted').strategy = 'post-copy'; }, line: () => 2, reason: /MigrationStarted data\.strategy: "post-copy" is not the header's migration-strategy "pre-copy"/ },
  { name: 'MigrationStarted.pageSizeBytes not the scenario\'s', log: 'migration', forge: (r) => { data(r, 'MigrationStarted').pageSizeBytes = 8192; }, line: () => 2, reason: /MigrationStarted data\.pageSizeBytes: 8192 is not the scenario's vm\.page-size \(4096\)/ },
  { name: 'MigrationStarted.destination not the scenario\'s', log: 'migration', forge: (r) => { data(r, 'MigrationStarted').destination = 'host-z'; }, line: () => 2, reason: /MigrationStarted data\.destination: "host-z" is not the scenario's hosts\.destination \(host-b\)/ },
  { name: 'VmPaused on a host outside the run', log: 'migration', forge: (r) => { data(r, 'VmPaused').host = 'host-z'; }, line: eventLine('VmPaused'), reason: /VmPaused data\.host: "host-z" is neither the scenario's source \(host-a\) nor its destination \(host-b\)/ },
  { name: 'VmResumed on a host outside the run', log: 'migration', forge: (r) => { data(r, 'VmResumed').host = 'host-z'; }, line: eventLine('VmResumed'), reason: /VmResumed data\.host: "host-z" is neither/ },
  // It used to replay with exit 3, the status of a migration that lost memory.
  { name: 'MigrationStarted.pages not the scenario\'s', log: 'migration', forge: (r) => { data(r, 'MigrationStarted').pages = 2; }, line: () => 2, reason: /MigrationStarted data\.pages: 2 is not the scenario's vm\.memory \/ vm\.page-size \(\d+\)/ },
  { name: 'PagesSent normalPages + zeroPages not its pages', log: 'migration', forge: (r) => { data(r, 'PagesSent').pages = 7; }, line: eventLine('PagesSent'), reason: /PagesSent data\.zeroPages: normalPages \+ zeroPages is not pages/ },
  {
    name: 'PagesSent.pages not what its ranges hold',
    log: 'migration',
    forge: (r) => {
      const sent = data(r, 'PagesSent');
      sent.pages = (sent.pages as number) + 1;
      sent.normalPages = (sent.normalPages as number) + 1;
    },
    line: eventLine('PagesSent'),
    reason: /inconsistent event data \(PagesSent\): pages: \d+, but its ranges hold \d+ pages/,
  },
  { name: 'PagesSent in phase postcopy before PostcopyStarted', log: 'migration', forge: (r) => { data(r, 'PagesSent').phase = 'postcopy'; }, line: eventLine('PagesSent'), reason: /PagesSent data\.phase: postcopy before PostcopyStarted/ },
  {
    name: 'DirtyBitmapSynced.sync going backwards',
    log: 'migration',
    forge: (r) => { (r[secondIndex(r, 'DirtyBitmapSynced')].data as Line).sync = 0; },
    line: (r) => secondIndex(r, 'DirtyBitmapSynced') + 1,
    reason: /DirtyBitmapSynced data\.sync: 0 does not count up from the previous sync \(\d+\)/,
  },
  { name: 'StorageRunStarted data empty', log: 'storage', forge: (r) => { r[1].data = {}; }, line: () => 2, reason: /StorageRunStarted data\.model: / },
  // What only the run could have written: where the VM runs, what each send holds.
  {
    name: 'VmResumed on the source after the VM resumed on the destination (pre-copy)',
    log: 'migration',
    forge: resumeOnSourceAfterDestination,
    line: secondResume,
    reason: /VmResumed data\.host: "host-a" is the source, but the VM already ran on the destination \(host-b\): the source's memory is stale/,
  },
  {
    name: 'VmResumed on the source after post-copy switched over',
    log: 'post-copy',
    forge: resumeOnSourceAfterDestination,
    line: secondResume,
    reason: /VmResumed data\.host: "host-a" is the source, but the VM already ran on the destination/,
  },
  {
    name: 'PagesSent normalPages and zeroPages swapped, bytes recomputed',
    log: 'zero-pages',
    forge: (r) => swapCounts(r, swappableSent(r, 'precopy')),
    line: (r) => swappableSent(r, 'precopy') + 1,
    reason: /inconsistent event data \(PagesSent\): zeroPages: \d+, but \d+ of the pages its ranges hold were zero on the source/,
  },
  {
    name: 'post-copy PagesSent normalPages and zeroPages swapped, bytes recomputed',
    log: 'post-copy',
    forge: (r) => swapCounts(r, swappableSent(r, 'postcopy')),
    line: (r) => swappableSent(r, 'postcopy') + 1,
    reason: /inconsistent event data \(PagesSent\): zeroPages: \d+, but \d+ of the pages its ranges hold were zero on the source/,
  },
  {
    name: 'PagesSent.bytes not what its pages cost',
    log: 'migration',
    forge: (r) => { data(r, 'PagesSent').bytes = (data(r, 'PagesSent').bytes as number) + 1; },
    line: eventLine('PagesSent'),
    reason: /inconsistent event data \(PagesSent\): bytes: \d+, but \d+ normal pages at 4104 bytes and 0 zero pages at 9 make \d+/,
  },
  {
    name: 'MigrationStarted.zeroPages not the seeded zero pages',
    log: 'zero-pages',
    forge: (r) => { data(r, 'MigrationStarted').zeroPages = 0; },
    line: () => 2,
    reason: /inconsistent event data \(MigrationStarted\): zeroPages: 0, but the header's seed and scenario make \d+ pages zero/,
  },
  // The sequence.
  { name: 'MigrationStarted removed', log: 'migration', forge: (r) => dropEvent(r, 1), line: () => 2, reason: /a migration log opens with MigrationStarted, not SetupCompleted/ },
  {
    name: 'a second MigrationCompleted',
    log: 'migration',
    forge: (r) => {
      const completed = r.find((record) => record.type === 'MigrationCompleted') as Line;
      insertEvent(r, r.length - 1, { ...completed });
    },
    line: (r) => r.length - 1,
    reason: /MigrationCompleted after the migration ended \(MigrationCompleted on line \d+\)/,
  },
  {
    name: 'an event after the end',
    log: 'migration',
    forge: (r) => {
      const completed = r.findIndex((record) => record.type === 'MigrationCompleted');
      insertEvent(r, completed + 1, { ...r[completed], type: 'VmResumed', data: { host: 'host-b' } });
    },
    line: (r) => r.length - 1,
    reason: /VmResumed after the migration ended/,
  },
  { name: 'a second MigrationStarted', log: 'migration', forge: (r) => insertEvent(r, 3, { ...r[1], at: r[2].at }), line: () => 4, reason: /a second MigrationStarted \(the first is on line 2\)/ },
  { name: 'a migration event in a storage log', log: 'storage', forge: (r) => insertEvent(r, 2, { ...r[2], type: 'SetupCompleted', data: {} }), line: () => 3, reason: /SetupCompleted is not an event of a storage log/ },
  { name: 'no events at all', log: 'migration', forge: (r) => { r.splice(1, r.length - 2); r[1].events = 0; }, line: () => 2, reason: /holds no events \(a migration log opens with MigrationStarted\)/ },
  // Time.
  { name: 'a time that is not a whole number of ns', log: 'migration', forge: (r) => { r[2].at = (r[2].at as number) + 0.5; }, line: () => 3, reason: /time \d+\.5 is not a whole, non-negative number of ns/ },
];

describe('replaying a forged log (hash chain recomputed after the edit)', () => {
  let dir: string;
  const originals: Record<Forgery['log'], Line[]> = { migration: [], storage: [], 'zero-pages': [], 'post-copy': [] };
  const linesOf = (run: { logText?: string }): Line[] => logLines(run.logText as string).map(lineContent);

  beforeAll(() => {
    dir = tempDir();
    const workload = { model: 'uniform', 'dirty-rate': 30000 };
    originals.migration = linesOf(runMigration({ scenario: smallScenario({ workload }), keepLog: true }));
    originals['zero-pages'] = linesOf(runMigration({ scenario: smallScenario({ workload, zeroPageRatio: 0.5 }), keepLog: true }));
    originals['post-copy'] = linesOf(runMigration({ scenario: smallScenario({ workload, zeroPageRatio: 0.5, strategy: 'post-copy' }), keepLog: true }));
    const storage = runStorage({ scenario: storageScenario(), keepLog: true });
    originals.storage = logLines(storage.logText as string).map(lineContent);
  });
  afterAll(() => removeDir(dir));

  it('the unedited logs re-chained replay (the forgeries below differ only by their edit)', () => {
    for (const kind of ['migration', 'storage', 'zero-pages', 'post-copy'] as const) {
      const path = join(dir, `${kind}.ndjson`);
      writeFileSync(path, rehash(originals[kind].map(contentLine)));
      expect(virtsim(['replay', path]).status).toBe(0);
    }
  });

  for (const forgery of FORGERIES) {
    it(`${forgery.name} (${forgery.log} log): exit 2 naming the file, the line and what is wrong`, () => {
      const records = structuredClone(originals[forgery.log]);
      forgery.forge(records);
      const path = join(dir, `${forgery.name.replace(/\W+/g, '-')}.ndjson`);
      writeFileSync(path, rehash(records.map(contentLine)));
      const line = forgery.line(records);

      let thrown: unknown;
      try {
        replayAny(path);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InputError);
      expect((thrown as InputError).problems[0].path).toBe(`line ${line}`);

      const run = virtsim(['replay', path]);
      expect(run.stderr).toMatch(forgery.reason);
      expect(run.stderr).toContain(`${path}: line ${line}: `);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
    });
  }
});

describe('a log whose encoded pages do not decode', () => {
  let dir: string;
  let records: Line[];

  beforeAll(() => {
    dir = tempDir();
    // A migration that cannot converge: enough events for several fold batches (512 events each).
    const run = runMigration({ scenario: smallScenario({ workload: { model: 'uniform', 'dirty-rate': 200000 }, maxDurationMs: 30_000 }), keepLog: true });
    records = logLines(run.logText as string).map(lineContent);
    expect(records.length).toBeGreaterThan(2 * 512);
  });
  afterAll(() => removeDir(dir));

  /** Damages the last event of `type`: past the first batch, so the fold must find it after folding whole batches. */
  function forged(type: string, field: string, value: string): { path: string; line: number } {
    const copy = structuredClone(records);
    const index = copy.map((record) => record.type).lastIndexOf(type);
    expect(index).toBeGreaterThan(512);
    (copy[index].data as Line)[field] = value;
    const path = join(dir, `${type}.ndjson`);
    writeFileSync(path, rehash(copy.map(contentLine)));
    return { path, line: index + 1 };
  }

  it('replay names the one line whose ranges are damaged, not the batch', () => {
    const { path, line } = forged('PagesSent', 'ranges', '!!not base64!!');
    const run = virtsim(['replay', path]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${path}: line ${line}: inconsistent event data (PagesSent): not base64`);
  });

  it('--workload-from names the line of a page list that does not decode, and writes no log', () => {
    const { path, line } = forged('PagesDirtied', 'pages', '!!not base64!!');
    const events = join(dir, 'out.ndjson');
    const run = virtsim(['migrate', '--workload-from', path, '--events', events]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${path}: line ${line}: PagesDirtied data.pages: not base64`);
    expect(existsSync(events)).toBe(false);
  });

  it('--workload-from refuses a log whose header lost its scenario, naming line 1', () => {
    const copy = structuredClone(records);
    delete copy[0].scenario;
    const path = join(dir, 'no-scenario.ndjson');
    writeFileSync(path, rehash(copy.map(contentLine)));
    const run = virtsim(['migrate', '--workload-from', path]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`${path}: line 1: header scenario: `));
  });
});
