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
