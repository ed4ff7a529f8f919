import 'reflect-metadata';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { InputError } from '../../src/domain/errors';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { parseEventLog } from '../../src/infrastructure/event-store/log-reader';
import { contentLine, insertEvent, lineContent, logEvents, logLines, rehash } from '../support/log';
import { smallScenario } from '../support/scenarios';

const logText = runMigration({ scenario: smallScenario({ memory: '4MiB', workload: { model: 'uniform', 'dirty-rate': 20000 } }), keepLog: true }).logText as string;
const lines = logLines(logText);

/** The InputError a damaged log raises (fails the test if it parses). */
function faultOf(text: string): InputError {
  try {
    parseEventLog(text, 'run.ndjson');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('the damaged log was accepted');
}

function withLine(index: number, edit: (record: Record<string, unknown>) => void): string {
  const copy = [...lines];
  const record = lineContent(copy[index]);
  edit(record);
  copy[index] = contentLine(record);
  return rehash(copy);
}

describe('reading an event log', () => {
  it('gives back the header, every event in order and the hash of the text', () => {
    const log = parseEventLog(logText);
    expect(log.header).toMatchObject({ type: 'virtsim-log', format: 1, kind: 'migration', seed: 1 });
    expect(log.events.map((e) => e.seq)).toEqual(log.events.map((_, i) => i + 1));
    const written = logEvents(logText).map((envelope) => {
      const { h: _h, ...rest } = envelope as unknown as Record<string, unknown>;
      return rest;
    });
    expect(log.events).toEqual(written);
    expect(log.summary).toEqual({ events: lines.length - 2, sha256: createHash('sha256').update(logText).digest('hex') });
  });

  it('reads a log its own hashes re-chained without changes (the forging helper is faithful)', () => {
    expect(rehash(lines)).toBe(logText);
  });

  it('names the line where the text was cut, wherever the cut falls', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: logText.length - 1 }), (cut) => {
      const text = logText.slice(0, cut);
      const error = faultOf(text);
      // Cut mid-line: that line; cut at a line end: the missing line after it.
      expect(error.problems[0].path).toBe(`line ${text.split('\n').length}`);
      expect(error.message).toMatch(/^run\.ndjson: line \d+: /);
    }), { numRuns: 200 });
  });

  it('names an edited line', () => {
    const copy = [...lines];
    copy[3] = copy[3].replace('"at":', '"at":1');
    expect(faultOf(`${copy.join('\n')}\n`).problems[0]).toEqual({ path: 'line 4', reason: expect.stringMatching(/integrity hash mismatch|not valid JSON/) });
    const data = [...lines];
    data[5] = data[5].replace(/"pages":(\d)/, '"pages":9$1');
    expect(data[5]).not.toBe(lines[5]);
    expect(faultOf(`${data.join('\n')}\n`).problems[0]).toEqual({ path: 'line 6', reason: expect.stringMatching(/integrity hash mismatch/) });
  });

  it('names the first of two swapped lines', () => {
    const copy = [...lines];
    [copy[4], copy[5]] = [copy[5], copy[4]];
    expect(faultOf(`${copy.join('\n')}\n`).problems[0].path).toBe('line 5');
  });

  it('names the line after a removed one', () => {
    const copy = lines.filter((_, index) => index !== 6);
    expect(faultOf(`${copy.join('\n')}\n`).problems[0].path).toBe('line 7');
  });

  it('names the missing end-of-log line when the log stops at a line boundary', () => {
    expect(faultOf(`${lines.slice(0, -1).join('\n')}\n`).problems[0]).toEqual({ path: `line ${lines.length}`, reason: expect.stringMatching(/end-of-log/) });
  });

  it('rejects lines after the end-of-log line', () => {
    expect(faultOf(rehash([...lines, lines[lines.length - 1]])).problems[0].path).toBe(`line ${lines.length + 1}`);
  });

  describe('with the hash chain recomputed, so only the meaning is wrong', () => {
    it('names events out of sequence', () => {
      const copy = [...lines];
      [copy[4], copy[5]] = [copy[5], copy[4]];
      expect(faultOf(rehash(copy)).problems[0]).toEqual({ path: 'line 5', reason: expect.stringMatching(/sequence number \d+ out of order/) });
    });

    it('names an event whose time goes back', () => {
      const last = lines.length - 2;
      const error = faultOf(withLine(last, (record) => { record.at = 0; }));
      expect(error.problems[0]).toEqual({ path: `line ${last + 1}`, reason: expect.stringMatching(/goes back/) });
    });

    it('names an unknown event type and an unknown version', () => {
      expect(faultOf(withLine(2, (record) => { record.type = 'Teleported'; })).problems[0]).toEqual({ path: 'line 3', reason: expect.stringMatching(/unknown event type/) });
      expect(faultOf(withLine(2, (record) => { record.v = 99; })).problems[0]).toEqual({ path: 'line 3', reason: expect.stringMatching(/version 99/) });
    });

    it('names an end-of-log line whose count disagrees', () => {
      const last = lines.length - 1;
      expect(faultOf(withLine(last, (record) => { record.events = 3; })).problems[0]).toEqual({ path: `line ${lines.length}`, reason: expect.stringMatching(/counts 3 events/) });
    });

    it('names a VmResumed on the source once the VM has run on the destination, and accepts one before (a stop-and-copy rolled back)', () => {
      const records = lines.map(lineContent);
      const onDestination = records.findIndex((record) => record.type === 'VmResumed');
      expect(records[onDestination].data).toEqual({ host: 'host-b' });
      const rolledBack = structuredClone(records);
      rolledBack[onDestination].data = { host: 'host-a' };
      rolledBack[onDestination + 1] = { ...rolledBack[onDestination + 1], type: 'MigrationFailed', v: 2, data: { reason: 'link down', vmLost: false } };
      expect(() => parseEventLog(rehash(rolledBack.map(contentLine)))).not.toThrow();

      const backOnSource = structuredClone(records);
      insertEvent(backOnSource, onDestination + 1, { ...backOnSource[onDestination], type: 'VmPaused', data: { host: 'host-b', reason: 'forged' } });
      insertEvent(backOnSource, onDestination + 2, { ...backOnSource[onDestination], data: { host: 'host-a' } });
      expect(faultOf(rehash(backOnSource.map(contentLine))).problems[0]).toEqual({
        path: `line ${onDestination + 3}`,
        reason: 'VmResumed data.host: "host-a" is the source, but the VM already ran on the destination (host-b): the source\'s memory is stale',
      });
    });

    it('refuses a log format newer than this reader', () => {
      expect(faultOf(withLine(0, (record) => { record.format = 99; })).problems[0]).toEqual({ path: 'line 1', reason: expect.stringMatching(/newer/) });
    });

    it('refuses a first line that is no log header', () => {
      expect(faultOf(withLine(0, (record) => { record.type = 'something-else'; })).problems[0]).toEqual({ path: 'line 1', reason: expect.stringMatching(/header/) });
    });
  });

  it('refuses an empty file and lines without an integrity hash', () => {
    expect(faultOf('').problems[0].path).toBe('line 1');
    expect(faultOf('{"type":"virtsim-log"}\n').problems[0]).toEqual({ path: 'line 1', reason: expect.stringMatching(/no integrity hash/) });
  });
});
