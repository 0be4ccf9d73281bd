/**
 * Between values and envelopes: serializing, compressing, signing and
 * timing a write; verifying, decompressing and decoding a read. Every way a
 * read can fail (foreign bytes, truncation, future format, bad signature,
 * undecodable payload) ends here as an InvalidRead, never as a throw.
 */
import { Codec } from '../codec/codec.js';
import type { CodecOptions } from '../codec/options.js';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import type { TierClock } from './clock.js';
import type { Entry } from './entry.js';
import { buildEnvelope, parseEnvelope, Signer, type EnvelopeHeader, type ParsedEnvelope } from './envelope.js';
import type { KeyLayout } from './keys.js';
import type { CallOptions } from './options.js';
import { deserialize, serialize, type Encoded, type Serializer } from './serializer.js';

/** A write ready to send: the envelope and the entry it becomes (version and basis filled in by Redis). */
export interface PreparedWrite {
  envelope: Buffer;
  entry: Entry;
  encoded: Encoded;
  /** Redis PX: TTL + grace (0 = no expiry). */
  px: number;
}

/** A decoded read; `encoded` (the serialized value) is kept only for an L1 that stores bytes. */
export type DecodedRead =
  | { ok: true; tombstone: false; entry: Entry; encoded: Encoded | null }
  | { ok: true; tombstone: true }
  | { ok: false; error: TierCacheError };

const TOMBSTONE: DecodedRead = { ok: true, tombstone: true };

const EMPTY = Buffer.alloc(0);
/** Compressed payloads below this are decoded on the calling thread. */
const INLINE_DECODE_BYTES = 16 * 1024;

export class EntryCodec {
  readonly #signer: Signer | null;
  #codec: Codec | null | undefined;
  readonly #ownsCodec: boolean;
  readonly #compress: boolean;
  readonly #codecOptions: CodecOptions;

