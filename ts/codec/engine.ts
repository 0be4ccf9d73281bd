/**
 * The synchronous heart of the codec, shared by the calling thread and the
 * offload workers: envelope, thresholds and dictionaries by id, on one of the
 * zstd backends (frames.ts), which owns the decompression bomb guard. No
 * metrics, no validation of options (done once in options.ts).
 */
import { plural } from '../common/plural.js';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import type { ZstdBackend } from './backend.js';
import { checkDictionary, type DictionaryBytes } from './dictionary.js';
import { ALGORITHM_RAW, ALGORITHM_ZSTD, HEADER_BYTES, HEADER_BYTES_WITH_DICTIONARY, readHeader, writeHeader, type Header } from './format.js';
import { createFrames, type ZstdFrames } from './frames.js';

/** The resolved settings an engine runs with; plain data so it can be sent to workers. */
export interface EngineSettings {
  /** The zstd backend (chosen once, on the calling thread). */
  zstd: ZstdBackend;
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

const ZSTD_MAGIC = 0xfd2fb528;
/** Encode reuses one scratch buffer up to this size; larger values get their own. */
const SCRATCH_LIMIT = 4 * 1024 * 1024;

/** Encodes and decodes one value at a time on the calling thread. */
export class CodecEngine {
  /** Outcome of the last successful call (see {@link Outcome}). */
  outcome: number = Outcome.COMPRESSED;
  private readonly frames: ZstdFrames;
  private scratch: Buffer = Buffer.alloc(0);
  private readonly header: Header = { algorithm: 0, dictionaryId: 0, payloadOffset: 0 };
  private readonly encodeDictionaryId: number;
  private readonly dictionaryIds: number[];

  constructor(readonly settings: EngineSettings) {
    const decodeDictionaries: DictionaryBytes[] = settings.decodeDictionaries.map((bytes) => checkDictionary(bytes, 'options.decodeDictionaries[]'));
    const encodeDictionary = settings.dictionary === null ? null : checkDictionary(settings.dictionary, 'options.dictionary');
    if (encodeDictionary !== null) decodeDictionaries.push(encodeDictionary);
    this.frames = createFrames({ zstd: settings.zstd, level: settings.level, checksum: settings.checksum, encodeDictionary, decodeDictionaries });
    this.encodeDictionaryId = encodeDictionary === null ? 0 : encodeDictionary.id;
    this.dictionaryIds = [...new Set(decodeDictionaries.map((d) => d.id))];
  }

  /** Id of the dictionary values are encoded with (0 for none). */
  get dictionaryId(): number {
    return this.encodeDictionaryId;
  }

  /** Ids of every dictionary decode accepts. */
  get decodeDictionaryIds(): number[] {
    return [...this.dictionaryIds];
  }

  /** Encodes `input` (a raw envelope below minBytes or when compression saves too little). */
  encode(input: Uint8Array): Buffer {
    const n = input.length;
    const { settings } = this;
    if (n < settings.minBytes) {
      this.outcome = Outcome.RAW_SMALL;
      return raw(input);
    }
    const bound = this.frames.compressBound(n);
    const need = HEADER_BYTES_WITH_DICTIONARY + bound;
    let scratch = this.scratch;
    if (scratch.length < need) {
      scratch = Buffer.allocUnsafeSlow(need);
      if (need <= SCRATCH_LIMIT) this.scratch = scratch;
    }
    const h = writeHeader(scratch, ALGORITHM_ZSTD, this.encodeDictionaryId);
    const size = this.frames.compress(scratch.subarray(h, h + bound), input);
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
      if (payload.length > limit) {
        throw new TierCacheError(
          ErrorCode.CODEC_TOO_LARGE,
          `encoded value decompresses to ${plural(payload.length, 'byte')}, more than maxDecompressedBytes (${limit}); rejected before allocating`,
        );
      }
      this.outcome = Outcome.RAW;
      return Buffer.from(payload);
    }
    if (header.dictionaryId !== 0 && !this.dictionaryIds.includes(header.dictionaryId)) {
      const have = this.dictionaryIds.length === 0 ? 'this codec has no dictionary' : `this codec has ${this.dictionaryIds.join(', ')}`;
      throw new TierCacheError(
        ErrorCode.CODEC_DICTIONARY,
        `value was compressed with dictionary ${header.dictionaryId}, but ${have} (pass it as options.dictionary or options.decodeDictionaries)`,
      );
    }
    if (payload.length < 4 || readU32(payload) !== ZSTD_MAGIC) {
      throw new TierCacheError(ErrorCode.CODEC_CORRUPT, 'encoded value claims zstd but holds no zstd frame');
    }
    const out = this.frames.decompress(payload, header.dictionaryId, limit);
    this.outcome = Outcome.COMPRESSED;
    return out;
  }

  /** The size decode will produce, from the headers (cheap), to choose inline or worker; 0 when unsure. */
  decodedSizeHint(input: Uint8Array): number {
    try {
      const header = readHeader(input, this.header);
      if (header.algorithm !== ALGORITHM_ZSTD) return 0;
      return this.frames.frameContentSize(input.subarray(header.payloadOffset)) ?? input.length;
    } catch {
      // Let decode report the problem with its typed error, inline.
      return 0;
    }
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
