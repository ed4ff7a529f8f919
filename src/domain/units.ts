/** Virtual time is integer nanoseconds. */
export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;

const SIZE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

const RATE_UNITS: Record<string, number> = {
  'bit/s': 1 / 8, 'kbit/s': 1e3 / 8, 'mbit/s': 1e6 / 8, 'gbit/s': 1e9 / 8, 'tbit/s': 1e12 / 8,
  'bps': 1 / 8, 'kbps': 1e3 / 8, 'mbps': 1e6 / 8, 'gbps': 1e9 / 8,
  'b/s': 1, 'kb/s': 1e3, 'mb/s': 1e6, 'gb/s': 1e9,
  'kib/s': 1024, 'mib/s': 1024 ** 2, 'gib/s': 1024 ** 3,
};

const TIME_UNITS_MS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1e3, min: 60e3, h: 3600e3,
};

const QUANTITY = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-zµ/]*)\s*$/i;

function parseQuantity(input: unknown, units: Record<string, number>, plainUnit: string, what: string): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new Error(`${what} must be a finite number`);
    return input;
  }
  if (typeof input !== 'string') throw new Error(`${what} must be a number or a string with a unit`);
  const match = QUANTITY.exec(input);
  if (!match) throw new Error(`"${input}" is not a ${what} (e.g. ${examples(units, plainUnit)})`);
  const value = Number(match[1]);
  const unit = match[2].toLowerCase();
  if (unit === '') return value;
  const factor = units[unit];
  if (factor === undefined) {
    throw new Error(`unknown unit "${match[2]}" in "${input}"; known: ${Object.keys(units).join(', ')}`);
  }
  return value * factor;
}

function examples(units: Record<string, number>, plainUnit: string): string {
  return `${Object.keys(units).slice(0, 3).join(', ')}; a plain number is ${plainUnit}`;
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
