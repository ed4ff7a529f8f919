import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir } from '../support/cli';
import { docWorkspace, fencedBlock, missingLines, quotedLines, runDocCommand, shellExamples, type DocRun } from '../support/doc-runs';
import { ROOT } from './helpers';

/**
 * What README.md and docs/ say a run prints, in three forms:
 * - a ```sh block followed by a ```text block (as in docs/lecture.md): each text line appears in the output;
 * - `<!-- run: CMD -->` before a code block or a table: the block's lines appear in CMD's output, or, several
 *   `run:` comments before a table giving its data columns in order, each cell's figures appear, in the cell's
 *   order, on one line of its column's output (a table says `73.508 ms` where the output says `migration downtime │ 73.508 ms`);
 * - `<!-- each line runs -->` before a ```sh block of examples: each line exits 0.
 * docs/lecture.md has its own test; docs/performance.md holds measured benchmark figures, which no run repeats.
 */
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md') && !['lecture.md', 'performance.md'].includes(name)).map((name) => `docs/${name}`)];

type Claim =
  | { readonly kind: 'output'; readonly where: string; readonly command: string; readonly quoted: readonly string[] }
  | { readonly kind: 'columns'; readonly where: string; readonly commands: readonly string[]; readonly rows: readonly (readonly string[])[] }
  | { readonly kind: 'runs'; readonly where: string; readonly commands: readonly string[] };

const RUN_COMMENT = /^<!-- run: (.+) -->$/;
const EACH_LINE_RUNS = '<!-- each line runs -->';

function tableCells(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((cell) => cell.trim());
}

/** The claims a hidden comment introduces: the code block or table right under it. */
function markedClaims(markdown: string, doc: string): Claim[] {
  const lines = markdown.split('\n');
  const found: Claim[] = [];
  for (let i = 0; i < lines.length; i++) {
    const commands: string[] = [];
    let next = i;
    for (let run = RUN_COMMENT.exec(lines[next]); run; run = RUN_COMMENT.exec(lines[++next])) commands.push(run[1]);
    const where = `${doc}:${i + 1}`;
    if (lines[i] === EACH_LINE_RUNS) {
      if (lines[i + 1] !== '```sh') throw new Error(`${where}: "${EACH_LINE_RUNS}" is not followed by a \`\`\`sh block`);
      const sh = fencedBlock(lines, i + 1, doc);
      found.push({ kind: 'runs', where, commands: sh.body.filter((line) => line.trim() !== '') });
      i = sh.end;
    } else if (commands.length > 0 && lines[next].startsWith('```')) {
      if (commands.length > 1) throw new Error(`${where}: one output block, ${commands.length} run comments`);
      const block = fencedBlock(lines, next, doc);
      found.push({ kind: 'output', where, command: commands[0], quoted: quotedLines(block.body) });
      i = block.end;
    } else if (commands.length > 0 && lines[next].startsWith('|')) {
      let end = next;
      while (lines[end]?.startsWith('|')) end++;
      // The header and the |---| line are not figures.
      const rows = lines.slice(next + 2, end).map(tableCells);
      if (rows.some((cells) => cells.length !== commands.length + 1)) throw new Error(`${where}: ${commands.length} run comments for a table whose rows are not a label and ${commands.length} columns`);
      found.push({ kind: 'columns', where, commands, rows });
      i = end;
    } else if (commands.length > 0) {
      throw new Error(`${where}: a run comment not followed by a code block or a table`);
    }
  }
  return found;
}

function claims(doc: string): Claim[] {
  const markdown = readFileSync(join(ROOT, doc), 'utf8');
  const pairs = shellExamples(markdown, doc).flatMap(({ line, command, quoted }): Claim[] => quoted ? [{ kind: 'output', where: `${doc}:${line}`, command, quoted }] : []);
  return [...pairs, ...markedClaims(markdown, doc)];
}

/** Numbers standing alone (not part of a name such as `web-1`, a MAC or a hash), as printed. */
function figures(text: string): string[] {
  return text.match(/(?<![\w.:/-])\d+(?:\.\d+)?(?![\w:.-])/g) ?? [];
}

/** Whether one line of the output holds the cell's figures in the cell's order. */
function lineWithFigures(cell: readonly string[], output: string): boolean {
  return output.split('\n').some((line) => {
    let found = 0;
    for (const figure of figures(line)) if (figure === cell[found]) found++;
    return found === cell.length;
  });
}

const all = DOCS.map((doc) => [doc, claims(doc)] as const);

describe('figures README.md and docs/ quote from runs', () => {
  let cwd: string;
  // Several claims quote one command: run it once.
  const runs = new Map<string, DocRun>();
  const run = (command: string): DocRun => {
    let done = runs.get(command);
    if (!done) runs.set(command, (done = runDocCommand(command, cwd)));
    return done;
  };
  beforeAll(() => {
    cwd = docWorkspace('virtsim-docs-');
  });
  afterAll(() => removeDir(cwd));

  it('finds the runs each doc quotes (a claim the parser no longer sees would pass unchecked)', () => {
    const counts = Object.fromEntries(all.map(([doc, found]) => [doc, found.length]));
    expect(counts).toMatchObject({ 'README.md': 3, 'docs/network.md': 4, 'docs/storage.md': 4, 'docs/sweeps.md': 1, 'docs/reports.md': 1 });
  });

  it("quotes what npm start runs: the README's table is compare's", () => {
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toBe('node dist/bin/virtsim.js compare');
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toMatch(/npm start` prints[^`]*\n\n<!-- run: npx virtsim compare -->\n```/);
  });

  const cases = all.flatMap(([, found]) => found.map((claim) => {
    const commands = claim.kind === 'output' ? [claim.command] : claim.commands;
    return [`${claim.where}: ${commands.join(' ; ')}`.slice(0, 160), claim.where, claim] as const;
  }));
  it.each(cases)('%s', (_title, where, claim) => {
    if (claim.kind === 'runs') {
      const failed = claim.commands.map((command) => ({ command, ...run(command) })).filter((done) => done.status !== 0);
      expect({ where, failed: failed.map(({ command, status, output }) => ({ command, status, output: output.slice(0, 1000) })) }).toEqual({ where, failed: [] });
      return;
    }
    const commands = claim.kind === 'output' ? [claim.command] : claim.commands;
    for (const command of commands) expect({ where, command, status: run(command).status }).toEqual({ where, command, status: 0 });
    if (claim.kind === 'output') {
      expect(claim.quoted.length).toBeGreaterThan(0);
      expect({ where, missing: missingLines(claim.quoted, run(claim.command).output) }).toEqual({ where, missing: [] });
      return;
    }
    const missing = claim.commands.flatMap((command, column) => {
      const cells = claim.rows.map((cells) => ({ row: cells[0], cell: cells[column + 1] })).filter(({ cell }) => figures(cell).length > 0);
      expect({ where, command, cellsWithFigures: cells.length > 0 }).toEqual({ where, command, cellsWithFigures: true });
      return cells.filter(({ cell }) => !lineWithFigures(figures(cell), run(command).output)).map(({ row, cell }) => ({ command, row, cell }));
    });
    expect({ where, missing }).toEqual({ where, missing: [] });
  });
});
