/**
 * ConnectionPool: a generic resource pool with background creation and
 * backoff, validation on borrow and by health checks, jittered max lifetime,
 * idle reaping, leak detection, FIFO waiters with abort and a bounded queue,
 * and a drain that always finishes. See docs/pool.md for the design.
 *
 * This class orchestrates; each concern lives in its own module: options
 * (validation), waiter-queue (FIFO + deadlines), creator (background creates),
 * validator, destroyer, housekeeper (lifetime, idle, health, leaks),
 * leak-detector (acquire stacks), stats (counters).
 */
import type { MetricSink, Registration } from '../metrics/index.js';
import { reportPool, type PoolReading } from './metrics.js';
import { EventEmitter } from 'node:events';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { checkFunction, checkKnownKeys, checkNumber, checkOptionalSignal, checkOptionsObject } from '../common/validate.js';
import type { PoolClock } from './clock.js';
import { Creator } from './creator.js';
import { Destroyer } from './destroyer.js';
import { Housekeeper } from './housekeeper.js';
import { IdleList } from './idle-list.js';
import { LeakDetector } from './leak-detector.js';
import { MAX_DURATION_MS, resolvePoolOptions, type ResolvedPoolOptions } from './options.js';
import { BORROWED, IDLE, RETIRED, ResourceRecord, VALIDATING } from './resource-record.js';
import { retirementTime } from './retirement.js';
import { PoolCounters } from './stats.js';
import type {
  AcquireOptions,
  DestroyReason,
  DrainOptions,
  DrainResult,
  PoolEvents,
  PoolOptions,
  PoolStats,
} from './types.js';
import { Validator } from './validator.js';
import { Waiter, WaiterQueue } from './waiter-queue.js';

const OPEN = 0;
const DRAINING = 1;
const CLOSED = 2;
const STATE_NAMES = ['open', 'draining', 'closed'] as const;

function abortError(signal: AbortSignal): TierCacheError {
  return new TierCacheError(ErrorCode.ABORTED, 'ConnectionPool.acquire was aborted', { cause: signal.reason });
}

