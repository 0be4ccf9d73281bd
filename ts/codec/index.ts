/** zstd codec: envelope, thresholds, dictionaries, bomb guard, worker offload. */
export { Codec } from './codec.js';
export type { CodecOptions, OffloadOptions } from './options.js';
export { DEFAULT_LEVEL, MAX_LEVEL, DEFAULT_MIN_BYTES, DEFAULT_OFFLOAD_MIN_BYTES, DEFAULT_MAX_DECOMPRESSED_BYTES } from './options.js';
export type { CodecStats } from './recorder.js';
export { trainDictionary, DEFAULT_DICTIONARY_BYTES } from './train.js';
export type { TrainDictionaryOptions } from './train.js';
export { dictionaryId } from './dictionary.js';
