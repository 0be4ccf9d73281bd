/**
 * Turning values into bytes and back. Buffers and strings pass through
 * (kept apart by a kind in the envelope, so a string comes back a string and
 * a Buffer a Buffer); anything else is JSON unless a custom serializer is set.
 */
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { describe } from '../common/validate.js';

/** A pluggable serializer: `encode` a value to bytes (or a string, stored as UTF-8), `decode` them back. */
export interface Serializer {
  encode(value: unknown): Uint8Array | string;
  decode(bytes: Buffer): unknown;
}

/** Value kinds stored in the envelope (2 bits). */
export const Kind = { json: 0, buffer: 1, string: 2, custom: 3 } as const;

/** A value in serialized form. */
export interface Encoded {
  kind: number;
  bytes: Buffer;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Serializes `value`. TypeError for undefined (not cacheable: a loader
 * returning undefined means "do not cache"); ERR_TIER_SERIALIZE when JSON or
 * the custom serializer cannot encode it (a cycle, a BigInt, a function).
 */
export function serialize(value: unknown, custom: Serializer | null, name = 'value'): Encoded {
  if (value === undefined) throw new TypeError(`${name} must not be undefined (undefined is never cached)`);
  if (custom !== null) {
    let out: unknown;
    try {
      out = custom.encode(value);
    } catch (err) {
      throw new TierCacheError(ErrorCode.TIER_SERIALIZE, `serializer.encode failed for ${name}: ${(err as Error).message}`, { cause: err });
    }
    if (typeof out === 'string') return { kind: Kind.custom, bytes: Buffer.from(out, 'utf8') };
    if (out instanceof Uint8Array) return { kind: Kind.custom, bytes: toBuffer(out) };
    throw new TierCacheError(ErrorCode.TIER_SERIALIZE, `serializer.encode must return a Uint8Array or a string, got ${describe(out)}`);
  }
  if (typeof value === 'string') return { kind: Kind.string, bytes: Buffer.from(value, 'utf8') };
  if (value instanceof Uint8Array) return { kind: Kind.buffer, bytes: toBuffer(value) };
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new TierCacheError(ErrorCode.TIER_SERIALIZE, `${name} cannot be serialized as JSON: ${(err as Error).message}`, { cause: err });
  }
  if (json === undefined) {
    throw new TierCacheError(ErrorCode.TIER_SERIALIZE, `${name} cannot be serialized as JSON (${describe(value)}); use a custom serializer`);
  }
  return { kind: Kind.json, bytes: Buffer.from(json, 'utf8') };
}

/**
 * Deserializes `bytes[start..end)` of `kind`. Throws on anything it cannot
 * read (the caller turns that into an invalid-envelope miss). Text is
 * decoded straight from the range, without a view; a Buffer value is copied,
 * so it does not pin the larger reply buffer it came in.
 */
export function deserialize(kind: number, bytes: Buffer, custom: Serializer | null, start = 0, end = bytes.length): unknown {
  switch (kind) {
    case Kind.json:
      return JSON.parse(bytes.toString('utf8', start, end));
    case Kind.string:
      return bytes.toString('utf8', start, end);
    case Kind.buffer:
      return Buffer.from(bytes.subarray(start, end));
    default:
      if (custom === null) throw new Error('value was written with a custom serializer and this cache has none');
      return custom.decode(bytes.subarray(start, end));
  }
}
