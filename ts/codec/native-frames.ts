/**
 * Frames through the native addon's zstd (crates/core/src/codec): the
 * backend when zstd-napi cannot be loaded. The guard runs in Rust, in one
 * crossing per value; errors come back with the codec's codes. Output
 * Buffers are allocated here, from the frame header, because a Buffer made
 * by N-API costs about a microsecond (see the crossing costs in README.md).
 */
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { requireNativeBinding, type NativeBinding } from '../native/index.js';
import type { FramesSettings, ZstdFrames } from './frames.js';

type Compressor = InstanceType<NativeBinding['NativeZstdCompressor']>;
type Decompressor = InstanceType<NativeBinding['NativeZstdDecompressor']>;

const CODES = new Set<string>([ErrorCode.CODEC_CORRUPT, ErrorCode.CODEC_TOO_LARGE, ErrorCode.CODEC_DICTIONARY]);

/** The addon's errors carry the codec's codes; anything else is a tiercache bug. */
function typed(err: unknown): TierCacheError {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && CODES.has(code)) return new TierCacheError(code as `ERR_${string}`, message);
  return new TierCacheError(ErrorCode.INVALID_STATE, `the native zstd failed unexpectedly: ${message}`, { cause: err });
}

/** Bytes of the frame content size field, by the descriptor's top two bits (single-segment frames use 1 for 0). */
const FCS_BYTES = [0, 2, 4, 8];
/** Bytes of the dictionary id field, by the descriptor's low two bits. */
const DICT_ID_BYTES = [0, 1, 2, 4];

/**
 * The content size a zstd frame's header declares (RFC 8878, 3.1.1.1), read
 * in JS so the output Buffer can come from V8's pool: null when the frame
 * declares none, undefined when the header cannot be read (the addon then
 * reports what is wrong). Only sizes the output; the addon checks everything.
 */
export function declaredContentSize(frame: Uint8Array): number | null | undefined {
  if (frame.length < 5) return undefined;
  const descriptor = frame[4];
  if ((descriptor & 0b1000) !== 0) return undefined; // reserved bit
  const singleSegment = (descriptor & 0b10_0000) !== 0;
  const flag = descriptor >>> 6;
  const fcsBytes = flag === 0 && singleSegment ? 1 : FCS_BYTES[flag];
  if (fcsBytes === 0) return null;
  const at = 5 + (singleSegment ? 0 : 1) + DICT_ID_BYTES[descriptor & 0b11];
  if (frame.length < at + fcsBytes) return undefined;
  switch (fcsBytes) {
    case 1:
      return frame[at];
    case 2:
      return (frame[at] | (frame[at + 1] << 8)) + 256;
    case 4:
      return (frame[at] | (frame[at + 1] << 8) | (frame[at + 2] << 16) | (frame[at + 3] << 24)) >>> 0;
    default: {
      const low = (frame[at] | (frame[at + 1] << 8) | (frame[at + 2] << 16) | (frame[at + 3] << 24)) >>> 0;
      const high = (frame[at + 4] | (frame[at + 5] << 8) | (frame[at + 6] << 16) | (frame[at + 7] << 24)) >>> 0;
      return high * 2 ** 32 + low;
    }
  }
}

/** zstd's ZSTD_COMPRESSBOUND: the largest frame a `length`-byte input can need. */
export function compressBound(length: number): number {
  const small = 128 * 1024;
  return length + Math.floor(length / 256) + (length < small ? Math.floor((small - length) / 2048) : 0);
}

export class NativeFrames implements ZstdFrames {
  private readonly compressor: Compressor;
  private readonly decompressor: Decompressor;

  constructor(settings: FramesSettings) {
    const { NativeZstdCompressor, NativeZstdDecompressor } = requireNativeBinding();
    try {
      this.compressor = new NativeZstdCompressor(settings.level, settings.checksum, settings.encodeDictionary?.bytes ?? null);
      this.decompressor = new NativeZstdDecompressor();
      for (const { id, bytes, name } of settings.decodeDictionaries) this.decompressor.addDictionary(id, bytes, name);
    } catch (err) {
      throw typed(err);
    }
  }

  compressBound(length: number): number {
    return compressBound(length);
  }

  compress(out: Uint8Array, input: Uint8Array): number {
    try {
      return this.compressor.compress(input, out);
    } catch (err) {
      throw typed(err);
    }
  }

  frameContentSize(frame: Uint8Array): number | null {
    const size = declaredContentSize(frame);
    if (size === undefined) throw new TierCacheError(ErrorCode.CODEC_CORRUPT, 'zstd frame header is truncated or invalid');
    return size;
  }

  decompress(frame: Uint8Array, dictionaryId: number, limit: number): Buffer {
    const size = declaredContentSize(frame);
    try {
      if (typeof size === 'number' && size <= limit) {
        const out = Buffer.allocUnsafe(size);
        this.decompressor.decompressInto(frame, dictionaryId, limit, out);
        return out;
      }
      // No size, an unreadable header or one over the limit: the addon streams, or says what is wrong.
      return this.decompressor.decompress(frame, dictionaryId, limit);
    } catch (err) {
      throw typed(err);
    }
  }
}
