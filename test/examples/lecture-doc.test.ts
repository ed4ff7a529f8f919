import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir } from '../support/cli';
import { docWorkspace, missingLines, runDocCommand, shellExamples } from '../support/doc-runs';
import { ROOT } from './helpers';

const DOC = 'docs/lecture.md';

const markdown = readFileSync(join(ROOT, DOC), 'utf8');
const runs = shellExamples(markdown, DOC).map(({ line, command, quoted }) => {
  if (!quoted) throw new Error(`${DOC}:${line}: a command without the output it printed (a \`\`\`text block) after it`);
  return { command, quoted };
});

describe(DOC, () => {
  // Commands write their event logs into the working directory: give them one of their own that still sees examples/.
  let cwd: string;
  beforeAll(() => {
    cwd = docWorkspace('virtsim-lecture-');
  });
  afterAll(() => removeDir(cwd));

  it('quotes runs for every page of the lecture (38-52) and is linked from the README', () => {
    const pages = new Set([...markdown.matchAll(/^## Pages? (\d+)(?:-(\d+))?:/gm)].flatMap(([, from, to]) => {
      const last = Number(to ?? from);
      return Array.from({ length: last - Number(from) + 1 }, (_, k) => Number(from) + k);
    }));
    expect([...pages].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, k) => 38 + k));
    expect(runs.length).toBeGreaterThanOrEqual(30);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('[docs/lecture.md](docs/lecture.md)');
  });

  it.each(runs.map((run) => [run.command, run]))('%s prints what the doc quotes', (_command, run) => {
    expect(run.command.startsWith('npx virtsim ')).toBe(true);
    expect(run.quoted.length).toBeGreaterThan(0);
    const shell = runDocCommand(run.command, cwd);
    // A refusal is shown by its own `echo "exit $?"`; anything else must have succeeded.
    if (!run.command.includes('echo "exit $?"')) expect({ command: run.command, status: shell.status, output: shell.output.slice(0, 2000) }).toMatchObject({ status: 0 });
    expect({ command: run.command, missing: missingLines(run.quoted, shell.output) }).toEqual({ command: run.command, missing: [] });
  });
});
