/**
 * The envelope: what TierCache stores in Redis for one key (and, with
 * `l1: { store: 'offheap' }`, in the off-heap L1). Big-endian, 50-byte fixed
 * header, so Lua scripts read and patch the version at fixed offsets.
 *
 * ```
 * 0   u8   0xE7                 magic (never the first byte of UTF-8 text or JSON)
 * 1   u8   0x54 ('T')           magic
 * 2   u8   format version (1)   a later version is read as a miss, never misread
 * 3   u8   flags                bit0 tombstone, bit1 payload is a Codec envelope,
 *                               bit2 signed, bits 3-4 value kind, bits 5-7 zero
 * 4   f64  version              issued by Redis (the write script patches it)
 * 12  f64  basis                counter value the data is known to be at least as new as
 * 20  f64  createdAt            writer's clock, ms
 * 28  f64  freshUntil           ms (Infinity: no TTL)
 * 36  f64  staleUntil           ms, >= freshUntil (grace)
 * 44  u32  payload length       (a truncated or extended value is never misread)
 * 48  u16  tag count, then per tag: u16 byte length + UTF-8
 * ..       payload
 * end-32   HMAC-SHA256 (signed only) over the Redis key, 0x00, and the envelope
 *          without the MAC and with bytes 4-19 zeroed (Redis writes them)
 * ```
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../common/errors.js';

export const MAGIC0 = 0xe7;
export const MAGIC1 = 0x54;
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 50;
export const MAC_BYTES = 32;
const OFFSET_VERSION = 4;
const OFFSET_BASIS = 12;
const OFFSET_CREATED = 20;
const OFFSET_FRESH = 28;
const OFFSET_STALE = 36;
const OFFSET_LENGTH = 44;
const OFFSET_TAGS = 48;

const FLAG_TOMBSTONE = 0b1;
const FLAG_CODEC = 0b10;
const FLAG_SIGNED = 0b100;
const KIND_SHIFT = 3;
const RESERVED = 0b11100000;
const ZERO16 = Buffer.alloc(16);

/** HMAC signing of envelopes with a shared secret. */
export class Signer {
  readonly #secret: Buffer;

  constructor(secret: Uint8Array) {
    this.#secret = Buffer.from(secret);
  }

