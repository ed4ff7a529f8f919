import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ISOLATION_EVENT_VERSIONS } from '../../src/domain/isolation/events';
import { MIGRATION_EVENT_VERSIONS } from '../../src/domain/migration/events';
import { NETWORK_EVENT_VERSIONS } from '../../src/domain/network/events';
import { STORAGE_EVENT_VERSIONS } from '../../src/domain/storage/events';
import { ROOT } from './helpers';

/** `| Type | v | ...` rows of each `## X events` section of docs/events.md. */
function catalogue(): Record<string, Record<string, number>> {
  const sections: Record<string, Record<string, number>> = {};
  let current: Record<string, number> | null = null;
  for (const line of readFileSync(join(ROOT, 'docs/events.md'), 'utf8').split('\n')) {
    const heading = /^## (\w+) events/.exec(line);
    if (heading) current = sections[heading[1].toLowerCase()] = {};
    else if (line.startsWith('## ')) current = null;
    const row = /^\| ([A-Z][\w /]*?) \| (\d+) \|/.exec(line);
    if (row && current) for (const type of row[1].split(' / ')) current[type.trim()] = Number(row[2]);
  }
  return sections;
}

describe('docs/events.md', () => {
  it.each([
    ['migration', MIGRATION_EVENT_VERSIONS],
    ['network', NETWORK_EVENT_VERSIONS],
    ['isolation', ISOLATION_EVENT_VERSIONS],
    ['storage', STORAGE_EVENT_VERSIONS],
  ] as const)('lists every %s event type with its current version, and nothing else', (context, versions) => {
    expect(catalogue()[context]).toEqual({ ...versions });
  });
});
