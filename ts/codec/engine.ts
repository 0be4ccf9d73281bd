/**
 * The synchronous heart of the codec, shared by the calling thread and the
 * offload workers: envelope, thresholds, zstd calls and the decompression
 * bomb guard. No metrics, no validation of options (done once in options.ts).
 */
import { plural } from '../common/plural.js';
import type * as Zstd from 'zstd-napi/binding';
import { zstd } from './zstd.js';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { prepareDictionary, type PreparedDictionary } from './dictionary.js';
import { ALGORITHM_RAW, ALGORITHM_ZSTD, HEADER_BYTES, HEADER_BYTES_WITH_DICTIONARY, readHeader, writeHeader, type Header } from './format.js';

/** The resolved settings an engine runs with; plain data so it can be sent to workers. */
export interface EngineSettings {
  /** Effective zstd level (already clamped). */
  level: number;
  /** Values shorter than this are stored raw. */
  minBytes: number;
  /** Store raw unless compression saves at least this fraction of the value. */
  minSavings: number;
  /** Write a content checksum into each frame. */
  checksum: boolean;
  /** Largest value decode will produce (and encode will accept). */
  maxDecompressedBytes: number;
  /** Dictionary used to encode (null for none). */
  dictionary: Uint8Array | null;
  /** Further dictionaries accepted when decoding (e.g. the previous one after a rotation). */
  decodeDictionaries: Uint8Array[];
}

/** How the last encode/decode of an engine stored or found its value. */
export const Outcome = {
  COMPRESSED: 0,
  RAW_SMALL: 1,
  RAW_INCOMPRESSIBLE: 2,
  RAW: 3,
} as const;

/** Window limit of the HTTP zstd profile (RFC 9659): 8 MiB. */
export const MAX_WINDOW_LOG = 23;
const ZSTD_MAGIC = 0xfd2fb528;
/** Encode reuses one scratch buffer up to this size; larger values get their own. */
const SCRATCH_LIMIT = 4 * 1024 * 1024;

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
    return new TierCacheError(
      ErrorCode.CODEC_TOO_LARGE,
      `zstd frame needs a window above 8 MiB (the HTTP profile limit): ${message}`,
      { cause: err },
    );
  }
  if (/dictionary/i.test(message)) {
    return new TierCacheError(ErrorCode.CODEC_DICTIONARY, `zstd frame does not match the dictionary: ${message}`, { cause: err });
  }
  return corrupt(`zstd frame is corrupt: ${message}`, err);
}

/** Encodes and decodes one value at a time on the calling thread. */
export class CodecEngine {
  /** Outcome of the last successful call (see {@link Outcome}). */
  outcome: number = Outcome.COMPRESSED;
  private readonly cctx = new (zstd().CCtx)();
  private readonly dctx = new (zstd().DCtx)();
  private streamDctx: Zstd.DCtx | null = null;
  private scratch: Buffer = Buffer.alloc(0);
  private readonly header: Header = { algorithm: 0, dictionaryId: 0, payloadOffset: 0 };
  private readonly encodeDictionaryId: number;
  private readonly dictionaries = new Map<number, PreparedDictionary>();

  constructor(readonly settings: EngineSettings) {
    const { cctx } = this;
    cctx.setParameter(zstd().CParameter.compressionLevel, settings.level);
    cctx.setParameter(zstd().CParameter.checksumFlag, settings.checksum ? 1 : 0);
    cctx.setParameter(zstd().CParameter.contentSizeFlag, 1);
    // The id travels in the envelope header, not twice.
    cctx.setParameter(zstd().CParameter.dictIDFlag, 0);
    this.dctx.setParameter(zstd().DParameter.windowLogMax, MAX_WINDOW_LOG);
    for (const bytes of settings.decodeDictionaries) {
      const prepared = prepareDictionary(bytes, 'options.decodeDictionaries[]');
      this.dictionaries.set(prepared.id, prepared);
    }
    if (settings.dictionary !== null) {
      const prepared = prepareDictionary(settings.dictionary, 'options.dictionary');
      this.dictionaries.set(prepared.id, prepared);
      this.encodeDictionaryId = prepared.id;
      cctx.loadDictionary(prepared.bytes);
    } else {
      this.encodeDictionaryId = 0;
    }
  }

  /** Id of the dictionary values are encoded with (0 for none). */
  get dictionaryId(): number {
    return this.encodeDictionaryId;
  }

  /** Ids of every dictionary decode accepts. */
  get decodeDictionaryIds(): number[] {
    return [...this.dictionaries.keys()];
  }

