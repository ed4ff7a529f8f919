import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/domain/errors';
import { replay, replayText } from '../../src/app/use-cases/replay';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { removeDir, tempDir, virtsim } from '../support/cli';
import { logLines, rehash } from '../support/log';
import { smallScenario } from '../support/scenarios';

interface Damage {
  readonly name: string;
  readonly damage: (lines: string[]) => string;
  readonly line: (lines: readonly string[]) => number;
  readonly reason: RegExp;
}

function firstPagesSent(lines: readonly string[]): number {
  return lines.findIndex((line) => line.includes('"type":"PagesSent"'));
}

/** Each way a log can be damaged, and the line a replay must name. */
const DAMAGES: readonly Damage[] = [
  {
    name: 'a log cut mid-line',
    damage: (lines) => `${lines.slice(0, 6).join('\n')}\n${lines[6].slice(0, 40)}`,
    line: () => 7,
    reason: /cut mid-line/,
  },
  {
    name: 'a line edited',
    damage: (lines) => {
      const copy = [...lines];
      const index = firstPagesSent(lines);
      copy[index] = copy[index].replace(/"bytes":(\d+)/, (_, bytes: string) => `"bytes":${Number(bytes) + 1}`);
      return `${copy.join('\n')}\n`;
    },
    line: (lines) => firstPagesSent(lines) + 1,
    reason: /integrity hash mismatch/,
  },
  {
    name: 'two lines swapped',
    damage: (lines) => {
      const copy = [...lines];
      [copy[3], copy[4]] = [copy[4], copy[3]];
      return `${copy.join('\n')}\n`;
    },
    line: () => 4,
    reason: /integrity hash mismatch/,
  },
  {
    name: 'two lines swapped with the hash chain forged to match',
    damage: (lines) => {
      const copy = [...lines];
      [copy[3], copy[4]] = [copy[4], copy[3]];
      return rehash(copy);
    },
    line: () => 4,
    reason: /out of order/,
  },
  {
    name: 'the end-of-log line removed',
    damage: (lines) => `${lines.slice(0, -1).join('\n')}\n`,
    line: (lines) => lines.length,
    reason: /without its end-of-log line/,
  },
];

describe('replaying a damaged log', () => {
  let dir: string;
  let lines: string[];

  beforeAll(() => {
    dir = tempDir();
    const path = join(dir, 'good.ndjson');
    runMigration({ scenario: smallScenario({ workload: { model: 'uniform', 'dirty-rate': 30000 }, downtimeLimitMs: 5 }), eventsPath: path });
    lines = logLines(readFileSync(path, 'utf8'));
    expect(lines.length).toBeGreaterThan(10);
  });
  afterAll(() => removeDir(dir));

  for (const { name, damage, line, reason } of DAMAGES) {
    describe(`given ${name}`, () => {
      let path: string;
      let expectedLine: number;

      beforeAll(() => {
        path = join(dir, `${name.replace(/\W+/g, '-')}.ndjson`);
        writeFileSync(path, damage(lines));
        expectedLine = line(lines);
      });

      it('replay throws an input error naming the line', () => {
        let thrown: unknown;
        try {
          replay(path);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(InputError);
        expect((thrown as InputError).problems[0].path).toBe(`line ${expectedLine}`);
        expect((thrown as InputError).message).toMatch(reason);
        expect(() => replayText(readFileSync(path, 'utf8'))).toThrow(new RegExp(`line ${expectedLine}:`));
      });

      it('the CLI exits 2, names the file and the line on stderr and prints no result', () => {
        for (const args of [['replay', path, '--json'], ['replay', path]]) {
          const run = virtsim(args);
          expect(run.status).toBe(2);
          expect(run.stdout).toBe('');
          expect(run.stderr).toContain(`${path}: line ${expectedLine}: `);
          expect(run.stderr).toMatch(reason);
        }
      });
    });
  }

  it('the CLI exits 2 for a log that does not exist', () => {
    const run = virtsim(['replay', join(dir, 'missing.ndjson')]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/missing\.ndjson: cannot read log: ENOENT/);
  });

  it('the CLI exits 2 for a directory given as a log (opened, then refused on read)', () => {
    const run = virtsim(['replay', dir]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${dir}: cannot read log: EISDIR`);
  });
});
