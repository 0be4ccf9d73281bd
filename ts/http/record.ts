/**
 * What httpCache stores, serialized to one Buffer so that any store (a
 * LocalCache of bytes, a TierCache whose serializer passes Buffers through,
 * Redis) holds it unchanged:
 *
 * ```
 * bytes 0-1  0x54 0x48 ("TH")    byte 2  format version (1)    byte 3  kind
 * bytes 4-7  meta length, u32 LE
 * meta       JSON (UTF-8)
 * body       the rest
 * ```
 *
 * Kinds: a response (meta: status, headers, validators, lifetime; body: the
 * stored representation, a Codec envelope holding one zstd frame or the
 * identity bytes), a vary marker (meta: the header names responses for this
 * URL vary on), and a derived representation (meta: the ETag of the response
 * it was made from and its coding; body: the encoded bytes). Anything that
 * does not parse is treated as absent, never thrown.
 */
import type { Coding } from './accept-encoding.js';
import type { Lifetime } from './freshness.js';

const MAGIC0 = 0x54;
const MAGIC1 = 0x48;
const VERSION = 1;
const HEADER = 8;

export const Kind = { RESPONSE: 1, VARY: 2, DERIVED: 3 } as const;

/** A stored response. */
export interface ResponseRecord {
  kind: typeof Kind.RESPONSE;
  status: number;
  /** Headers to replay, lowercase names, in order (repeated names allowed). */
  headers: Array<[string, string]>;
  /** ETag of the identity representation (quoted, maybe W/). */
  etag: string;
  /** When it was stored (options.now()), minus the Age it already had. */
  storedAt: number;
  lifetime: Lifetime;
  /** How `body` is stored: 'zstd' (a Codec envelope) or 'identity'. */
  coding: 'zstd' | 'identity';
  /** Identity length in bytes. */
  length: number;
  /** Request headers this response varies on (lowercase, sorted), Accept-Encoding excluded. */
  vary: string[];
  /** May be served to requests carrying Authorization (public, s-maxage or must-revalidate, RFC 9111 §3.5). */
  shareable: boolean;
  body: Buffer;
  /** The identity bytes, in memory only (never serialized): set on a response just fetched. */
  identity?: Buffer;
}

/** Marks a URL whose responses vary on request headers. */
export interface VaryRecord {
  kind: typeof Kind.VARY;
  vary: string[];
}

/** A representation produced once from a stored response (br, gzip, identity). */
export interface DerivedRecord {
  kind: typeof Kind.DERIVED;
  etag: string;
  coding: Coding;
  body: Buffer;
}

export type StoredRecord = ResponseRecord | VaryRecord | DerivedRecord;

function pack(kind: number, meta: unknown, body: Uint8Array | null): Buffer {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const out = Buffer.allocUnsafe(HEADER + json.length + (body === null ? 0 : body.length));
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = VERSION;
  out[3] = kind;
  out.writeUInt32LE(json.length, 4);
  json.copy(out, HEADER);
  if (body !== null) out.set(body, HEADER + json.length);
  return out;
}

/** Serializes a record. */
export function encodeRecord(record: StoredRecord): Buffer {
  switch (record.kind) {
    case Kind.RESPONSE: {
      const { status, headers, etag, storedAt, lifetime, coding, length, vary, shareable } = record;
      return pack(Kind.RESPONSE, [status, headers, etag, storedAt, lifetime.freshMs, lifetime.swrMs, lifetime.sieMs, coding, length, vary, shareable], record.body);
    }
    case Kind.VARY:
      return pack(Kind.VARY, record.vary, null);
    case Kind.DERIVED:
      return pack(Kind.DERIVED, [record.etag, record.coding], record.body);
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Parses a record; undefined for anything malformed (foreign bytes, truncation, another version). */
export function decodeRecord(bytes: Uint8Array | undefined): StoredRecord | undefined {
  if (bytes === undefined || bytes.length < HEADER || bytes[0] !== MAGIC0 || bytes[1] !== MAGIC1 || bytes[2] !== VERSION) return undefined;
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const metaLength = buf.readUInt32LE(4);
  if (HEADER + metaLength > buf.length) return undefined;
  let meta: unknown;
  try {
    meta = JSON.parse(buf.toString('utf8', HEADER, HEADER + metaLength));
  } catch {
    return undefined;
  }
  const body = buf.subarray(HEADER + metaLength);
  switch (buf[3]) {
    case Kind.RESPONSE: {
      if (!Array.isArray(meta) || meta.length !== 11) return undefined;
      const [status, headers, etag, storedAt, freshMs, swrMs, sieMs, coding, length, vary, shareable] = meta as unknown[];
      if (!Number.isInteger(status) || (status as number) < 100 || (status as number) > 999) return undefined;
      if (!Array.isArray(headers) || !headers.every((h) => Array.isArray(h) && h.length === 2 && isString(h[0]) && isString(h[1]))) return undefined;
      if (!isString(etag) || typeof storedAt !== 'number' || !isCount(freshMs) || !isCount(swrMs) || !isCount(sieMs)) return undefined;
      if ((coding !== 'zstd' && coding !== 'identity') || !isCount(length) || typeof shareable !== 'boolean') return undefined;
      if (!Array.isArray(vary) || !vary.every(isString)) return undefined;
      if (coding === 'identity' && body.length !== length) return undefined;
      return {
        kind: Kind.RESPONSE,
        status: status as number,
        headers: headers as Array<[string, string]>,
        etag,
        storedAt,
        lifetime: { freshMs, swrMs, sieMs },
        coding,
        length,
        vary: vary as string[],
        shareable,
        body,
      };
    }
    case Kind.VARY:
      if (!Array.isArray(meta) || !meta.every(isString)) return undefined;
      return { kind: Kind.VARY, vary: meta as string[] };
    case Kind.DERIVED: {
      if (!Array.isArray(meta) || meta.length !== 2 || !isString(meta[0])) return undefined;
      const coding = meta[1] as unknown;
      if (coding !== 'br' && coding !== 'gzip' && coding !== 'identity' && coding !== 'zstd') return undefined;
      return { kind: Kind.DERIVED, etag: meta[0], coding, body };
    }
    default:
      return undefined;
  }
}
