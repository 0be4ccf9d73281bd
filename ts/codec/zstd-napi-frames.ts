/**
 * Frames through zstd-napi: the preferred backend. The guard's twin in Rust
 * is crates/core/src/codec (the addon's backend); both must keep the same
 * checks, order and messages.
 */
import { plural } from '../common/plural.js';
import type * as Zstd from 'zstd-napi/binding';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import type { FramesSettings, ZstdFrames } from './frames.js';
import { zstd } from './zstd.js';

/** Window limit of the HTTP zstd profile (RFC 9659): 8 MiB. */
const MAX_WINDOW_LOG = 23;

function corrupt(message: string, cause?: unknown): TierCacheError {
  return new TierCacheError(ErrorCode.CODEC_CORRUPT, message, cause === undefined ? undefined : { cause });
}

/** `declared`: the size the frame declares, or null when it grew past the limit while streaming. */
function tooLarge(declared: number | null, limit: number): TierCacheError {
  return new TierCacheError(
    ErrorCode.CODEC_TOO_LARGE,
    declared === null
      ? `encoded value decompresses to more than maxDecompressedBytes (${limit}); stopped while streaming`
      : `encoded value decompresses to ${plural(declared, 'byte')}, more than maxDecompressedBytes (${limit}); rejected before allocating`,
  );
}

/** Maps an error thrown by libzstd to the codec's stable codes. */
function mapZstdError(err: unknown): TierCacheError {
  const message = err instanceof Error ? err.message : String(err);
  if (/too much memory|window/i.test(message)) {
    return new TierCacheError(ErrorCode.CODEC_TOO_LARGE, `zstd frame needs a window above 8 MiB (the HTTP profile limit): ${message}`, {
      cause: err,
    });
  }
  if (/dictionary/i.test(message)) {
    return new TierCacheError(ErrorCode.CODEC_DICTIONARY, `zstd frame does not match the dictionary: ${message}`, { cause: err });
  }
  return corrupt(`zstd frame is corrupt: ${message}`, err);
}

/** A dictionary as zstd-napi decodes with it. */
interface Prepared {
  bytes: Uint8Array;
  ddict: Zstd.DDict;
}

export class ZstdNapiFrames implements ZstdFrames {
  private readonly zstd = zstd();
  private readonly cctx: Zstd.CCtx;
  private readonly dctx: Zstd.DCtx;
  private streamDctx: Zstd.DCtx | null = null;
  private readonly dictionaries = new Map<number, Prepared>();

  constructor(settings: FramesSettings) {
    const z = this.zstd;
    const cctx = (this.cctx = new z.CCtx());
    cctx.setParameter(z.CParameter.compressionLevel, settings.level);
    cctx.setParameter(z.CParameter.checksumFlag, settings.checksum ? 1 : 0);
    cctx.setParameter(z.CParameter.contentSizeFlag, 1);
    // The id travels in the envelope header, not twice.
    cctx.setParameter(z.CParameter.dictIDFlag, 0);
    this.dctx = new z.DCtx();
    this.dctx.setParameter(z.DParameter.windowLogMax, MAX_WINDOW_LOG);
    for (const { id, bytes, name } of settings.decodeDictionaries) {
      let ddict: Zstd.DDict;
      try {
        ddict = new z.DDict(bytes);
      } catch (err) {
        throw new TierCacheError(ErrorCode.CODEC_DICTIONARY, `${name} is not a usable zstd dictionary: ${(err as Error).message}`, {
          cause: err,
        });
      }
      this.dictionaries.set(id, { bytes, ddict });
    }
    if (settings.encodeDictionary !== null) cctx.loadDictionary(settings.encodeDictionary.bytes);
  }

  compressBound(length: number): number {
    return this.zstd.compressBound(length);
  }

  compress(out: Uint8Array, input: Uint8Array): number {
    return this.cctx.compress2(out, input);
  }

  frameContentSize(frame: Uint8Array): number | null {
    return this.zstd.getFrameContentSize(frame);
  }

  decompress(frame: Uint8Array, dictionaryId: number, limit: number): Buffer {
    const dictionary = dictionaryId === 0 ? undefined : this.dictionaries.get(dictionaryId);
    let declared: number | null;
    try {
      declared = this.zstd.getFrameContentSize(frame);
    } catch (err) {
      throw corrupt('zstd frame header is truncated or invalid', err);
    }
    // The bomb guard: a declared size is checked before anything is allocated.
    if (declared !== null && declared > limit) throw tooLarge(declared, limit);
    let frameSize: number;
    try {
      frameSize = this.zstd.findFrameCompressedSize(frame);
    } catch (err) {
      throw corrupt('zstd frame is truncated or corrupt', err);
    }
    if (frameSize !== frame.length) throw corrupt(`zstd frame is followed by ${plural(frame.length - frameSize, 'unexpected byte')}`);
    if (declared === null) return this.decompressStreaming(frame, dictionary, limit);
    const out = Buffer.allocUnsafe(declared);
    let written: number;
    try {
      written = dictionary === undefined ? this.dctx.decompress(out, frame) : this.dctx.decompressUsingDDict(out, frame, dictionary.ddict);
    } catch (err) {
      throw mapZstdError(err);
    }
    if (written !== declared) throw corrupt(`zstd frame declared ${plural(declared, 'byte')} but held ${written}`);
    return out;
  }

  /** Frames without a declared size: stream with a running bound, never more than `limit` + one chunk. */
  private decompressStreaming(frame: Uint8Array, dictionary: Prepared | undefined, limit: number): Buffer {
    const z = this.zstd;
    let dctx = this.streamDctx;
    if (dctx === null) dctx = this.streamDctx = new z.DCtx();
    dctx.reset(z.ResetDirective.sessionAndParameters);
    dctx.setParameter(z.DParameter.windowLogMax, MAX_WINDOW_LOG);
    const chunks: Buffer[] = [];
    let total = 0;
    let input = frame;
    try {
      if (dictionary !== undefined) dctx.loadDictionary(dictionary.bytes);
      while (true) {
        const chunk = Buffer.allocUnsafe(Math.min(z.dStreamOutSize(), limit - total + 1));
        const [remaining, produced, consumed] = dctx.decompressStream(chunk, input);
        total += produced;
        if (total > limit) throw tooLarge(null, limit);
        if (produced > 0) chunks.push(chunk.subarray(0, produced));
        input = input.subarray(consumed);
        if (remaining === 0) {
          if (input.length !== 0) throw corrupt(`zstd frame is followed by ${plural(input.length, 'unexpected byte')}`);
          break;
        }
        if (produced === 0 && consumed === 0) throw corrupt('zstd frame is truncated');
      }
    } catch (err) {
      throw err instanceof TierCacheError ? err : mapZstdError(err);
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  }
}
