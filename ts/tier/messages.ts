/**
 * Invalidation messages (publish mode), one line of text per write:
 *
 * ```
 * 1|<op>|<stream>|<seq>|<version>|<payload>
 * ```
 * - `1`: format version;
 * - op: `k` key (payload = the key), `t` tag (payload = the tag), `c` clear
 *   (payload empty), `n` no-op (a write that yielded to a newer version: it
 *   keeps the stream's sequence contiguous);
 * - stream: the sender's instance id and connection serial, plus `@<node>`
 *   on a cluster: one ordered stream per connection and server;
 * - seq: 1, 2, 3, ... per stream; a receiver that sees a number skipped has
 *   lost messages and drops its L1;
 * - version: the Redis-issued version of the write.
 * The namespace is the channel (`tiercache:<ns>`). The payload is last and
 * may contain `|`.
 */

/** Message operations. */
export type MessageOp = 'k' | 't' | 'c' | 'n';

/** A parsed message. */
export interface Message {
  op: MessageOp;
  stream: string;
  seq: number;
  version: number;
  payload: string;
}

/** The part of a message the sender fixes before Redis assigns the version. */
export function encodeHead(op: MessageOp, stream: string, seq: number): string {
  return `1|${op}|${stream}|${seq}|`;
}

/** Parses a message; null when it is not one of ours (another format version, another publisher). */
export function parseMessage(text: string): Message | null {
  if (!text.startsWith('1|') || text.length < 4 || text[3] !== '|') return null;
  const op = text[2];
  if (op !== 'k' && op !== 't' && op !== 'c' && op !== 'n') return null;
  const a = text.indexOf('|', 4);
  if (a < 0) return null;
  const b = text.indexOf('|', a + 1);
  if (b < 0) return null;
  const c = text.indexOf('|', b + 1);
  if (c < 0) return null;
  const seq = Number(text.slice(a + 1, b));
  const version = Number(text.slice(b + 1, c));
  if (!Number.isSafeInteger(seq) || seq < 1 || !Number.isSafeInteger(version) || version < 0) return null;
  return { op, stream: text.slice(4, a), seq, version, payload: text.slice(c + 1) };
}
