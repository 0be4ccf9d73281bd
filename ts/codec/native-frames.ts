/**
 * Frames through the native addon's zstd (crates/core/src/codec): the
 * backend when zstd-napi cannot be loaded. The guard runs in Rust, in one
 * crossing per value; errors come back with the codec's codes.
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

/** zstd's ZSTD_COMPRESSBOUND: the largest frame a `length`-byte input can need. */
export function compressBound(length: number): number {
  const small = 128 * 1024;
  return length + Math.floor(length / 256) + (length < small ? Math.floor((small - length) / 2048) : 0);
}

export class NativeFrames implements ZstdFrames {
  private readonly binding = requireNativeBinding();
  private readonly compressor: Compressor;
  private readonly decompressor: Decompressor;

  constructor(settings: FramesSettings) {
    const { NativeZstdCompressor, NativeZstdDecompressor } = this.binding;
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
    try {
      return this.binding.nativeZstdFrameContentSize(frame);
    } catch (err) {
      throw typed(err);
    }
  }

  decompress(frame: Uint8Array, dictionaryId: number, limit: number): Buffer {
    try {
      return this.decompressor.decompress(frame, dictionaryId, limit);
    } catch (err) {
      throw typed(err);
    }
  }
}
