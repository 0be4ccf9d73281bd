/**
 * Dictionaries for small values: the id that travels in each value's header
 * and the prepared form decode uses. Loaded by offload workers too, so it must
 * not load the native addon (training lives in train.ts).
 */
import type * as Zstd from 'zstd-napi/binding';
import { zstd } from './zstd.js';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { describe } from '../common/validate.js';

/** FNV-1a, 32 bits: a stable id for raw-content dictionaries, which declare none. */
function fnv1a32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i];
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The id written into the header of values compressed with `dictionary`: the
 * id a trained dictionary declares, or a hash of a raw-content dictionary
 * (any bytes used as shared history). Never 0.
 */
export function dictionaryId(dictionary: Uint8Array): number {
  const declared = zstd().getDictIDFromDict(dictionary);
  if (declared !== 0) return declared;
  return fnv1a32(dictionary) || 1;
}

/** A dictionary ready to decode with. */
export interface PreparedDictionary {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly ddict: Zstd.DDict;
}

/** Validates and prepares a dictionary given as an option. */
export function prepareDictionary(value: unknown, name: string): PreparedDictionary {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a Buffer or Uint8Array, got ${describe(value)}`);
  }
  if (value.length < 8) throw new RangeError(`${name} must be at least 8 bytes, got ${value.length}`);
  // Copied so later changes to the caller's buffer cannot change what decodes.
  const bytes = new Uint8Array(value);
  let ddict: Zstd.DDict;
  try {
    ddict = new (zstd().DDict)(bytes);
  } catch (err) {
    throw new TierCacheError(ErrorCode.CODEC_DICTIONARY, `${name} is not a usable zstd dictionary: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { id: dictionaryId(bytes), bytes, ddict };
}

