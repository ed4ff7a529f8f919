import type { EventEnvelope } from '../../src/domain/event';
import { encodePageList, withDecoded } from '../../src/domain/memory/page-set-codec';
import type { LogHeader } from '../../src/infrastructure/event-store/log-format';
import { MemoryLogSink } from '../../src/infrastructure/event-store/log-sink';
import { EventLogWriter } from '../../src/infrastructure/event-store/log-writer';
import { rehash } from '../support/log';

const header: LogHeader = { type: 'virtsim-log', format: 1, kind: 'migration', seed: 1, scenario: { name: 'writer' }, strategies: {}, plugins: [] };

function written(envelopes: readonly EventEnvelope[]): string {
  const sink = new MemoryLogSink();
  const writer = new EventLogWriter(sink, header);
  writer.append(envelopes);
  writer.commit();
  return sink.contents();
}

/** The log as JSON.stringify writes each line, hash-chained. */
function reference(envelopes: readonly EventEnvelope[]): string {
  const lines = envelopes.map(({ seq, at, type, v, data }) => JSON.stringify({ seq, at, type, v, data }));
  return rehash([JSON.stringify(header), ...lines, JSON.stringify({ type: 'virtsim-log-end', events: envelopes.length })]);
}

const pages = Uint32Array.from({ length: 5000 }, (_, i) => (i * 7919) % 1_000_003);
const longList = encodePageList(pages);
const envelope = (seq: number, data: object): EventEnvelope => ({ seq, at: seq * 1000, type: 'PagesDirtied', v: 1, data });

describe('event log writer', () => {
  it('splices a long codec field into the line: the same bytes and hashes as serializing it', () => {
    expect(longList.length).toBeGreaterThan(4096);
    const envelopes = [
      // The field in the middle, and another string holding the text the splice looks for.
      envelope(1, withDecoded({ first: 0, pages: longList, count: pages.length, note: 'a "pages":"" b' }, 'pages', pages)),
      // An object among the values: serialized whole.
      envelope(2, withDecoded({ pages: longList, nested: { pages: '' } }, 'pages', pages)),
      // Short: serialized whole.
      envelope(3, withDecoded({ pages: encodePageList([1, 2, 3]) }, 'pages', Uint32Array.of(1, 2, 3))),
      // Not the codec's: serialized whole, quotes and line breaks escaped.
      envelope(4, { pages: `"${'x\n'.repeat(3000)}"` }),
    ];
    const text = written(envelopes);
    expect(text).toBe(reference(envelopes));
    expect(text.split('\n')[1]).toContain(`"pages":"${longList}","count":5000,"note":"a \\"pages\\":\\"\\" b"}`);
  });
});
