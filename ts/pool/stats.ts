/**
 * The pool's counters: plain numeric fields bumped on the hot path and read
 * only when stats() is called (e.g. by a metrics registry at scrape time).
 */
import type { WaitTimeSummary } from './types.js';

/** Upper bounds (ms) of the acquire wait-time histogram buckets; the last bucket is +Infinity. */
export const WAIT_BUCKETS_MS: readonly number[] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];

/** Monotonic counters (never decrease) of one pool. */
export class PoolCounters {
  created = 0;
  destroyed = 0;
  acquired = 0;
  released = 0;
  timeouts = 0;
  aborted = 0;
  rejected = 0;
  createAttempts = 0;
  createFailures = 0;
  validationFailures = 0;
  leaks = 0;
  destroyFailures = 0;
  waitSumMs = 0;
  waitMaxMs = 0;
  /** Per-bucket (not cumulative) counts; index WAIT_BUCKETS_MS.length is the +Infinity bucket. */
  readonly waitBuckets = new Float64Array(WAIT_BUCKETS_MS.length + 1);

  /** Counts an acquire served without waiting. */
  acquiredImmediately(): void {
    this.acquired++;
    this.waitBuckets[0]++;
  }

  /** Counts an acquire served after waiting `waitedMs`. */
  acquiredAfter(waitedMs: number): void {
    this.acquired++;
    this.waitSumMs += waitedMs;
    if (waitedMs > this.waitMaxMs) this.waitMaxMs = waitedMs;
    let bucket = 0;
    while (bucket < WAIT_BUCKETS_MS.length && waitedMs > WAIT_BUCKETS_MS[bucket]) bucket++;
    this.waitBuckets[bucket]++;
  }

  /** The wait-time summary with a cumulative histogram. */
  waitSummary(): WaitTimeSummary {
    const buckets: WaitTimeSummary['buckets'] = [];
    let cumulative = 0;
    for (let i = 0; i <= WAIT_BUCKETS_MS.length; i++) {
      cumulative += this.waitBuckets[i];
      buckets.push({ leMs: i < WAIT_BUCKETS_MS.length ? WAIT_BUCKETS_MS[i] : Number.POSITIVE_INFINITY, count: cumulative });
    }
    return { count: this.acquired, sumMs: this.waitSumMs, maxMs: this.waitMaxMs, buckets };
  }
}
