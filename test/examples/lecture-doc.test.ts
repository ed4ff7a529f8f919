import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_PATH, removeDir, tempDir } from '../support/cli';
import { ROOT } from './helpers';

const DOC = 'docs/lecture.md';

interface Example {
  readonly command: string;
  readonly quoted: readonly string[];
}

/** Every ```sh block of the doc with the ```text block that must follow it: the lines it claims the command printed. */
function examples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const found: Example[] = [];
  const block = (start: number): { body: string[]; end: number } => {
    const end = lines.indexOf('```', start + 1);
    if (end < 0) throw new Error(`${DOC}:${start + 1}: unclosed code block`);
    return { body: lines.slice(start + 1, end), end };
  };
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    const sh = block(i);
    let next = sh.end + 1;
    while (lines[next] === '') next++;
    if (lines[next] !== '```text') throw new Error(`${DOC}:${i + 1}: a command without the output it printed (a \`\`\`text block) after it`);
    const text = block(next);
    found.push({ command: sh.body.join('\n'), quoted: text.body.filter((line) => line.trim() !== '' && line.trim() !== '...') });
    i = text.end;
  }
  return found;
}

const markdown = readFileSync(join(ROOT, DOC), 'utf8');
const runs = examples(markdown);

describe(DOC, () => {
  // Commands write their event logs into the working directory: give them one of their own that still sees examples/.
  let cwd: string;
  beforeAll(() => {
    cwd = tempDir('virtsim-lecture-');
    symlinkSync(join(ROOT, 'examples'), join(cwd, 'examples'));
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
    const script = `exec 2>&1; ${run.command.replaceAll('npx virtsim ', `node ${JSON.stringify(CLI_PATH)} `)}`;
    const shell = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8', timeout: 60_000 });
    if (shell.error) throw shell.error;
    // A refusal is shown by its own `echo "exit $?"`; anything else must have succeeded.
    if (!run.command.includes('echo "exit $?"')) expect({ command: run.command, status: shell.status, output: shell.stdout.slice(0, 2000) }).toMatchObject({ status: 0 });
    const missing = run.quoted.filter((line) => !shell.stdout.includes(line.trim()));
    expect({ command: run.command, missing }).toEqual({ command: run.command, missing: [] });
  });
});
