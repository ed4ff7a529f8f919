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
    // Integer shift while the value fits 32 bits (page numbers, deltas); division beyond.
    v = v <= 0xffffffff ? v >>> 7 : Math.floor(v / 128);
  }
  out[offset++] = v;
  return offset;
}

class VarintReader {
  constructor(private readonly bytes: Uint8Array, private offset = 0) {}

  get position(): number {
    return this.offset;
  }

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

/** 1 for the characters of the base64 alphabet (padding aside). */
const BASE64_ALPHABET = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_ALPHABET[char.charCodeAt(0)] = 1;

/** Alphabet characters followed by at most two `=`: what `/^[A-Za-z0-9+/]*={0,2}$/` accepts, in a third of its time. */
function isBase64(encoded: string): boolean {
  let end = encoded.length;
  if (end > 0 && encoded.charCodeAt(end - 1) === 0x3d) {
    end--;
    if (end > 0 && encoded.charCodeAt(end - 1) === 0x3d) end--;
  }
  for (let i = 0; i < end; i++) {
    const code = encoded.charCodeAt(i);
    if (code >= 128 || BASE64_ALPHABET[code] === 0) return false;
  }
  return true;
}

function decodeBase64(encoded: string): Uint8Array {
  if (!isBase64(encoded)) throw new Error('not base64');
  return Buffer.from(encoded, 'base64');
}

/**
 * The varint bytes of the encoding in progress, reused call after call (each
 * call overwrites what it reads): a fresh buffer per event was a calloc of up
 * to 320 KiB, mapped and unmapped, and its page faults serialize threads.
 */
let encodeBuffer = Buffer.alloc(1 << 16);

function encodeScratch(bytes: number): Buffer {
  if (encodeBuffer.length < bytes) encodeBuffer = Buffer.alloc(Math.max(bytes, 2 * encodeBuffer.length));
  return encodeBuffer;
}

/** Base64 of the scratch's first `length` bytes, straight from the scratch (no Buffer made per call). */
function scratchBase64(length: number): string {
  return encodeBuffer.toString('base64', 0, length);
}

/** Ranges given as a flat list `[start0, length0, start1, length1, ...]`. */
export function encodeRanges(flat: ArrayLike<number>, pairs = flat.length / 2): string {
  const out = encodeScratch(pairs * 10);
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
  return scratchBase64(offset);
}

/** Inverse of {@link encodeRanges}: a flat `[start, length, ...]` array. */
export function decodeRanges(encoded: string): Uint32Array {
  const bytes = decodeBase64(encoded);
  // Each varint ends at a byte below 0x80: size the result before reading (no growing array).
  let varints = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] < 0x80) varints++;
  const flat = new Uint32Array(varints - (varints % 2));
  const reader = new VarintReader(bytes);
  let previousEnd = 0;
  for (let n = 0; !reader.done; n += 2) {
    const start = previousEnd + reader.next();
    const length = reader.next();
    if (length <= 0) throw new Error('empty range');
    flat[n] = start;
    flat[n + 1] = length;
    previousEnd = start + length;
  }
  return flat;
}

export function countRangePages(flat: ArrayLike<number>): number {
  let total = 0;
  for (let i = 1; i < flat.length; i += 2) total += flat[i];
  return total;
}

export function encodePageList(pages: ArrayLike<number>, count = pages.length): string {
  const out = encodeScratch(count * 5);
  let offset = 0;
  let previous = 0;
  for (let i = 0; i < count; i++) {
    const delta = pages[i] - previous;
    offset = writeVarint(out, offset, delta >= 0 ? delta * 2 : -delta * 2 - 1);
    previous = pages[i];
  }
  return scratchBase64(offset);
}

export function decodePageList(encoded: string): Uint32Array {
  const bytes = decodeBase64(encoded);
  const length = bytes.length;
  const pages = new Uint32Array(length);
  let count = 0;
  let previous = 0;
  let offset = 0;
  while (offset < length) {
    // One- and two-byte varints (most page deltas) inline; longer ones go through the reader.
    let zigzag = bytes[offset];
    if (zigzag < 0x80) {
      offset++;
    } else if (offset + 1 < length && bytes[offset + 1] < 0x80) {
      zigzag = (zigzag & 0x7f) + bytes[offset + 1] * 128;
      offset += 2;
    } else {
      const reader = new VarintReader(bytes, offset);
      zigzag = reader.next();
      offset = reader.position;
    }
    // Zigzag: even 2h is +h, odd 2h + 1 is -(h + 1). Arithmetic, not a branch: lists
    // whose first deltas were all positive left V8 no feedback for the negative case.
    const half = Math.floor(zigzag / 2);
    previous += half - (zigzag % 2) * (2 * half + 1);
    if (previous < 0 || previous > 0xffffffff) throw new Error('page number out of range');
    pages[count++] = previous;
  }
  return pages.subarray(0, count);
}

/**
 * The field of event data built in this process that holds this codec's
 * output, and that field's decoded page set, keyed by the data object. A live
 * run's projections take the set instead of decoding the string that was just
 * encoded from it (a replay finds no entry and decodes), and the log writer
 * copies the field into the line as it is: base64 needs no JSON escaping. An
 * entry holds exactly what decoding the field yields (a fresh copy, never
 * written afterwards).
 */
const encodedFields = new WeakMap<object, { readonly field: string; readonly decoded: Uint32Array }>();

/** Records that `data[field]` is this codec's encoding of `decoded`; returns `data`. */
export function withDecoded<T extends object>(data: T, field: keyof T & string, decoded: Uint32Array): T {
  encodedFields.set(data, { field, decoded });
  return data;
}

/** The decoded page set recorded for `data` by {@link withDecoded}, if this process built it. */
export function decodedOf(data: object): Uint32Array | undefined {
  return encodedFields.get(data)?.decoded;
}

/** The field of `data` that {@link withDecoded} recorded as this codec's output, if this process built it. */
export function encodedFieldOf(data: object): string | undefined {
  return encodedFields.get(data)?.field;
}
