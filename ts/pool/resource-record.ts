/**
 * The pool's bookkeeping for one resource and its state machine:
 *
 *   create ok ──► IDLE ◄──────────── release / validation ok
 *                  │  ▲                      ▲
 *        acquire   │  │ health check ok      │
 *                  ▼  │                      │
 *   BORROWED ◄── VALIDATING (on borrow, health check)
 *      │                 │ fail / timeout
 *      ▼ release         ▼
 *   (retire if doomed, past its lifetime or draining) ──► RETIRED (destroy started)
 *
 * A borrowed resource is never destroyed under its user (except by a drain
 * that times out): retirement and invalidation mark it `doomed` and it is
 * destroyed on release.
 */

/** In the idle list, ready to hand out. */
export const IDLE = 0;
/** Handed to a caller. */
export const BORROWED = 1;
/** Being validated; `validatingForBorrow` says on whose behalf. */
export const VALIDATING = 2;
/** Left the pool; its destroy has started. */
export const RETIRED = 3;

/** One of IDLE, BORROWED, VALIDATING, RETIRED. */
export type ResourceState = typeof IDLE | typeof BORROWED | typeof VALIDATING | typeof RETIRED;

/** Bookkeeping for one live resource (monomorphic: all fields set in the constructor). */
export class ResourceRecord<T> {
  state: ResourceState = IDLE;
  /** When it was last known good: released, created or validated. */
  lastUsedAt: number;
  /** When a health check last validated it. */
  lastCheckedAt: number;
  /** When the current borrow started. */
  borrowedAt = 0;
  /** Incremented at every borrow: lets use() tell its own borrow from a later one. */
  borrowCount = 0;
  /** The acquire stack of the current borrow (formatted only if a leak is reported). */
  acquireStack: Error | null = null;
  /** Whether the current borrow was reported as a leak. */
  leakReported = false;
  /** Destroy at the next opportunity (invalidated, or retired while borrowed). */
  doomed = false;
  /** Whether the running validation serves a waiting acquire (else it is a health check). */
  validatingForBorrow = false;

  constructor(
    readonly resource: T,
    readonly createdAt: number,
    /** Jittered end of life: retired when idle or released at or after it. */
    readonly retireAt: number,
  ) {
    this.lastUsedAt = createdAt;
    this.lastCheckedAt = createdAt;
  }
}
