import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LOG_FORMAT } from '../../src/infrastructure/event-store/log-format';
import { virtsim } from '../support/cli';

const { version } = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };

describe('virtsim --version', () => {
  it("prints the package's version and the event-log format, and exits 0", () => {
    for (const flag of ['--version', '-V']) {
      const run = virtsim([flag]);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(`${version} (event log format ${LOG_FORMAT})\n`);
      expect(run.stderr).toBe('');
    }
  });
});
