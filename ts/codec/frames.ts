/**
 * The zstd side of the codec, behind one interface so the envelope logic
 * (engine.ts) is shared: a backend writes one frame per value (content size,
 * checksum when asked, no dictionary id) and decodes one frame under the bomb
 * guard (declared size checked before allocating, 8 MiB window, streamed
 * decode stopped at the limit), with the same typed errors either way.
 */
import type { ZstdBackend } from './backend.js';
import type { DictionaryBytes } from './dictionary.js';
import { ZstdNapiFrames } from './zstd-napi-frames.js';

/** What a backend is built from. */
export interface FramesSettings {
  zstd: ZstdBackend;
  level: number;
  checksum: boolean;
  /** The dictionary values are encoded with, or null. */
  encodeDictionary: DictionaryBytes | null;
  /** Every dictionary decode accepts (the encoding one included). */
  decodeDictionaries: readonly DictionaryBytes[];
}

/** One backend's frames. Errors are TierCacheErrors (ERR_CODEC_*). */
export interface ZstdFrames {
  /** Room `compress` may need for an input of `length` bytes. */
  compressBound(length: number): number;
  /** Compresses `input` into one frame at the start of `out`; returns its length. */
  compress(out: Uint8Array, input: Uint8Array): number;
  /** Decodes exactly one frame (magic already checked) into at most `limit` bytes. */
  decompress(frame: Uint8Array, dictionaryId: number, limit: number): Buffer;
  /** The content size `frame` declares (null when none); throws on a bad header. */
  frameContentSize(frame: Uint8Array): number | null;
}

/** The frames of `settings.zstd`. The addon's are loaded only when asked for (workers on zstd-napi never load the addon). */
export function createFrames(settings: FramesSettings): ZstdFrames {
  if (settings.zstd === 'native') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { NativeFrames } = require('./native-frames.js') as typeof import('./native-frames.js');
    return new NativeFrames(settings);
  }
  return new ZstdNapiFrames(settings);
}
