import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLI_PATH, tempDir } from './cli';

const ROOT = resolve(__dirname, '../..');

/** A fresh working directory for a doc's commands (they write logs and reports into it) that still sees examples/; remove it with removeDir. */
export function docWorkspace(prefix: string): string {
  const cwd = tempDir(prefix);
  symlinkSync(join(ROOT, 'examples'), join(cwd, 'examples'));
  return cwd;
}

export interface DocRun {
  readonly status: number | null;
  /** stdout and stderr together, as a terminal shows them. */
  readonly output: string;
}

/** Runs a command as a doc shows it, in bash, with `npx virtsim` meaning the built binary. */
export function runDocCommand(command: string, cwd: string): DocRun {
  const script = `exec 2>&1; ${command.replaceAll('npx virtsim ', `node ${JSON.stringify(CLI_PATH)} `)}`;
  const shell = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (shell.error) throw shell.error;
  return { status: shell.status, output: shell.stdout };
}

export interface ShellExample {
  /** 1-based line of the ```sh fence. */
  readonly line: number;
  readonly command: string;
  /** The lines the ```text block after it claims the command printed (blank and `...` lines left out); null when no such block follows. */
  readonly quoted: readonly string[] | null;
}

/** The fenced block opening at `start` (0-based): its body and the index of its closing fence. */
export function fencedBlock(lines: readonly string[], start: number, doc: string): { body: string[]; end: number } {
  const end = lines.indexOf('```', start + 1);
  if (end < 0) throw new Error(`${doc}:${start + 1}: unclosed code block`);
  return { body: lines.slice(start + 1, end), end };
}

/** The quoted lines of an output block: what must appear in the output, each trimmed (a doc may indent or cut a table). */
export function quotedLines(body: readonly string[]): string[] {
  return body.map((line) => line.trim()).filter((line) => line !== '' && line !== '...');
}

/** Every ```sh block of a doc, with the ```text block that follows it, if one does. */
export function shellExamples(markdown: string, doc: string): ShellExample[] {
  const lines = markdown.split('\n');
  const found: ShellExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    const sh = fencedBlock(lines, i, doc);
    let next = sh.end + 1;
    while (lines[next] === '') next++;
    const text = lines[next] === '```text' ? fencedBlock(lines, next, doc) : null;
    found.push({ line: i + 1, command: sh.body.join('\n'), quoted: text && quotedLines(text.body) });
    i = text ? text.end : sh.end;
  }
  return found;
}

/** The quoted lines the output does not contain. */
export function missingLines(quoted: readonly string[], output: string): string[] {
  return quoted.filter((line) => !output.includes(line));
}
