/**
 * `array` itself if it has room for `extra` more values after its first
 * `used`; otherwise a new array, at least twice as long, holding those `used`
 * values. Buffers that grow this way are kept run after run instead of
 * growing a JS array.
 */
export function withRoom(array: Uint32Array<ArrayBuffer>, used: number, extra: number): Uint32Array<ArrayBuffer> {
  if (used + extra <= array.length) return array;
  const grown = new Uint32Array(Math.max(2 * array.length, used + extra));
  grown.set(array.subarray(0, used));
  return grown;
}
