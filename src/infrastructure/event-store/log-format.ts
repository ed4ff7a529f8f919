import { createHash, hash } from 'node:crypto';

/** Current log format. Older formats are upcast on read (see upcasters.ts). */
export const LOG_FORMAT = 1;

export type LogKind = 'migration' | 'storage';

export interface StrategyStamp {
  readonly name: string;
  readonly version: string;
  /** `built-in`, or the plugin's package name. */
  readonly origin: string;
}

/** First line of every log: enough to know what ran and to run it again. */
export interface LogHeader {
  readonly type: 'virtsim-log';
  readonly format: number;
  readonly kind: LogKind;
  readonly seed: number;
  /** The scenario as run: defaults filled in, units resolved (valid scenario input). */
  readonly scenario: unknown;
  /** Strategy of each kind that ran, e.g. `{ "migration-strategy": {...}, "stop-policy": {...} }`. */
  readonly strategies: Readonly<Record<string, StrategyStamp>>;
  readonly plugins: readonly { readonly name: string; readonly version: string }[];
}

/** Last line: proves the log was not cut at a line boundary. */
export interface LogTrailer {
  readonly type: 'virtsim-log-end';
  readonly events: number;
}

const GENESIS = '0'.repeat(16);

/**
 * Each line carries `h`, a chained hash of the previous line's `h` and this
 * line's content, so a replay can name the first line that was edited,
 * dropped or reordered.
 */
export function chainHash(previous: string, content: string | readonly string[]): string {
  // Short lines: one-shot hash of the concatenation (Node >= 20.12), a third
  // of createHash's cost. Long ones (page lists), or a line given in pieces:
  // streamed, so the line is not first copied into a new string. The same
  // bytes are hashed either way.
  const pieces = typeof content === 'string' ? [content] : content;
  if (pieces.length === 1 && pieces[0].length < STREAMED_LINE_CHARS) return hash('sha256', previous + pieces[0], 'hex').slice(0, 16);
  const digest = createHash('sha256').update(previous);
  for (const piece of pieces) digest.update(piece);
  return digest.digest('hex').slice(0, 16);
}

const STREAMED_LINE_CHARS = 4096;

export function genesisHash(): string {
  return GENESIS;
}

/** Appends `"h"` as the last key of a serialized JSON object. */
export function withHash(content: string, hash: string): string {
  return `${content.slice(0, -1)}${hashSuffix(hash)}`;
}

/** What {@link withHash} puts in place of the object's closing brace. */
export function hashSuffix(hash: string): string {
  return `,"h":"${hash}"}`;
}

const HASH_SUFFIX = /,"h":"([0-9a-f]{16})"\}$/;

/** Splits a line into the content that was hashed and the hash it claims. */
export function splitHash(line: string): { content: string; hash: string } | null {
  const match = HASH_SUFFIX.exec(line);
  if (!match) return null;
  return { content: `${line.slice(0, match.index)}}`, hash: match[1] };
}
