/** Virtual time is integer nanoseconds. */
export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;

const SIZE_UNITS = table({
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
});

/**
 * Rate units: a decimal or binary prefix (any case), then bits or bytes. As
 * in networking, the case of the b tells them apart: `Gb/s`, `Gbps` and
 * `Gbit/s` are bits, `GB/s`, `GBps` and `GiB/s` bytes. Lowercasing the whole
 * unit would read `1Gb/s` as 8 times the link the user meant.
 */
const RATE_UNIT = /^([kmgt]?)(i?)(bit|b)(\/s|ps)$/i;
const RATE_KNOWN = 'bit/s, kbit/s, Mbit/s, Gbit/s, Tbit/s, b/s, Gb/s, Gbps (bits); B/s, kB/s, MB/s, GB/s, TB/s, KiB/s, MiB/s, GiB/s, GBps (bytes)';
const PREFIX_POWER: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4 };

/** Bytes per second in one `unit`, or undefined when it is not a rate unit. */
function rateFactor(unit: string): number | undefined {
  const match = RATE_UNIT.exec(unit);
  if (!match) return undefined;
  const [, prefix, binary, base] = match;
  if (binary !== '' && prefix === '') return undefined;
  const power = PREFIX_POWER[prefix.toLowerCase()];
  const scale = (binary === '' ? 1000 : 1024) ** power;
  const bits = base.toLowerCase() === 'bit' || base === 'b';
  return bits ? scale / 8 : scale;
}

const RATE_UNITS: Units = { factor: rateFactor, known: RATE_KNOWN };

const TIME_UNITS_MS = table({
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1e3, min: 60e3, h: 3600e3,
});

const QUANTITY = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-zµ/]*)\s*$/i;

/** A unit's factor to the plain unit (undefined: not a unit of this kind), and the units to list in an error. */
interface Units {
  readonly factor: (unit: string) => number | undefined;
  readonly known: string;
}

/** Units whose case does not matter. */
function table(factors: Record<string, number>): Units {
  return { factor: (unit) => factors[unit.toLowerCase()], known: Object.keys(factors).join(', ') };
}

function parseQuantity(input: unknown, units: Units, plainUnit: string, what: string): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new Error(`${what} must be a finite number`);
    return input;
  }
  if (typeof input !== 'string') throw new Error(`${what} must be a number or a string with a unit`);
  const match = QUANTITY.exec(input);
  if (!match) throw new Error(`"${input}" is not a ${what} (e.g. ${examples(units, plainUnit)})`);
  const value = Number(match[1]);
  if (match[2] === '') return value;
  const factor = units.factor(match[2]);
  if (factor === undefined) throw new Error(`unknown unit "${match[2]}" in "${input}"; known: ${units.known}`);
  return value * factor;
}

function examples(units: Units, plainUnit: string): string {
  return `${units.known.split(', ').slice(0, 3).join(', ')}; a plain number is ${plainUnit}`;
}

/** Bytes from `4GiB`, `512MB` or a plain number of bytes. */
export function parseBytes(input: unknown): number {
  return Math.round(parseQuantity(input, SIZE_UNITS, 'bytes', 'size'));
}

/** Bytes per second from `10Gbit/s`, `128MiB/s` or a plain number of bytes/s. */
export function parseRate(input: unknown): number {
  return parseQuantity(input, RATE_UNITS, 'bytes per second', 'rate');
}

/** Milliseconds from `300ms`, `1.5s`, `100us` or a plain number of milliseconds. */
export function parseMilliseconds(input: unknown): number {
  return parseQuantity(input, TIME_UNITS_MS, 'milliseconds', 'duration');
}

export function msToNs(ms: number): number {
  return Math.round(ms * NS_PER_MS);
}

export function nsToMs(ns: number): number {
  return Math.round(ns / 1_000) / 1_000;
}
