import type { MetricsOption } from '../metrics/index.js';
/**
 * Public types of the ConnectionPool: options, events, stats.
 */
import type { PoolClock } from './clock.js';

/** What `create` receives: a signal aborted when the attempt passes `createTimeoutMs` or the pool drains. */
export interface CreateContext {
  /** Aborted when the pool gives up on this attempt; a factory should stop connecting. */
  readonly signal: AbortSignal;
}

/** Backoff between failed create attempts: `initialDelayMs * factor^(failures-1)`, capped, with jitter. */
export interface CreateRetryOptions {
  /** Delay after the first failure (default 100). */
  initialDelayMs?: number;
  /** Cap on the delay (default 10 000). */
  maxDelayMs?: number;
  /** Growth per consecutive failure (default 2). */
  factor?: number;
  /** Random spread as a fraction of the delay, 0..1 (default 0.2): the delay is scaled by 1 - jitter..1. */
  jitter?: number;
}

/**
 * How the acquire stack for leak reports is captured. Capturing a stack costs
 * microseconds (more than a whole acquire/release round trip), so:
 * - `'every'`: every acquire captures it (the default; every leak event has a stack);
 * - `'adaptive'`: 1 acquire in 1024 until the first leak is seen, then every acquire;
 * - `'none'`: never (leak events still fire, without a stack).
 */
export type LeakStackMode = 'every' | 'adaptive' | 'none';

/** Options of {@link ConnectionPool}. Times are milliseconds; 0 disables the optional features noted. */
export interface PoolOptions<T> {
  /** Makes a resource. Runs in the background: callers wait on the pool, never on a create they started. */
  create: (context: CreateContext) => T | Promise<T>;
  /** Disposes of a resource. A throw, rejection or hang (past `destroyTimeoutMs`) is reported on `error`. */
  destroy: (resource: T) => void | Promise<void>;
  /** Whether a resource is still usable (false, a throw or a hang past `validateTimeoutMs` = broken). */
  validate?: (resource: T) => boolean | Promise<boolean>;
  /** Resources kept even when idle; the pool refills to it by itself (default 0). */
  min?: number;
  /** Upper bound on live resources (default 10). */
  max?: number;
  /** How long acquire() waits before rejecting with ERR_TIMEOUT (default 30 000). */
  acquireTimeoutMs?: number;
  /** How long a create may take before it is abandoned (its late result is destroyed) (default 10 000). */
  createTimeoutMs?: number;
  /** How long a validation may take before the resource counts as broken (default 5 000). */
  validateTimeoutMs?: number;
  /** How long the pool waits for a destroy before reporting it hung (default 5 000). */
  destroyTimeoutMs?: number;
  /** Idle resources above `min` are destroyed after this long unused (default 30 000; 0 = never). */
  idleTimeoutMs?: number;
  /** Resources are retired after at most this age, when not borrowed (default 1 800 000; 0 = never). */
  maxLifetimeMs?: number;
  /** Each resource retires at a random point in [maxLifetimeMs - jitter, maxLifetimeMs] (default 10% of maxLifetimeMs). */
  maxLifetimeJitterMs?: number;
  /** Validate a resource before handing it out (default: true when `validate` is given). */
  validateOnBorrow?: boolean;
  /** Skip the borrow validation of a resource used (or validated) this recently (default 500; 0 = always validate). */
  validationBypassMs?: number;
  /** Validate idle resources this often (default 30 000 when `validate` is given; 0 = off). */
  healthCheckIntervalMs?: number;
  /** A resource borrowed longer than this emits one `leak` event (default 0 = off). */
  leakDetectionMs?: number;
  /** How the acquire stack for `leak` events is captured (default 'every'). */
  leakStack?: LeakStackMode;
  /**
   * Where the pool reports `db.client.connection.*` metrics: the process-wide
   * `metrics` registry (default, or `true`), another MetricsRegistry, or
   * `false`. Read at scrape time; nothing is added to acquire/release.
   */
  metrics?: MetricsOption;
  /** The `db.client.connection.pool.name` metric attribute (OpenTelemetry asks for one). */
  name?: string;
  /** Waiting callers allowed at once; the next acquire rejects with ERR_POOL_FULL (default unlimited). */
  maxWaiters?: number;
  /** Creates in flight at once (default 2): the pool grows gradually, so a short spike is served by returning resources. */
  maxConcurrentCreates?: number;
  /** Backoff between failed creates. */
  createRetry?: CreateRetryOptions;
  /** Time source and timers (default: performance.now() and Node timers). */
  clock?: PoolClock;
  /** Random source in [0, 1) for the lifetime and backoff jitter (default Math.random). */
  random?: () => number;
}