  constructor(
    private readonly layout: KeyLayout,
    private readonly serializer: Serializer | null,
    secret: Buffer | null,
    codec: boolean | Codec | CodecOptions,
    private readonly clock: TierClock,
    private readonly jitter: number,
    private readonly random: () => number,
    metrics: { metrics: unknown; name: string | undefined },
    /** Keep the serialized value of decoded reads (the offheap L1 stores it). */
    private readonly keepEncoded = false,
  ) {
    this.#signer = secret === null ? null : new Signer(secret);
    this.#compress = codec !== false;
    if (codec instanceof Codec) {
      this.#codec = codec;
      this.#ownsCodec = false;
    } else {
      this.#codec = undefined; // created on first use: a platform without zstd still caches, uncompressed
      this.#ownsCodec = true;
    }
    this.#codecOptions = {
      ...(typeof codec === 'object' && !(codec instanceof Codec) ? codec : {}),
      ...(metrics.metrics === undefined ? {} : { metrics: metrics.metrics as CodecOptions['metrics'] }),
      ...(metrics.name === undefined ? {} : { name: metrics.name }),
    };
  }

  /** The Codec, created on first use; null where zstd cannot load. */
  #getCodec(): Codec | null {
    if (this.#codec === undefined) {
      try {
        this.#codec = new Codec(this.#codecOptions);
      } catch (err) {
        if ((err as TierCacheError).code !== ErrorCode.CODEC_UNAVAILABLE) throw err;
        this.#codec = null;
      }
    }
    return this.#codec;
  }

  /** The TTL of one write after jitter. */
  ttlOf(ttlMs: number): number {
    if (ttlMs === 0 || this.jitter === 0) return ttlMs;
    return Math.max(1, ttlMs - Math.floor(ttlMs * this.jitter * this.random()));
  }

  /**
   * Serializes and stamps a value for `key` (throws TypeError /
   * ERR_TIER_SERIALIZE): synchronously, unless the value is compressed
   * (which may happen on a Codec worker).
   */
  prepare(key: string, value: unknown, o: CallOptions, name = 'value'): PreparedWrite | Promise<PreparedWrite> {
    const encoded = serialize(value, this.serializer, name);
    const now = this.clock.now();
    const ttl = this.ttlOf(o.ttlMs);
    const freshUntil = ttl === 0 ? Number.POSITIVE_INFINITY : now + ttl;
    const staleUntil = ttl === 0 ? Number.POSITIVE_INFINITY : freshUntil + o.staleMs;
    const entry: Entry = { value, version: 0, basis: 0, createdAt: now, freshUntil, staleUntil, tags: o.tags, size: encoded.bytes.length };
    const px = ttl === 0 ? 0 : Math.min(Number.MAX_SAFE_INTEGER, ttl + o.staleMs);
    const header = { tombstone: false, codec: false, kind: encoded.kind, version: 0, basis: 0, createdAt: now, freshUntil, staleUntil, tags: o.tags };
    // Below the Codec's threshold a value would only be wrapped (raw, 2+ bytes of header, a copy): store it as it is.
    const codec = this.#compress ? this.#getCodec() : null;
    if (codec === null || encoded.bytes.length < codec.minBytes) {
      return { envelope: this.#envelope(key, header, encoded.bytes), entry, encoded, px };
    }
    header.codec = true;
    return codec.encodeAsync(encoded.bytes).then((payload) => ({ envelope: this.#envelope(key, header, payload), entry, encoded, px }));
  }

  #envelope(key: string, header: EnvelopeHeader, payload: Uint8Array): Buffer {
    return buildEnvelope(header, payload, this.#signer, this.#signer === null ? '' : this.layout.data(key));
  }

  /** A tombstone envelope for delete(). */
  tombstone(key: string): Buffer {
    const now = this.clock.now();
    return this.#envelope(key, { tombstone: true, codec: false, kind: 0, version: 0, basis: 0, createdAt: now, freshUntil: 0, staleUntil: 0, tags: null }, EMPTY);
  }

  /**
   * Decodes bytes read from `key`'s Redis key: synchronously, unless a large
   * compressed payload goes to a Codec worker.
   */
  decode(key: string, bytes: Buffer): DecodedRead | Promise<DecodedRead> {
    const env = parseEnvelope(bytes, this.#signer, this.#signer === null ? '' : this.layout.data(key));
    if (!env.ok) return { ok: false, error: invalidRead(env.code, key, env.reason) };
    if (env.tombstone) return TOMBSTONE;
    if (!env.codec) return this.#value(key, env, bytes, env.start, env.end);
    const codec = this.#getCodec();
    if (codec === null) return undecodable(key, new Error('the value is compressed and zstd is unavailable here'));
    const payload = bytes.subarray(env.start, env.end);
    if (payload.length >= INLINE_DECODE_BYTES) {
      // Large payloads may be decoded on a worker.
      return codec.decodeAsync(payload).then(
        (out) => this.#value(key, env, out, 0, out.length),
        (err: unknown) => undecodable(key, err),
      );
    }
    let out: Buffer;
    try {
      out = codec.decode(payload);
    } catch (err) {
      return undecodable(key, err);
    }
    return this.#value(key, env, out, 0, out.length);
  }

  /** The entry of a parsed envelope whose serialized value is `bytes[start..end)`. */
  #value(key: string, env: ParsedEnvelope, bytes: Buffer, start: number, end: number): DecodedRead {
    let value: unknown;
    try {
      value = deserialize(env.kind, bytes, this.serializer, start, end);
    } catch (err) {
      return undecodable(key, err);
    }
    const entry: Entry = {
      value,
      version: env.version,
      basis: env.basis,
      createdAt: env.createdAt,
      freshUntil: env.freshUntil,
      staleUntil: env.staleUntil,
      tags: env.tags,
      size: end - start,
    };
    return { ok: true, tombstone: false, entry, encoded: this.keepEncoded ? { kind: env.kind, bytes: bytes.subarray(start, end) } : null };
  }

  /** Closes the Codec if this cache created it. */
  async close(): Promise<void> {
    if (this.#ownsCodec && this.#codec) await this.#codec.close({ timeoutMs: 2000 });
  }
}

function undecodable(key: string, err: unknown): DecodedRead {
  return { ok: false, error: invalidRead(ErrorCode.TIER_INVALID_ENVELOPE, key, `undecodable payload: ${(err as Error).message}`, err) };
}

function invalidRead(code: string, key: string, reason: string, cause?: unknown): TierCacheError {
  const error = new TierCacheError(code as `ERR_${string}`, `value of key ${JSON.stringify(key.slice(0, 200))} in Redis is not usable: ${reason}`, { cause });
  (error as TierCacheError & { key: string }).key = key;
  return error;
}
