/**
 * The ConnectionPool component: a generic resource pool (see docs/pool.md).
 */
export { ConnectionPool } from './connection-pool.js';
export { ManualClock, systemClock } from './clock.js';
export type { PoolClock, TimerHandle } from './clock.js';
export { WAIT_BUCKETS_MS } from './stats.js';
export type {
  AcquireOptions,
  CreateContext,
  CreateRetryOptions,
  DestroyReason,
  DrainOptions,
  DrainResult,
  LeakReport,
  LeakStackMode,
  PoolEvents,
  PoolOptions,
  PoolStats,
  TimeoutReport,
  WaitTimeSummary,
} from './types.js';