/** Options of {@link ConnectionPool.acquire}. */
export interface AcquireOptions {
  /** Aborting it removes the caller from the queue; it then never receives a resource. */
  signal?: AbortSignal;
}

/** Options of {@link ConnectionPool.drain}. */
export interface DrainOptions {
  /** How long to wait for borrowed resources, in-flight creates and destroys (default 30 000). */
  timeoutMs?: number;
}

/** What {@link ConnectionPool.drain} did. */
export interface DrainResult {
  /** Borrowed resources that were not released within the timeout and were destroyed under their users. */
  forcedDestroys: number;
  /** Creates still unsettled at the timeout (their late results are destroyed when they arrive). */
  abandonedCreates: number;
  /** Destroys still unsettled at the timeout. */
  hungDestroys: number;
}

/** Why a resource left the pool (the second argument of the `destroy` event). */
export type DestroyReason =
  | 'broken' // destroy(resource) or invalidate(resource)
  | 'validation' // failed validation (on borrow, health check or after use() threw)
  | 'idle' // idle longer than idleTimeoutMs above min
  | 'lifetime' // reached its jittered maxLifetimeMs
  | 'late-create' // a create that finished after createTimeoutMs
  | 'drain'; // drain()

/** Payload of the `leak` event. */
export interface LeakReport<T> {
  /** The resource held too long (still borrowed). */
  resource: T;
  /** How long it had been held when reported. */
  heldMs: number;
  /** The stack of the acquire() that borrowed it, when captured (see `leakStack`). */
  stack: string | undefined;
}

/** Payload of the `timeout` event. */
export interface TimeoutReport {
  /** How long the caller waited. */
  waitedMs: number;
  /** Last create failure while creates were failing, else undefined. */
  cause: unknown;
}

/** The events of {@link ConnectionPool}, with their listener arguments. */
export interface PoolEvents<T> {
  /** A resource was created and joined the pool. */
  create: [resource: T];
  /** A resource left the pool and its destroy was started. */
  destroy: [resource: T, reason: DestroyReason];
  /** A resource was handed to a caller. */
  acquire: [resource: T];
  /** A waiting acquire gave up after acquireTimeoutMs. */
  timeout: [report: TimeoutReport];
  /** A resource has been borrowed longer than leakDetectionMs (once per borrow). */
  leak: [report: LeakReport<T>];
  /** A background failure: create, destroy, or their timeouts. Only emitted when a listener exists. */
  error: [error: Error];
}

/** Acquire wait times: how long callers waited for a resource (0 when one was idle). */
export interface WaitTimeSummary {
  /** Acquires served. */
  count: number;
  /** Total wait in milliseconds. */
  sumMs: number;
  /** Longest wait in milliseconds. */
  maxMs: number;
  /** Cumulative histogram: acquires that waited at most `leMs` (the last bucket is Infinity). */
  buckets: Array<{ leMs: number; count: number }>;
}

/** A snapshot of the pool's gauges and counters (plain numbers, for a metrics registry to read). */
export interface PoolStats {
  /** 'open', 'draining' or 'closed'. */
  state: 'open' | 'draining' | 'closed';
  /** Live resources: idle + borrowed + validating. */
  size: number;
  /** Resources ready to hand out. */
  idle: number;
  /** Resources handed out and not yet released. */
  borrowed: number;
  /** Resources being validated (on borrow or by a health check). */
  validating: number;
  /** Creates in flight that count toward max. */
  pendingCreates: number;
  /** Callers waiting for a resource. */
  waiting: number;
  /** Destroys started and not yet settled. */
  destroying: number;
  /** Resources created (including late creates that were destroyed at once). */
  created: number;
  /** Resources that left the pool (destroy started). */
  destroyed: number;
  /** Acquires served. */
  acquired: number;
  /** Resources given back (release, destroy). */
  released: number;
  /** Acquires rejected after acquireTimeoutMs. */
  timeouts: number;
  /** Acquires cancelled by their signal. */
  aborted: number;
  /** Acquires rejected at once because maxWaiters were waiting. */
  rejected: number;
  /** Create attempts started. */
  createAttempts: number;
  /** Create attempts that failed or timed out. */
  createFailures: number;
  /** Validations that failed (borrow, health check, after an error in use()). */
  validationFailures: number;
  /** Leak events emitted. */
  leaks: number;
  /** Destroys that threw, rejected or hung. */
  destroyFailures: number;
  /** How long acquires waited. */
  acquireWait: WaitTimeSummary;
}