function isObjectLike(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

let readForMetrics: (pool: ConnectionPool<unknown>) => PoolReading;

function collect(pool: ConnectionPool<unknown>, sink: MetricSink): void {
  reportPool(readForMetrics(pool), sink);
}

/**
 * A pool of resources of type `T` (connections, sockets, clients).
 *
 * @example
 * const pool = new ConnectionPool({
 *   create: async () => connect(),
 *   destroy: (conn) => conn.close(),
 *   validate: (conn) => conn.isOpen,
 *   min: 2, max: 10,
 * });
 * const value = await pool.use((conn) => conn.query('...'));
 * await pool.drain();
 */
export class ConnectionPool<T> extends EventEmitter<PoolEvents<T>> {
  private readonly options: ResolvedPoolOptions<T>;
  private readonly clock: PoolClock;
  private readonly records = new Map<T, ResourceRecord<T>>();
  private readonly idle = new IdleList<T>();
  private readonly waiters: WaiterQueue<T>;
  private readonly counters = new PoolCounters();
  private readonly registration: Registration | null;

  static {
    readForMetrics = (pool) => ({ stats: pool.stats(), counters: pool.counters, min: pool.options.min, max: pool.options.max });
  }
  private readonly creator: Creator<T>;
  private readonly destroyer: Destroyer<T>;
  private readonly housekeeper: Housekeeper<T>;
  private readonly validator: Validator<T> | undefined;
  private readonly leakDetector: LeakDetector;
  private readonly retiredObjects = new WeakSet<object>();
  private reclaimed: Set<T> | undefined = undefined;
  private state = OPEN;
  private borrowed = 0;
  private validating = 0;
  private validatingForBorrow = 0;
  // Hot-path copies of options.
  private readonly validateOnBorrow: boolean;
  private readonly bypassMs: number;
  private readonly leakMs: number;
  private readonly captureStacks: boolean;
  private readonly idleWakeMs: number;
  // One executor for every waiting acquire (no closure per call): it parks the
  // promise's resolvers here, and acquire() moves them into the Waiter.
  private nextResolve: (resource: T) => void = () => {};
  private nextReject: (error: Error) => void = () => {};
  private readonly takeResolvers = (resolve: (resource: T) => void, reject: (error: Error) => void): void => {
    this.nextResolve = resolve;
    this.nextReject = reject;
  };
  private drainPromise: Promise<DrainResult> | undefined = undefined;
  private drainDone: ((result: DrainResult) => void) | undefined = undefined;
  private drainTimer: unknown = undefined;

  /** Validates `options` (TypeError/RangeError naming the option) and starts filling to `min`. */
  constructor(options: PoolOptions<T>) {
    super();
    const o = resolvePoolOptions(options);
    this.options = o;
    this.registration = o.registry === null ? null : o.registry.register(this as ConnectionPool<unknown>, collect, o.attributes);
    this.clock = o.clock;
    this.validator = o.validate === undefined ? undefined : new Validator(o.validate, o.validateTimeoutMs, o.clock);
    this.validateOnBorrow = o.validateOnBorrow;
    this.bypassMs = o.validationBypassMs;
    this.leakMs = o.leakDetectionMs;
    this.leakDetector = new LeakDetector(o.leakStack);
    this.captureStacks = o.leakDetectionMs > 0 && this.leakDetector.capturesStacks;
    const idleWake = Math.min(o.idleTimeoutMs || Infinity, o.healthCheckIntervalMs || Infinity);
    this.idleWakeMs = idleWake;

    this.waiters = new WaiterQueue<T>(o.clock, { onExpired: (waiter, now) => this.expireWaiter(waiter, now) });
    this.destroyer = new Destroyer<T>(
      o.destroy,
      o.destroyTimeoutMs,
      o.clock,
      (error) => {
        this.counters.destroyFailures++;
        this.report(error);
      },
      () => this.checkDrained(),
    );
    this.creator = new Creator<T>(
      {
        create: o.create,
        createTimeoutMs: o.createTimeoutMs,
        maxConcurrentCreates: o.maxConcurrentCreates,
        retry: o.createRetry,
      },
      o.clock,
      o.random,
      {
        wanted: () => this.wanted(),
        accept: (resource) => this.accept(resource),
        discardLate: (resource) => this.discardLate(resource),
        failed: (error) => {
          this.counters.createFailures++;
          this.report(error);
        },
        settled: () => this.checkDrained(),
      },
    );
    this.housekeeper = new Housekeeper<T>(
      o.clock,
      {
        min: o.min,
        idleTimeoutMs: o.idleTimeoutMs,
        healthCheckIntervalMs: o.healthCheckIntervalMs,
        leakDetectionMs: o.leakDetectionMs,
      },
      {
        records: () => this.records.values(),
        size: () => this.records.size,
        retireIdle: (record, reason) => {
          this.idle.remove(record);
          this.retire(record, reason);
        },
        healthCheck: (record) => this.startHealthCheck(record),
        reportLeak: (record, now) => this.reportLeak(record, now),
        refill: () => this.creator.ensure(),
      },
    );
    this.creator.ensure();
  }

  /**
   * Borrows a resource: an idle one at once, else waits (FIFO) for one to be
   * released or created. Rejects with ERR_TIMEOUT after acquireTimeoutMs (its
   * `cause` is the last create error while creates fail), ERR_POOL_FULL when
   * maxWaiters callers already wait, ERR_ABORTED when `signal` aborts,
   * ERR_POOL_DRAINING / ERR_CLOSED once drain() has started / finished, and
   * with a TypeError for bad options (never throws synchronously).
   */
  acquire(options?: AcquireOptions): Promise<T> {
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      try {
        signal = this.checkAcquireOptions(options);
      } catch (error) {
        return Promise.reject(error);
      }
      if (signal !== undefined && signal.aborted) return Promise.reject(abortError(signal));
    }
    if (this.state !== OPEN) return Promise.reject(this.closedError());
    const stack = this.captureStacks ? this.leakDetector.capture() : null;
    const now = this.clock.now();
    let validation: Promise<boolean> | undefined;
    let candidate: ResourceRecord<T> | undefined;
    let retiredAny = false;
    if (this.waiters.live === 0) {
      while ((candidate = this.idle.pop()) !== undefined) {
        if (candidate.doomed || now >= candidate.retireAt) {
          this.retire(candidate, candidate.doomed ? 'broken' : 'lifetime');
          retiredAny = true;
          continue;
        }
        if (this.validateOnBorrow && now - candidate.lastUsedAt >= this.bypassMs && now - candidate.lastCheckedAt >= this.bypassMs) {
          const verdict = (this.validator as Validator<T>).check(candidate.resource);
          if (verdict === false) {
            this.counters.validationFailures++;
            this.retire(candidate, 'validation');
            retiredAny = true;
            continue;
          }
          if (verdict !== true) {
            validation = verdict;
            break;
          }
          candidate.lastUsedAt = now;
        }
        this.lend(candidate, now, stack);
        this.counters.acquiredImmediately();
        if (retiredAny) this.creator.ensure();
        return Promise.resolve(candidate.resource);
      }
    }
    if (this.waiters.live >= this.options.maxWaiters) {
      if (candidate !== undefined && validation !== undefined) this.beginBorrowValidation(candidate, validation);
      if (retiredAny) this.creator.ensure();
      this.counters.rejected++;
      return Promise.reject(
        new TierCacheError(ErrorCode.POOL_FULL, `ConnectionPool: ${this.waiters.live} callers are already waiting (maxWaiters)`),
      );
    }
    const promise = new Promise<T>(this.takeResolvers);
    const waiter = new Waiter<T>(this.nextResolve, this.nextReject, now, now + this.options.acquireTimeoutMs, stack);
    if (signal !== undefined) this.watchAbort(waiter, signal);
    this.waiters.push(waiter);
    if (candidate !== undefined && validation !== undefined) this.beginBorrowValidation(candidate, validation);
    this.dispatch(now);
    return promise;
  }

  /** Returns a borrowed resource. Throws ERR_POOL_DOUBLE_RELEASE / ERR_POOL_NOT_OWNED (pool unchanged) otherwise. */
  release(resource: T): void {
    const record = this.records.get(resource);
    if (record === undefined || record.state !== BORROWED) {
      if (this.wasReclaimed(resource)) return;
      throw this.releaseError(resource, record, 'release');
    }
    this.giveBack(record, undefined);
  }

  /** Returns a borrowed resource as broken: it is destroyed and replaced as needed. Same errors as release(). */
  destroy(resource: T): void {
    const record = this.records.get(resource);
    if (record === undefined || record.state !== BORROWED) {
      if (this.wasReclaimed(resource)) return;
      throw this.releaseError(resource, record, 'destroy');
    }
    this.giveBack(record, 'broken');
  }

  /**
   * Marks a resource as dead in any state, e.g. from a client's 'close' event:
   * an idle one is destroyed now, a borrowed or validating one as soon as it
   * comes back. Returns false when the pool does not hold it.
   */
  invalidate(resource: T): boolean {
    const record = this.records.get(resource);
    if (record === undefined) return false;
    if (record.state === IDLE) {
      this.idle.remove(record);
      this.retire(record, 'broken');
      this.dispatch(this.clock.now());
    } else {
      record.doomed = true;
    }
    return true;
  }

  /**
   * Acquires a resource, runs `fn` with it and always gives it back: released
   * when `fn` succeeds; when `fn` throws, validated first and destroyed if it
   * fails validation (released otherwise). Resolves/rejects as `fn` did.
   */
  async use<R>(fn: (resource: T) => R | Promise<R>, options?: AcquireOptions): Promise<R> {
    checkFunction(fn, 'fn');
    const resource = await this.acquire(options);
    const record = this.records.get(resource) as ResourceRecord<T>;
    const borrow = record.borrowCount;
    let result: R;
    try {
      result = await fn(resource);
    } catch (error) {
      await this.settleAfterError(record, borrow);
      throw error;
    }
    if (record.state === BORROWED && record.borrowCount === borrow) this.giveBack(record, undefined);
    return result;
  }

  /**
   * Stops the pool: new acquires reject (ERR_POOL_DRAINING, then ERR_CLOSED),
   * waiting callers reject with ERR_POOL_DRAINING, idle resources are destroyed,
   * borrowed ones when released, in-flight creates are aborted and their late
   * results destroyed. After `timeoutMs` (default 30 000) borrowed resources are
   * destroyed under their users (their later release is ignored). Always
   * resolves; every timer is released so the process can exit.
   */
  drain(options?: DrainOptions): Promise<DrainResult> {
    if (this.drainPromise !== undefined) return this.drainPromise;
    const o = checkOptionsObject(options, 'options');
    checkKnownKeys(o, 'options', ['timeoutMs']);
    const timeoutMs = o.timeoutMs === undefined ? 30_000 : checkNumber(o.timeoutMs, 'options.timeoutMs', 0, MAX_DURATION_MS);
    this.state = DRAINING;
    this.registration?.unregister();
    this.drainPromise = new Promise<DrainResult>((resolve) => {
      this.drainDone = resolve;
    });
    this.drainTimer = this.clock.setTimer(() => this.forceClose(), timeoutMs, true);
    const draining = new TierCacheError(ErrorCode.POOL_DRAINING, 'ConnectionPool is draining');
    for (const waiter of this.waiters.takeAll()) {
      this.unwatchAbort(waiter);
      waiter.reject(draining);
    }
    this.creator.stop(draining);
    this.housekeeper.stop();
    for (const record of this.idle.takeAll()) this.retire(record, 'drain');
    this.checkDrained();
    return this.drainPromise;
  }

  /** A snapshot of gauges and counters (cheap; meant to be read at metrics scrape time). */
  stats(): PoolStats {
    const c = this.counters;
    return {
      state: STATE_NAMES[this.state],
      size: this.records.size,
      idle: this.idle.length,
      borrowed: this.borrowed,
      validating: this.validating,
      pendingCreates: this.creator.pending,
      waiting: this.waiters.live,
      destroying: this.destroyer.pending,
      created: c.created,
      destroyed: c.destroyed,
      acquired: c.acquired,
      released: c.released,
      timeouts: c.timeouts,
      aborted: c.aborted,
      rejected: c.rejected,
      createAttempts: this.creator.attempts,
      createFailures: c.createFailures,
      validationFailures: c.validationFailures,
      leaks: c.leaks,
      destroyFailures: c.destroyFailures,
      acquireWait: c.waitSummary(),
    };
  }

  // ---- hand-out ----

  private lend(record: ResourceRecord<T>, now: number, stack: Error | null): void {
    record.state = BORROWED;
    record.borrowedAt = now;
    record.borrowCount++;
    record.acquireStack = stack;
    record.leakReported = false;
    this.borrowed++;
    if (this.leakMs > 0) this.housekeeper.wake(now + this.leakMs);
    this.emit('acquire', record.resource);
  }

  /** Hands `record` to the oldest waiter (or back to idle when none is left). */
  private serveHead(record: ResourceRecord<T>, now: number): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.makeIdle(record, now, false);
      return;
    }
    if (waiter.signal !== undefined) this.unwatchAbort(waiter);
    this.lend(record, now, waiter.acquireStack);
    this.counters.acquiredAfter(now - waiter.enqueuedAt);
    waiter.resolve(record.resource);
  }

  /** Serves waiters from idle resources while both exist, then asks for creates. */
  private dispatch(now: number): void {
    while (this.waiters.live > this.validatingForBorrow && this.idle.length > 0) {
      const record = this.idle.pop() as ResourceRecord<T>;
      if (record.doomed || now >= record.retireAt) {
        this.retire(record, record.doomed ? 'broken' : 'lifetime');
        continue;
      }
      if (this.validateOnBorrow && now - record.lastUsedAt >= this.bypassMs && now - record.lastCheckedAt >= this.bypassMs) {
        const verdict = (this.validator as Validator<T>).check(record.resource);
        if (verdict === false) {
          this.counters.validationFailures++;
          this.retire(record, 'validation');
          continue;
        }
        if (verdict !== true) {
          this.beginBorrowValidation(record, verdict);
          continue;
        }
        record.lastUsedAt = now;
      }
      this.serveHead(record, now);
    }
    this.creator.ensure();
  }

  private makeIdle(record: ResourceRecord<T>, now: number, bottom: boolean): void {
    record.state = IDLE;
    if (bottom) this.idle.pushBottom(record);
    else this.idle.push(record);
    this.housekeeper.wake(Math.min(now + this.idleWakeMs, record.retireAt));
  }

  /** A resource became available (created, validated): to a waiter, else idle. */
  private makeAvailable(record: ResourceRecord<T>, now: number, bottom: boolean): void {
    if (this.waiters.live > 0) this.serveHead(record, now);
    else this.makeIdle(record, now, bottom);
    this.dispatch(now);
  }

  private giveBack(record: ResourceRecord<T>, brokenReason: DestroyReason | undefined): void {
    this.borrowed--;
    this.counters.released++;
    record.acquireStack = null;
    const now = this.clock.now();
    record.lastUsedAt = now;
    if (brokenReason !== undefined || record.doomed || now >= record.retireAt || this.state !== OPEN) {
      this.retire(
        record,
        brokenReason ?? (record.doomed ? 'broken' : this.state !== OPEN ? 'drain' : 'lifetime'),
      );
      if (this.state === OPEN) this.dispatch(now);
      else this.checkDrained();
      return;
    }
    if (this.waiters.live > 0) this.serveHead(record, now);
    else this.makeIdle(record, now, false);
  }

  // ---- validation ----

  private beginBorrowValidation(record: ResourceRecord<T>, verdict: Promise<boolean>): void {
    record.state = VALIDATING;
    record.validatingForBorrow = true;
    this.validating++;
    this.validatingForBorrow++;
    verdict.then((ok) => this.finishValidation(record, ok));
  }

  private startHealthCheck(record: ResourceRecord<T>): void {
    this.idle.remove(record);
    const verdict = (this.validator as Validator<T>).check(record.resource);
    record.state = VALIDATING;
    record.validatingForBorrow = false;
    this.validating++;
    if (typeof verdict === 'boolean') this.finishValidation(record, verdict);
    else verdict.then((ok) => this.finishValidation(record, ok));
  }

  private finishValidation(record: ResourceRecord<T>, ok: boolean): void {
    if (record.state !== VALIDATING) return; // destroyed by a drain that timed out
    const forBorrow = record.validatingForBorrow;
    record.validatingForBorrow = false;
    this.validating--;
    if (forBorrow) this.validatingForBorrow--;
    const now = this.clock.now();
    if (!ok) {
      this.counters.validationFailures++;
      this.retire(record, 'validation');
    } else if (record.doomed || this.state !== OPEN || now >= record.retireAt) {
      this.retire(record, record.doomed ? 'broken' : this.state !== OPEN ? 'drain' : 'lifetime');
    } else {
      if (forBorrow) record.lastUsedAt = now;
      else record.lastCheckedAt = now;
      this.makeAvailable(record, now, !forBorrow);
      return;
    }
    if (this.state === OPEN) this.dispatch(now);
    else this.checkDrained();
  }

  private async settleAfterError(record: ResourceRecord<T>, borrow: number): Promise<void> {
    let ok = true;
    if (this.validator !== undefined) {
      ok = await this.validator.check(record.resource);
      if (!ok) this.counters.validationFailures++;
    }
    if (record.state === BORROWED && record.borrowCount === borrow) this.giveBack(record, ok ? undefined : 'validation');
  }

  // ---- creation and destruction ----

  /** Resources to create now: waiters not covered by validations, or the deficit to min; capped by max. */
  private wanted(): number {
    if (this.state !== OPEN) return 0;
    const live = this.records.size;
    const inFlight = this.creator.pending;
    const room = this.options.max - live - inFlight;
    if (room <= 0) return 0;
    const demand = Math.max(this.waiters.live - this.validating, this.options.min - live) - inFlight;
    return demand < room ? demand : room;
  }

  private accept(resource: T): Error | undefined {
    if (resource === undefined || resource === null || this.records.has(resource)) {
      const error = new TierCacheError(
        ErrorCode.POOL_INVALID_RESOURCE,
        `ConnectionPool: create resolved to ${resource === undefined || resource === null ? String(resource) : 'a resource the pool already holds'}`,
      );
      return error;
    }
    const now = this.clock.now();
    const o = this.options;
    const record = new ResourceRecord(resource, now, retirementTime(now, o.maxLifetimeMs, o.maxLifetimeJitterMs, o.random));
    this.counters.created++;
    this.records.set(resource, record);
    this.emit('create', resource);
    if (this.state !== OPEN) {
      this.retire(record, 'drain');
      return undefined;
    }
    this.makeAvailable(record, now, false);
    return undefined;
  }

  private discardLate(resource: T): void {
    if (resource === undefined || resource === null) return;
    this.counters.created++;
    this.counters.destroyed++;
    this.emit('destroy', resource, 'late-create');
    this.destroyer.run(resource);
  }

  private retire(record: ResourceRecord<T>, reason: DestroyReason): void {
    const resource = record.resource;
    record.state = RETIRED;
    record.acquireStack = null;
    this.records.delete(resource);
    this.counters.destroyed++;
    if (isObjectLike(resource)) this.retiredObjects.add(resource);
    this.emit('destroy', resource, reason);
    this.destroyer.run(resource);
  }

  // ---- waiters ----

  private watchAbort(waiter: Waiter<T>, signal: AbortSignal): void {
    waiter.signal = signal;
    waiter.onAbort = () => {
      if (waiter.settled) return;
      this.waiters.remove(waiter);
      this.counters.aborted++;
      waiter.reject(abortError(signal));
    };
    signal.addEventListener('abort', waiter.onAbort, { once: true });
  }

  private unwatchAbort(waiter: Waiter<T>): void {
    if (waiter.signal !== undefined && waiter.onAbort !== undefined) waiter.signal.removeEventListener('abort', waiter.onAbort);
  }

  private expireWaiter(waiter: Waiter<T>, now: number): void {
    this.unwatchAbort(waiter);
    this.counters.timeouts++;
    const cause = this.creator.failingWith;
    const waitedMs = now - waiter.enqueuedAt;
    const detail = cause === undefined ? '' : `; creates are failing: ${cause.message}`;
    waiter.reject(
      new TierCacheError(
        ErrorCode.TIMEOUT,
        `ConnectionPool.acquire timed out after ${this.options.acquireTimeoutMs} ms (${this.borrowed} of max ${this.options.max} borrowed, ${this.waiters.live} still waiting${detail})`,
        { cause },
      ),
    );
    this.emit('timeout', { waitedMs, cause });
  }

  private checkAcquireOptions(options: AcquireOptions): AbortSignal | undefined {
    const o = checkOptionsObject(options, 'options');
    checkKnownKeys(o, 'options', ['signal']);
    return checkOptionalSignal(o.signal, 'options.signal');
  }

  // ---- errors, leaks, drain ----

  private report(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error instanceof Error ? error : new Error(String(error)));
  }

  private reportLeak(record: ResourceRecord<T>, now: number): void {
    record.leakReported = true;
    this.counters.leaks++;
    const stack = this.leakDetector.format(record.acquireStack);
    this.emit('leak', { resource: record.resource, heldMs: now - record.borrowedAt, stack });
  }

  private closedError(): TierCacheError {
    return this.state === DRAINING
      ? new TierCacheError(ErrorCode.POOL_DRAINING, 'ConnectionPool is draining')
      : new TierCacheError(ErrorCode.CLOSED, 'ConnectionPool is closed');
  }

  private releaseError(resource: T, record: ResourceRecord<T> | undefined, method: string): TierCacheError {
    if (record !== undefined || (isObjectLike(resource) && this.retiredObjects.has(resource))) {
      return new TierCacheError(ErrorCode.POOL_DOUBLE_RELEASE, `ConnectionPool.${method}: the resource is not borrowed (already released)`);
    }
    return new TierCacheError(ErrorCode.POOL_NOT_OWNED, `ConnectionPool.${method}: the resource does not belong to this pool`);
  }

  private wasReclaimed(resource: T): boolean {
    return this.reclaimed !== undefined && this.reclaimed.delete(resource);
  }

  private checkDrained(): void {
    if (this.state !== DRAINING) return;
    if (this.borrowed > 0 || this.validating > 0 || this.creator.pending > 0 || this.creator.abandoned > 0 || this.destroyer.pending > 0) {
      return;
    }
    this.finishDrain({ forcedDestroys: 0, abandonedCreates: 0, hungDestroys: 0 });
  }

  private forceClose(): void {
    this.drainTimer = undefined;
    if (this.state !== DRAINING) return;
    const hungDestroys = this.destroyer.pending;
    let forcedDestroys = 0;
    for (const record of this.records.values()) {
      if (record.state === BORROWED) {
        this.reclaimed ??= new Set();
        this.reclaimed.add(record.resource);
        this.borrowed--;
        forcedDestroys++;
      } else if (record.state === VALIDATING) {
        this.validating--;
        if (record.validatingForBorrow) this.validatingForBorrow--;
      }
      this.retire(record, 'drain');
    }
    this.finishDrain({
      forcedDestroys,
      abandonedCreates: this.creator.pending + this.creator.abandoned,
      hungDestroys,
    });
  }

  private finishDrain(result: DrainResult): void {
    this.state = CLOSED;
    if (this.drainTimer !== undefined) this.clock.clearTimer(this.drainTimer);
    this.drainTimer = undefined;
    this.waiters.stop();
    this.housekeeper.stop();
    const done = this.drainDone;
    this.drainDone = undefined;
    done?.(result);
  }
}