  /** Encodes `input` (a raw envelope below minBytes or when compression saves too little). */
  encode(input: Uint8Array): Buffer {
    const n = input.length;
    const { settings } = this;
    if (n < settings.minBytes) {
      this.outcome = Outcome.RAW_SMALL;
      return raw(input);
    }
    const bound = zstd().compressBound(n);
    const need = HEADER_BYTES_WITH_DICTIONARY + bound;
    let scratch = this.scratch;
    if (scratch.length < need) {
      scratch = Buffer.allocUnsafeSlow(need);
      if (need <= SCRATCH_LIMIT) this.scratch = scratch;
    }
    const h = writeHeader(scratch, ALGORITHM_ZSTD, this.encodeDictionaryId);
    const size = this.cctx.compress2(scratch.subarray(h, h + bound), input);
    if (size >= n || size > n * (1 - settings.minSavings)) {
      this.outcome = Outcome.RAW_INCOMPRESSIBLE;
      return raw(input);
    }
    const out = Buffer.allocUnsafe(h + size);
    scratch.copy(out, 0, 0, h + size);
    this.outcome = Outcome.COMPRESSED;
    return out;
  }

  /** Decodes an envelope produced by {@link encode}; typed errors for anything else. */
  decode(input: Uint8Array): Buffer {
    const header = readHeader(input, this.header);
    const payload = input.subarray(header.payloadOffset);
    const limit = this.settings.maxDecompressedBytes;
    if (header.algorithm === ALGORITHM_RAW) {
      if (payload.length > limit) throw tooLarge(payload.length, limit);
      this.outcome = Outcome.RAW;
      return Buffer.from(payload);
    }
    let dictionary: PreparedDictionary | undefined;
    if (header.dictionaryId !== 0) {
      dictionary = this.dictionaries.get(header.dictionaryId);
      if (dictionary === undefined) {
        const have = this.dictionaries.size === 0 ? 'this codec has no dictionary' : `this codec has ${[...this.dictionaries.keys()].join(', ')}`;
        throw new TierCacheError(
          ErrorCode.CODEC_DICTIONARY,
          `value was compressed with dictionary ${header.dictionaryId}, but ${have} (pass it as options.dictionary or options.decodeDictionaries)`,
        );
      }
    }
    if (payload.length < 4 || readU32(payload) !== ZSTD_MAGIC) throw corrupt('encoded value claims zstd but holds no zstd frame');
    let declared: number | null;
    try {
      declared = zstd().getFrameContentSize(payload);
    } catch (err) {
      throw corrupt('zstd frame header is truncated or invalid', err);
    }
    // The bomb guard: a declared size is checked before anything is allocated.
    if (declared !== null && declared > limit) throw tooLarge(declared, limit);
    let frameSize: number;
    try {
      frameSize = zstd().findFrameCompressedSize(payload);
    } catch (err) {
      throw corrupt('zstd frame is truncated or corrupt', err);
    }
    if (frameSize !== payload.length) {
      throw corrupt(`zstd frame is followed by ${plural(payload.length - frameSize, 'unexpected byte')}`);
    }
    this.outcome = Outcome.COMPRESSED;
    if (declared === null) return this.decodeStreaming(payload, dictionary, limit);
    const out = Buffer.allocUnsafe(declared);
    let written: number;
    try {
      written =
        dictionary === undefined ? this.dctx.decompress(out, payload) : this.dctx.decompressUsingDDict(out, payload, dictionary.ddict);
    } catch (err) {
      throw mapZstdError(err);
    }
    if (written !== declared) throw corrupt(`zstd frame declared ${plural(declared, 'byte')} but held ${written}`);
    return out;
  }

  /** Frames without a declared size: stream with a running bound, never more than `limit` + one chunk. */
  private decodeStreaming(payload: Uint8Array, dictionary: PreparedDictionary | undefined, limit: number): Buffer {
    let dctx = this.streamDctx;
    if (dctx === null) dctx = this.streamDctx = new (zstd().DCtx)();
    dctx.reset(zstd().ResetDirective.sessionAndParameters);
    dctx.setParameter(zstd().DParameter.windowLogMax, MAX_WINDOW_LOG);
    const chunks: Buffer[] = [];
    let total = 0;
    let input = payload;
    try {
      if (dictionary !== undefined) dctx.loadDictionary(dictionary.bytes);
      while (true) {
        const chunk = Buffer.allocUnsafe(Math.min(zstd().dStreamOutSize(), limit - total + 1));
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

function readU32(bytes: Uint8Array): number {
  return (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
}

/** The raw envelope: header + a copy of the value. */
function raw(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + input.length);
  writeHeader(out, ALGORITHM_RAW, 0);
  out.set(input, HEADER_BYTES);
  return out;
}
