/**
 * tiercache: a Node.js performance layer with a Rust hot path.
 *
 * This is the public entry; `require('tiercache')` and
 * `import ... from 'tiercache'` both resolve here (the ESM entry re-exports
 * this module, so there is one instance of every module-level state).
 */
export { ErrorCode, TierCacheError } from './common/errors.js';
export type { ErrorCodeValue } from './common/errors.js';
export type { Clock } from './common/clock.js';
export { implementation, nativeLoadError } from './native/index.js';
export type { Implementation } from './native/index.js';
export { LocalCache } from './local/local-cache.js';
export type { LocalCacheStats } from './local/stats.js';
export type { EvictionReason, LocalCacheOptions, LocalCachePolicy, SetOptions } from './local/options.js';
export { OffHeapCache } from './offheap/offheap-cache.js';
export type { CacheValue, Sharing } from './offheap/offheap-cache.js';
export type { OffHeapCacheOptions } from './offheap/options.js';
export { ENTRY_OVERHEAD_BYTES, MAX_BYTES, MAX_ENTRIES, MAX_KEY_LENGTH, MAX_SHARDS, MAX_TTL_MS } from './local/limits.js';
export { ConnectionPool, ManualClock, systemClock, WAIT_BUCKETS_MS } from './pool/index.js';
export type {
  AcquireOptions,
  CreateContext,
  CreateRetryOptions,
  DestroyReason,
  DrainOptions,
  DrainResult,
  LeakReport,
  LeakStackMode,
  PoolClock,
  PoolEvents,
  PoolOptions,
  PoolStats,
  TimeoutReport,
  TimerHandle,
  WaitTimeSummary,
} from './pool/index.js';
export { BatchProcessor } from './batch/index.js';
export type { BatchProcessorOptions, BatchResults, BatchStats, BatchCloseOptions, BatchLoadOptions } from './batch/index.js';
export * from './codec/index.js';
export * from './metrics/index.js';
export * from './http/index.js';
export * from './tier/index.js';