  /** The MAC of `envelope` (without its MAC) stored under `redisKey`. */
  mac(redisKey: string, envelope: Uint8Array, end: number): Buffer {
    const h = createHmac('sha256', this.#secret);
    h.update(redisKey, 'utf8');
    h.update(ZERO16.subarray(0, 1));
    h.update(envelope.subarray(0, OFFSET_VERSION));
    h.update(ZERO16);
    h.update(envelope.subarray(OFFSET_CREATED, end));
    return h.digest();
  }
}

/** What an envelope says, besides its payload. */
export interface EnvelopeHeader {
  tombstone: boolean;
  /** The payload is a Codec envelope (compressed or raw). */
  codec: boolean;
  kind: number;
  version: number;
  basis: number;
  createdAt: number;
  freshUntil: number;
  staleUntil: number;
  tags: readonly string[] | null;
}

/** Builds an envelope around `payload` (version and basis as given; the write scripts overwrite them). */
export function buildEnvelope(h: EnvelopeHeader, payload: Uint8Array, signer: Signer | null, redisKey: string): Buffer {
  let tagBytes = 0;
  const encodedTags: Buffer[] = [];
  if (h.tags !== null) {
    for (const tag of h.tags) {
      const b = Buffer.from(tag, 'utf8');
      encodedTags.push(b);
      tagBytes += 2 + b.length;
    }
  }
  const bodyEnd = HEADER_BYTES + tagBytes + payload.length;
  const out = Buffer.allocUnsafe(bodyEnd + (signer === null ? 0 : MAC_BYTES));
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = FORMAT_VERSION;
  out[3] =
    (h.tombstone ? FLAG_TOMBSTONE : 0) | (h.codec ? FLAG_CODEC : 0) | (signer === null ? 0 : FLAG_SIGNED) | ((h.kind & 0b11) << KIND_SHIFT);
  out.writeDoubleBE(h.version, OFFSET_VERSION);
  out.writeDoubleBE(h.basis, OFFSET_BASIS);
  out.writeDoubleBE(h.createdAt, OFFSET_CREATED);
  out.writeDoubleBE(h.freshUntil, OFFSET_FRESH);
  out.writeDoubleBE(h.staleUntil, OFFSET_STALE);
  out.writeUInt32BE(payload.length, OFFSET_LENGTH);
  out.writeUInt16BE(encodedTags.length, OFFSET_TAGS);
  let at = HEADER_BYTES;
  for (const b of encodedTags) {
    out.writeUInt16BE(b.length, at);
    b.copy(out, at + 2);
    at += 2 + b.length;
  }
  out.set(payload, at);
  if (signer !== null) signer.mac(redisKey, out, bodyEnd).copy(out, bodyEnd);
  return out;
}

/** A parsed envelope: its payload is `bytes[start..end)` of the parsed bytes (no copy, no view made). */
export interface ParsedEnvelope extends EnvelopeHeader {
  ok: true;
  start: number;
  end: number;
}

/** Why bytes are not a usable envelope. */
export interface InvalidEnvelope {
  ok: false;
  code: typeof ErrorCode.TIER_INVALID_ENVELOPE | typeof ErrorCode.TIER_BAD_SIGNATURE;
  reason: string;
}

function invalid(reason: string): InvalidEnvelope {
  return { ok: false, code: ErrorCode.TIER_INVALID_ENVELOPE, reason };
}

/**
 * Parses `bytes` read from `redisKey` (only needed, for the MAC, when
 * `signer` is set). Never throws: anything that is not a
 * valid envelope of this format version (foreign, truncated, future version,
 * unsigned or wrongly signed while `signer` is set) is an InvalidEnvelope.
 */
export function parseEnvelope(bytes: Buffer, signer: Signer | null, redisKey: string): ParsedEnvelope | InvalidEnvelope {
  if (bytes.length < HEADER_BYTES) return invalid(`${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  if (bytes[0] !== MAGIC0 || bytes[1] !== MAGIC1) return invalid('not a tiercache envelope (magic bytes differ)');
  if (bytes[2] !== FORMAT_VERSION) return invalid(`format version ${bytes[2]}; this build reads version ${FORMAT_VERSION}`);
  const flags = bytes[3];
  if ((flags & RESERVED) !== 0) return invalid('reserved flag bits are set');
  const signed = (flags & FLAG_SIGNED) !== 0;
  let end = bytes.length;
  if (signed) {
    if (end < HEADER_BYTES + MAC_BYTES) return invalid('signed envelope shorter than its MAC');
    end -= MAC_BYTES;
  }
  if (signer !== null) {
    if (!signed) return { ok: false, code: ErrorCode.TIER_BAD_SIGNATURE, reason: 'unsigned envelope while signing is on' };
    const expected = signer.mac(redisKey, bytes, end);
    if (!timingSafeEqual(expected, bytes.subarray(end))) {
      return { ok: false, code: ErrorCode.TIER_BAD_SIGNATURE, reason: 'the HMAC does not match (wrong secret, forged or moved value)' };
    }
  }
  const version = bytes.readDoubleBE(OFFSET_VERSION);
  const basis = bytes.readDoubleBE(OFFSET_BASIS);
  const createdAt = bytes.readDoubleBE(OFFSET_CREATED);
  const freshUntil = bytes.readDoubleBE(OFFSET_FRESH);
  const staleUntil = bytes.readDoubleBE(OFFSET_STALE);
  if (!(version >= 0) || !(basis >= 0) || Number.isNaN(createdAt) || Number.isNaN(freshUntil) || !(staleUntil >= freshUntil)) {
    return invalid('header times or versions are out of range');
  }
  const tagCount = bytes.readUInt16BE(OFFSET_TAGS);
  let at = HEADER_BYTES;
  let tags: string[] | null = null;
  if (tagCount > 0) {
    tags = new Array<string>(tagCount);
    for (let i = 0; i < tagCount; i++) {
      if (at + 2 > end) return invalid('truncated inside the tag list');
      const length = bytes.readUInt16BE(at);
      if (at + 2 + length > end) return invalid('truncated inside the tag list');
      tags[i] = bytes.toString('utf8', at + 2, at + 2 + length);
      at += 2 + length;
    }
  }
  if (end - at !== bytes.readUInt32BE(OFFSET_LENGTH)) {
    return invalid(`payload is ${end - at} bytes, the header says ${bytes.readUInt32BE(OFFSET_LENGTH)} (truncated or corrupt)`);
  }
  return {
    ok: true,
    tombstone: (flags & FLAG_TOMBSTONE) !== 0,
    codec: (flags & FLAG_CODEC) !== 0,
    kind: (flags >> KIND_SHIFT) & 0b11,
    version,
    basis,
    createdAt,
    freshUntil,
    staleUntil,
    tags,
    start: at,
    end,
  };
}

/**
 * The version the write scripts see for a value (the rule of `currentVersion`
 * in scripts.ts): 0 when absent, -1 when the bytes are not an envelope of
 * this format, else the version field (tombstones included).
 */
export function observedVersion(bytes: Buffer | null): number {
  if (bytes === null) return 0;
  if (bytes.length < OFFSET_BASIS || bytes[0] !== MAGIC0 || bytes[1] !== MAGIC1 || bytes[2] !== FORMAT_VERSION) return -1;
  return bytes.readDoubleBE(OFFSET_VERSION);
}
