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
  /** ConnectionPool: `maxWaiters` callers are already waiting, so acquire() rejected at once. */
  POOL_FULL: 'ERR_POOL_FULL',
  /** ConnectionPool: acquire() while drain() is in progress (and for waiters pending when it started). */
  POOL_DRAINING: 'ERR_POOL_DRAINING',
  /** ConnectionPool: release()/destroy() of a value the pool never handed out. */
  POOL_NOT_OWNED: 'ERR_POOL_NOT_OWNED',
  /** ConnectionPool: release()/destroy() of a resource that is not currently borrowed (already released). */
  POOL_DOUBLE_RELEASE: 'ERR_POOL_DOUBLE_RELEASE',
  /** ConnectionPool: `create` did not settle within `createTimeoutMs` (reported as `cause` and on the `error` event). */
  POOL_CREATE_TIMEOUT: 'ERR_POOL_CREATE_TIMEOUT',
  /** ConnectionPool: `create` resolved to undefined, null or a resource the pool already holds. */
  POOL_INVALID_RESOURCE: 'ERR_POOL_INVALID_RESOURCE',
  /** ConnectionPool: `destroy` did not settle within `destroyTimeoutMs` (on the `error` event). */
  POOL_DESTROY_TIMEOUT: 'ERR_POOL_DESTROY_TIMEOUT',
  /** An internal invariant was violated (a tiercache bug): please report it. */
  INVALID_STATE: 'ERR_INVALID_STATE',
  /** BatchProcessor: `maxQueued` or `maxQueuedBytes` is reached; retry later or shed load. */
  BATCH_QUEUE_FULL: 'ERR_BATCH_QUEUE_FULL',
  /** BatchProcessor: the item is larger than `maxBatchBytes` (with `oversize: 'reject'`) or than `maxQueuedBytes`. */
  BATCH_ITEM_TOO_LARGE: 'ERR_BATCH_ITEM_TOO_LARGE',
  /** BatchProcessor: `execute` resolved to a Map without this key. */
  BATCH_NOT_RETURNED: 'ERR_BATCH_NOT_RETURNED',
  /** BatchProcessor: `execute` threw or rejected; every caller of the batch gets this, with the original as `cause`. */
  BATCH_EXECUTE_FAILED: 'ERR_BATCH_EXECUTE_FAILED',
  /** BatchProcessor: `execute` resolved to something other than an array of the batch's length or a Map. */
  BATCH_INVALID_RESULT: 'ERR_BATCH_INVALID_RESULT',
  /** Codec: the bytes given to decode are truncated, corrupt or were not produced by a Codec. */
  CODEC_CORRUPT: 'ERR_CODEC_CORRUPT',
  /** Codec: a value needs a dictionary this codec does not have, or training a dictionary failed. */
  CODEC_DICTIONARY: 'ERR_CODEC_DICTIONARY',
  /** Codec: a value declares or grows past maxDecompressedBytes, or needs a window above 8 MiB. */
  CODEC_TOO_LARGE: 'ERR_CODEC_TOO_LARGE',
  /** Codec: a value was written by a newer format version or algorithm this build cannot read. */
  CODEC_UNSUPPORTED: 'ERR_CODEC_UNSUPPORTED',
  /** Codec: zstd-napi could not be loaded on this platform, so no Codec can be created. */
  CODEC_UNAVAILABLE: 'ERR_CODEC_UNAVAILABLE',
  /** Codec: the offload queue is full (options.offload.maxQueue). */
  CODEC_QUEUE_FULL: 'ERR_CODEC_QUEUE_FULL',
  /** Codec: the worker running an offloaded task died; only that task failed. */
  CODEC_WORKER: 'ERR_CODEC_WORKER',
  /** TierCache: Redis is unreachable, its circuit breaker is open, or no connection was free within commandTimeoutMs. */
  TIER_L2_UNAVAILABLE: 'ERR_TIER_L2_UNAVAILABLE',
  /** TierCache: a Redis command did not answer within commandTimeoutMs. */
  TIER_COMMAND_TIMEOUT: 'ERR_TIER_COMMAND_TIMEOUT',
  /** TierCache: Redis answered a command with an error reply (e.g. OOM, WRONGTYPE); the reply is the `cause`. */
  TIER_COMMAND_FAILED: 'ERR_TIER_COMMAND_FAILED',
  /** TierCache: a loader did not settle within hardTimeoutMs and no stale value could be served. */
  TIER_LOADER_TIMEOUT: 'ERR_TIER_LOADER_TIMEOUT',
  /** TierCache: a value could not be serialized (or a custom serializer failed); the original error is the `cause`. */
  TIER_SERIALIZE: 'ERR_TIER_SERIALIZE',
  /** TierCache (on the `error` event only): bytes in Redis that are not a valid tiercache envelope; read as a miss. */
  TIER_INVALID_ENVELOPE: 'ERR_TIER_INVALID_ENVELOPE',
  /** TierCache (on the `error` event only): an envelope unsigned or wrongly signed while signing is on; read as a miss. */
  TIER_BAD_SIGNATURE: 'ERR_TIER_BAD_SIGNATURE',
  /** TierCache (on the `error` event only): the invalidation subscriber failed (connect, subscribe, heartbeat). */
  TIER_COHERENCE: 'ERR_TIER_COHERENCE',
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
