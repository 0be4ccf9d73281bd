/**
 * The codec's envelope: a 2-byte header (6 with a dictionary id) in front of
 * either the raw value or one zstd frame, so raw and compressed values coexist
 * in one store and a later format version can still be told apart.
 *
 * ```
 * byte 0      0xF7 magic (never the first byte of UTF-8 text, JSON, a zstd or gzip frame)
 * byte 1      bits 7-5 format version (1), bits 4-3 reserved (0),
 *             bit 2 dictionary id follows, bits 1-0 algorithm (0 raw, 1 zstd)
 * bytes 2-5   dictionary id, u32 little-endian (only with bit 2)
 * payload     the value (raw) or exactly one zstd frame (zstd)
 * ```
 */
import { plural } from '../common/plural.js';
import { ErrorCode, TierCacheError } from '../common/errors.js';

/** First byte of every encoded value. */
export const MAGIC = 0xf7;
/** The format version this build writes and reads. */
export const FORMAT_VERSION = 1;
/** Payload stored as given. */
export const ALGORITHM_RAW = 0;
/** Payload is one zstd frame. */
export const ALGORITHM_ZSTD = 1;

const FLAG_DICTIONARY = 0b100;
const RESERVED = 0b11000;

/** Header length without / with a dictionary id. */
export const HEADER_BYTES = 2;
export const HEADER_BYTES_WITH_DICTIONARY = 6;

/** Writes a header at the start of `out`; returns its length. */
export function writeHeader(out: Uint8Array, algorithm: number, dictionaryId: number): number {
  out[0] = MAGIC;
  if (dictionaryId === 0) {
    out[1] = (FORMAT_VERSION << 5) | algorithm;
    return HEADER_BYTES;
  }
  out[1] = (FORMAT_VERSION << 5) | FLAG_DICTIONARY | algorithm;
  out[2] = dictionaryId & 0xff;
  out[3] = (dictionaryId >>> 8) & 0xff;
  out[4] = (dictionaryId >>> 16) & 0xff;
  out[5] = (dictionaryId >>> 24) & 0xff;
  return HEADER_BYTES_WITH_DICTIONARY;
}

/** A parsed header. Reused by the reader to avoid an allocation per decode. */
export interface Header {
  algorithm: number;
  /** 0 when the value was compressed without a dictionary. */
  dictionaryId: number;
  /** Offset of the payload. */
  payloadOffset: number;
}

function corrupt(message: string): TierCacheError {
  return new TierCacheError(ErrorCode.CODEC_CORRUPT, message);
}

/** Parses the header of `bytes` into `out`; throws ERR_CODEC_CORRUPT or ERR_CODEC_UNSUPPORTED. */
export function readHeader(bytes: Uint8Array, out: Header): Header {
  if (bytes.length < HEADER_BYTES) {
    throw corrupt(`encoded value is truncated: ${plural(bytes.length, 'byte')}, shorter than the ${HEADER_BYTES}-byte header`);
  }
  if (bytes[0] !== MAGIC) {
    throw corrupt(
      `bytes were not produced by a tiercache Codec: first byte 0x${bytes[0].toString(16).padStart(2, '0')}, expected 0xf7`,
    );
  }
  const descriptor = bytes[1];
  const version = descriptor >>> 5;
  if (version !== FORMAT_VERSION) {
    if (version > FORMAT_VERSION) {
      throw new TierCacheError(
        ErrorCode.CODEC_UNSUPPORTED,
        `encoded value uses format version ${version}; this build reads version ${FORMAT_VERSION} (upgrade tiercache)`,
      );
    }
    throw corrupt(`encoded value has an invalid format version ${version}`);
  }
  if ((descriptor & RESERVED) !== 0) throw corrupt('encoded value sets reserved header bits');
  const algorithm = descriptor & 0b11;
  if (algorithm > ALGORITHM_ZSTD) {
    throw new TierCacheError(ErrorCode.CODEC_UNSUPPORTED, `encoded value uses unknown algorithm ${algorithm}`);
  }
  if ((descriptor & FLAG_DICTIONARY) === 0) {
    out.algorithm = algorithm;
    out.dictionaryId = 0;
    out.payloadOffset = HEADER_BYTES;
    return out;
  }
  if (algorithm === ALGORITHM_RAW) throw corrupt('encoded value is raw but names a dictionary');
  if (bytes.length < HEADER_BYTES_WITH_DICTIONARY) {
    throw corrupt(`encoded value is truncated inside its ${HEADER_BYTES_WITH_DICTIONARY}-byte header`);
  }
  const id = (bytes[2] | (bytes[3] << 8) | (bytes[4] << 16) | (bytes[5] << 24)) >>> 0;
  if (id === 0) throw corrupt('encoded value names dictionary id 0');
  out.algorithm = algorithm;
  out.dictionaryId = id;
  out.payloadOffset = HEADER_BYTES_WITH_DICTIONARY;
  return out;
}
