import { parseBytes, parseMilliseconds, parseRate } from '../../src/domain/units';

describe('units', () => {
  it.each([
    ['10Gbit/s', 1.25e9], ['1Gb/s', 1.25e8], ['1Gbps', 1.25e8], ['100Mbit/s', 1.25e7], ['100kbit/s', 12_500], ['8b/s', 1],
    ['1GB/s', 1e9], ['1GBps', 1e9], ['125MB/s', 1.25e8], ['2kB/s', 2000], ['2KB/s', 2000], ['8B/s', 8],
    ['128MiB/s', 128 * 1024 ** 2], ['1GiB/s', 1024 ** 3], ['1Gibit/s', 1024 ** 3 / 8], [1e9, 1e9],
  ] as const)('a rate of %s is %d bytes/s: the case of the b tells bits from bytes', (text, bytesPerS) => {
    expect(parseRate(text)).toBeCloseTo(bytesPerS, 6);
  });

  it.each(['1iB/s', '1Gbyte/s', '10 furlongs/s', '1G/s'])('refuses the rate unit in %s, listing bits and bytes', (text) => {
    expect(() => parseRate(text)).toThrow(/unknown unit .*known: bit\/s.*\(bits\).*\(bytes\)/);
  });

  it('sizes and times take their units in any case', () => {
    expect(parseBytes('4GiB')).toBe(4 * 1024 ** 3);
    expect(parseBytes('4gib')).toBe(4 * 1024 ** 3);
    expect(parseBytes('512MB')).toBe(512e6);
    expect(parseMilliseconds('1.5S')).toBe(1500);
    expect(parseMilliseconds('100us')).toBeCloseTo(0.1, 12);
  });
});
