/**
 * Orders strings by UTF-16 code units, as `Array.prototype.sort` does by
 * default: the same on every machine. `localeCompare` follows the process's
 * locale (LANG), so output sorted with it changed from one user to the next.
 */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
