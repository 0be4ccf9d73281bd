/**
 * The background creator. Callers never wait on a create they started: the
 * pool asks for resources (`ensure`), the creator starts at most
 * maxConcurrentCreates at a time while there is demand, backs off after
 * failures (no hot loop against a dead backend), abandons a create that passes
 * createTimeoutMs (its late result is handed back to be destroyed) and stops
 * when demand is gone.
 */
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import type { PoolClock, TimerHandle } from './clock.js';
import { DeadlineTimer } from './deadline-timer.js';
import type { CreateContext } from './types.js';

/** What the creator asks of its pool. */
export interface CreatorHost<T> {
  /** How many more resources are wanted now, beyond those live and in flight (<= 0: none). */
  wanted(): number;
  /** A create succeeded in time: the resource joins the pool, or an Error if it is unusable. */
  accept(resource: T): Error | undefined;
  /** A create settled after it was abandoned: the resource must be destroyed. */
  discardLate(resource: T): void;
  /** A create failed or timed out. */
  failed(error: Error): void;
  /** In-flight or abandoned counts went down (drain waits on them). */
  settled(): void;
}

/** Creator settings. */
export interface CreatorPolicy {
  create: (context: CreateContext) => unknown;
  createTimeoutMs: number;
  maxConcurrentCreates: number;
  retry: BackoffPolicy;
}

class Attempt {
  readonly controller = new AbortController();
  timer: TimerHandle = undefined;
  abandoned = false;
  done = false;
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(`create failed: ${String(value)}`);
}

/** Starts creates in the background as demand requires. */
export class Creator<T> {
  /** Creates in flight that count toward max. */
  pending = 0;
  /** Creates given up on (timeout, drain) that have not settled yet. */
  abandoned = 0;
  /** Attempts started. */
  attempts = 0;
  /** Consecutive failures (0 after a success). */
  failureStreak = 0;
  /** The last failure, kept as the `cause` of acquire timeouts while creates fail. */
  lastError: Error | undefined = undefined;
  private retryAt = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly inFlight = new Set<Attempt>();
  private readonly retryTimer: DeadlineTimer;

  constructor(
    private readonly policy: CreatorPolicy,
    private readonly clock: PoolClock,
    private readonly random: () => number,
    private readonly host: CreatorHost<T>,
  ) {
    this.retryTimer = new DeadlineTimer(clock, () => this.ensure(), false);
  }

  /** The last error while creates are failing, else undefined. */
  get failingWith(): Error | undefined {
    return this.failureStreak > 0 ? this.lastError : undefined;
  }

  /** Starts as many creates as demand, room, concurrency and backoff allow. */
  ensure(): void {
    if (this.stopped || this.pending >= this.policy.maxConcurrentCreates) return;
    let wanted = this.host.wanted();
    if (wanted <= 0) return;
    if (this.failureStreak > 0) {
      // While failing, one probe at a time, each after its backoff delay.
      if (this.pending > 0) return;
      if (this.clock.now() < this.retryAt) {
        this.retryTimer.wakeAt(this.retryAt);
        return;
      }
    }
    while (wanted > 0 && this.pending < this.policy.maxConcurrentCreates) {
      this.start();
      wanted--;
      if (this.failureStreak > 0) break;
    }
  }

  /** Stops creating (drain): aborts in-flight creates, whose results will be destroyed. */
  stop(reason: Error): void {
    this.stopped = true;
    this.retryTimer.cancel();
    for (const attempt of this.inFlight) attempt.controller.abort(reason);
  }

  private start(): void {
    const attempt = new Attempt();
    this.pending++;
    this.attempts++;
    this.inFlight.add(attempt);
    attempt.timer = this.clock.setTimer(() => this.timeOut(attempt), this.policy.createTimeoutMs, false);
    const context: CreateContext = { signal: attempt.controller.signal };
    new Promise<T>((resolve) => resolve(this.policy.create(context) as T | Promise<T>)).then(
      (resource) => this.succeeded(attempt, resource),
      (error: unknown) => this.failedAttempt(attempt, asError(error)),
    );
  }

  private succeeded(attempt: Attempt, resource: T): void {
    attempt.done = true;
    this.inFlight.delete(attempt);
    if (attempt.abandoned) {
      this.abandoned--;
      this.host.discardLate(resource);
      this.host.settled();
      return;
    }
    this.clock.clearTimer(attempt.timer);
    this.pending--;
    const problem = this.host.accept(resource);
    if (problem === undefined) {
      this.failureStreak = 0;
    } else {
      this.recordFailure(problem);
    }
    this.host.settled();
    this.ensure();
  }

  private failedAttempt(attempt: Attempt, error: Error): void {
    attempt.done = true;
    this.inFlight.delete(attempt);
    if (attempt.abandoned) {
      this.abandoned--;
      this.host.settled();
      return;
    }
    this.clock.clearTimer(attempt.timer);
    this.pending--;
    // A create aborted by stop() is not a backend failure.
    if (!this.stopped) this.recordFailure(error);
    this.host.settled();
    this.ensure();
  }

  private timeOut(attempt: Attempt): void {
    if (attempt.done) return;
    attempt.abandoned = true;
    this.pending--;
    this.abandoned++;
    const error = new TierCacheError(
      ErrorCode.POOL_CREATE_TIMEOUT,
      `ConnectionPool: create did not settle within createTimeoutMs (${this.policy.createTimeoutMs} ms)`,
    );
    attempt.controller.abort(error);
    this.recordFailure(error);
    this.host.settled();
    this.ensure();
  }

  private recordFailure(error: Error): void {
    this.failureStreak++;
    this.lastError = error;
    this.retryAt = this.clock.now() + backoffDelay(this.policy.retry, this.failureStreak, this.random);
    this.host.failed(error);
  }
}
