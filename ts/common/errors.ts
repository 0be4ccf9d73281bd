/**
 * Runtime failures carry a stable `code` so callers can branch on it without
 * parsing messages. Argument errors stay plain TypeError/RangeError.
 */
export const ErrorCode = {
  /** The native addon was required (TIERCACHE_IMPL=native) but could not be loaded. */
  NATIVE_UNAVAILABLE: 'ERR_NATIVE_UNAVAILABLE',
  /** An operation was attempted on a closed or drained component. */
  CLOSED: 'ERR_CLOSED',
  /** A wait exceeded its deadline. */
  TIMEOUT: 'ERR_TIMEOUT',
  /** A wait was cancelled through an AbortSignal. */
  ABORTED: 'ERR_ABORTED',
  /** Codec: the bytes given to decode are truncated, corrupt or were not produced by a Codec. */
  CODEC_CORRUPT: 'ERR_CODEC_CORRUPT',
  /** Codec: a value needs a dictionary this codec does not have, or training a dictionary failed. */
  CODEC_DICTIONARY: 'ERR_CODEC_DICTIONARY',
  /** Codec: a value declares or grows past maxDecompressedBytes, or needs a window above 8 MiB. */
  CODEC_TOO_LARGE: 'ERR_CODEC_TOO_LARGE',
  /** Codec: a value was written by a newer format version or algorithm this build cannot read. */
  CODEC_UNSUPPORTED: 'ERR_CODEC_UNSUPPORTED',
  /** Codec: the offload queue is full (options.offload.maxQueue). */
  CODEC_QUEUE_FULL: 'ERR_CODEC_QUEUE_FULL',
  /** Codec: the worker running an offloaded task died; only that task failed. */
  CODEC_WORKER: 'ERR_CODEC_WORKER',
} as const;

/** Any of the stable error codes tiercache components use. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode] | `ERR_${string}`;

/** A runtime failure with a stable, documented `code`. */
export class TierCacheError extends Error {
  /** Stable machine-readable code, e.g. `ERR_BATCH_QUEUE_FULL`. */
  readonly code: ErrorCodeValue;

  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TierCacheError';
    this.code = code;
  }
}
