/** Dictionary training through the native addon (crates/core/src/dict). */
import { plural } from '../common/plural.js';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { checkKnownKeys, checkOptionalInteger, checkOptionsObject, describe } from '../common/validate.js';
import { implementation, nativeBinding, nativeLoadError } from '../native/index.js';

/** Smallest and largest dictionary the trainer produces (zstd's ZDICT limit, the core's cap). */
export const MIN_DICTIONARY_BYTES = 256;
export const MAX_DICTIONARY_BYTES = 16 * 1024 * 1024;
/** Default dictionary budget for trainDictionary (see docs/codec.md for the measurement). */
export const DEFAULT_DICTIONARY_BYTES = 16 * 1024;

/** Options of {@link trainDictionary}. */
export interface TrainDictionaryOptions {
  /** Largest dictionary to produce, in bytes (256 .. 16 MiB). Default 16 KiB. */
  maxBytes?: number;
}

/**
 * Trains a zstd dictionary from sample values (e.g. a few thousand cached
 * JSON values), for `new Codec({ dictionary })`. zstd suggests samples
 * totalling about 100 times `maxBytes`. Synchronous: it blocks for tens of
 * milliseconds per MiB of samples, so train at startup or offline and store
 * the result. Needs the native addon: throws ERR_NATIVE_UNAVAILABLE without
 * it (encoding and decoding with an existing dictionary need no addon).
 * Throws ERR_CODEC_DICTIONARY when zstd cannot build a dictionary from the
 * samples (too few or too uniform).
 */
export function trainDictionary(samples: readonly Uint8Array[], options?: TrainDictionaryOptions): Buffer {
  if (!Array.isArray(samples)) throw new TypeError(`samples must be an array of Buffers, got ${describe(samples)}`);
  const opts = checkOptionsObject(options, 'options');
  checkKnownKeys(opts, 'options', ['maxBytes']);
  const maxBytes = checkOptionalInteger(opts.maxBytes, 'options.maxBytes', MIN_DICTIONARY_BYTES, MAX_DICTIONARY_BYTES, DEFAULT_DICTIONARY_BYTES);
  if (samples.length === 0) throw new RangeError('samples must not be empty');
  if (samples.length > 0xffffffff) throw new RangeError('samples has too many entries');
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i];
    if (!(sample instanceof Uint8Array)) throw new TypeError(`samples[${i}] must be a Buffer or Uint8Array, got ${describe(sample)}`);
    total += sample.length;
  }
  if (total > 0xffffffff) throw new RangeError(`samples total ${plural(total, 'byte')}, more than the 4 GiB the trainer accepts`);
  const binding = nativeBinding;
  if (binding === null) {
    const why =
      implementation === 'js' && nativeLoadError === null
        ? 'TIERCACHE_IMPL=js keeps the addon unloaded in this process; unset it'
        : (nativeLoadError?.message ?? 'the native addon is not loaded');
    throw new TierCacheError(
      ErrorCode.NATIVE_UNAVAILABLE,
      `trainDictionary needs tiercache's native addon (zstd's dictionary builder lives there), and ${why}. ` +
        'Alternatively train where the addon loads, store the dictionary, and pass it to new Codec({ dictionary }): ' +
        'encoding and decoding with it need no addon',
      { cause: nativeLoadError ?? undefined },
    );
  }
  // One contiguous buffer and one size array: a single N-API crossing for any number of samples.
  const data = Buffer.allocUnsafe(total);
  const sizes = new Uint32Array(samples.length);
  let offset = 0;
  for (let i = 0; i < samples.length; i++) {
    data.set(samples[i], offset);
    offset += samples[i].length;
    sizes[i] = samples[i].length;
  }
  try {
    return binding.trainDictionary(data, sizes, maxBytes);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new TierCacheError(
      code === ErrorCode.CODEC_DICTIONARY ? ErrorCode.CODEC_DICTIONARY : 'ERR_INVALID_ARG_VALUE',
      (err as Error).message,
      { cause: err },
    );
  }
}
