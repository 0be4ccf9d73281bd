/**
 * Dictionaries for small values: the id that travels in each value's header.
 * Independent of the zstd backend (each prepares its own decoding form, in
 * frames.ts), so `dictionaryId` works without any native code.
 */
import { describe } from '../common/validate.js';

/** Magic number at the start of a trained (non raw-content) zstd dictionary. */
const DICTIONARY_MAGIC = 0xec30a437;

/** FNV-1a, 32 bits: a stable id for raw-content dictionaries, which declare none. */
function fnv1a32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i];
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

/**
 * The id written into the header of values compressed with `dictionary`: the
 * id a trained dictionary declares (what zstd's ZDICT_getDictID reads), or a
 * hash of a raw-content dictionary (any bytes used as shared history). Never 0.
 */
export function dictionaryId(dictionary: Uint8Array): number {
  if (dictionary.length >= 8 && readU32(dictionary, 0) === DICTIONARY_MAGIC) {
    const declared = readU32(dictionary, 4);
    if (declared !== 0) return declared;
  }
  return fnv1a32(dictionary) || 1;
}

/** A dictionary given as an option: a private copy and its id. */
export interface DictionaryBytes {
  readonly id: number;
  readonly bytes: Uint8Array;
  /** The option it came from, for error messages. */
  readonly name: string;
}

/** Validates a dictionary option (TypeError/RangeError naming it) and copies it. */
export function checkDictionary(value: unknown, name: string): DictionaryBytes {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a Buffer or Uint8Array, got ${describe(value)}`);
  }
  if (value.length < 8) throw new RangeError(`${name} must be at least 8 bytes, got ${value.length}`);
  // Copied so later changes to the caller's buffer cannot change what decodes.
  const bytes = new Uint8Array(value);
  return { id: dictionaryId(bytes), bytes, name };
}
