/**
 * Compact encodings for page and block sets inside events (DESIGN rule 4): a
 * batch of 100k pages must cost a few hundred kilobytes, not one event each.
 *
 * - Range sets: sorted, disjoint `[start, length]` pairs; each start is stored
 *   as the gap after the previous range's end, as unsigned LEB128 varints.
 * - Page lists: pages in the order they happened (repeats allowed), each
 *   stored as the zig-zag delta from the previous one, as varints.
 * Both are base64 strings so an event stays one JSON line.
 */

function writeVarint(out: Uint8Array, offset: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    out[offset++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[offset++] = v;
  return offset;
}

class VarintReader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  next(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (this.offset >= this.bytes.length) throw new Error('truncated varint');
      const byte = this.bytes[this.offset++];
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
      if (scale > 2 ** 49) throw new Error('varint too long');
    }
  }
}

function decodeBase64(encoded: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw new Error('not base64');
  return Buffer.from(encoded, 'base64');
}

/** Ranges given as a flat list `[start0, length0, start1, length1, ...]`. */
export function encodeRanges(flat: ArrayLike<number>, pairs = flat.length / 2): string {
  const out = new Uint8Array(pairs * 10);
  let offset = 0;
  let previousEnd = 0;
  for (let i = 0; i < pairs; i++) {
    const start = flat[2 * i];
    const length = flat[2 * i + 1];
    if (start < previousEnd || length <= 0) throw new Error('ranges must be sorted, disjoint and non-empty');
    offset = writeVarint(out, offset, start - previousEnd);
    offset = writeVarint(out, offset, length);
    previousEnd = start + length;
  }
  return Buffer.from(out.buffer, out.byteOffset, offset).toString('base64');
}

/** Inverse of {@link encodeRanges}: a flat `[start, length, ...]` array. */
export function decodeRanges(encoded: string): Uint32Array {
  const reader = new VarintReader(decodeBase64(encoded));
  const flat: number[] = [];
  let previousEnd = 0;
  while (!reader.done) {
    const start = previousEnd + reader.next();
    const length = reader.next();
    if (length <= 0) throw new Error('empty range');
    flat.push(start, length);
    previousEnd = start + length;
  }
  return Uint32Array.from(flat);
}

export function countRangePages(flat: ArrayLike<number>): number {
  let total = 0;
  for (let i = 1; i < flat.length; i += 2) total += flat[i];
  return total;
}

export function encodePageList(pages: ArrayLike<number>, count = pages.length): string {
  const out = new Uint8Array(count * 5);
  let offset = 0;
  let previous = 0;
  for (let i = 0; i < count; i++) {
    const delta = pages[i] - previous;
    offset = writeVarint(out, offset, delta >= 0 ? delta * 2 : -delta * 2 - 1);
    previous = pages[i];
  }
  return Buffer.from(out.buffer, out.byteOffset, offset).toString('base64');
}

export function decodePageList(encoded: string): Uint32Array {
  const bytes = decodeBase64(encoded);
  const reader = new VarintReader(bytes);
  const pages = new Uint32Array(bytes.length);
  let count = 0;
  let previous = 0;
  while (!reader.done) {
    const zigzag = reader.next();
    previous += zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
    if (previous < 0 || previous > 0xffffffff) throw new Error('page number out of range');
    pages[count++] = previous;
  }
  return pages.subarray(0, count);
}
