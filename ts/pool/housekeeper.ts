/**
 * Background maintenance on one lazily armed timer (never one per acquire):
 * lifetime retirement of idle resources, idle reaping down to min (oldest
 * first), health checks of idle resources, and leak detection of borrowed
 * ones. Each sweep handles what is due and arms the timer for the earliest
 * next due time; the pool also wakes it when a release or borrow creates an
 * earlier one.
 */
import type { PoolClock } from './clock.js';
import { DeadlineTimer } from './deadline-timer.js';
import { BORROWED, IDLE, type ResourceRecord } from './resource-record.js';
import type { DestroyReason } from './types.js';

/** What the housekeeper asks of its pool. */
export interface HousekeeperHost<T> {
  /** Every live resource. */
  records(): Iterable<ResourceRecord<T>>;
  /** Live resources (idle + borrowed + validating). */
  size(): number;
  /** Removes an idle resource from the pool and destroys it. */
  retireIdle(record: ResourceRecord<T>, reason: DestroyReason): void;
  /** Starts the health check of an idle resource. */
  healthCheck(record: ResourceRecord<T>): void;
  /** Reports a borrowed resource held past leakDetectionMs. */
  reportLeak(record: ResourceRecord<T>, now: number): void;
  /** Starts creates if the pool is below min. */
  refill(): void;
}

/** Maintenance settings (0 disables a task). */
export interface HousekeeperPolicy {
  min: number;
  idleTimeoutMs: number;
  healthCheckIntervalMs: number;
  leakDetectionMs: number;
}

/** Runs the maintenance sweep when something is due. */
export class Housekeeper<T> {
  private readonly timer: DeadlineTimer;
  private stopped = false;

  constructor(
    clock: PoolClock,
    private readonly policy: HousekeeperPolicy,
    private readonly host: HousekeeperHost<T>,
  ) {
    this.timer = new DeadlineTimer(clock, (now) => this.sweep(now), false);
  }

  /** Makes sure a sweep runs no later than `at`. */
  wake(at: number): void {
    if (at !== Number.POSITIVE_INFINITY && !this.stopped) this.timer.wakeAt(at);
  }

  /** Stops all maintenance (drain). */
  stop(): void {
    this.stopped = true;
    this.timer.cancel();
  }

  /** Handles everything due at `now` and arms the timer for what comes next. */
  sweep(now: number): void {
    if (this.stopped) return;
    const { idleTimeoutMs, healthCheckIntervalMs, leakDetectionMs } = this.policy;
    let next = Number.POSITIVE_INFINITY;
    const idle: ResourceRecord<T>[] = [];
    for (const record of this.host.records()) {
      if (record.state === IDLE) {
        if (record.doomed || now >= record.retireAt) {
          this.host.retireIdle(record, record.doomed ? 'broken' : 'lifetime');
        } else {
          idle.push(record);
        }
      } else if (record.state === BORROWED && leakDetectionMs > 0 && !record.leakReported) {
        const due = record.borrowedAt + leakDetectionMs;
        if (due <= now) this.host.reportLeak(record, now);
        else if (due < next) next = due;
      }
    }

    let kept = idle;
    if (idleTimeoutMs > 0) {
      let excess = this.host.size() - this.policy.min;
      kept = [];
      idle.sort((a, b) => a.lastUsedAt - b.lastUsedAt);
      for (const record of idle) {
        if (excess > 0 && now - record.lastUsedAt >= idleTimeoutMs) {
          this.host.retireIdle(record, 'idle');
          excess--;
        } else {
          kept.push(record);
          // Resources held at min are not reaped, so their idle time schedules nothing.
          if (excess > 0 && record.lastUsedAt + idleTimeoutMs > now) next = Math.min(next, record.lastUsedAt + idleTimeoutMs);
        }
      }
    }

    for (const record of kept) {
      if (healthCheckIntervalMs > 0) {
        const due = Math.max(record.lastUsedAt, record.lastCheckedAt) + healthCheckIntervalMs;
        if (due <= now) {
          this.host.healthCheck(record);
          continue;
        }
        if (due < next) next = due;
      }
      if (record.retireAt < next) next = record.retireAt;
    }

    this.host.refill();
    this.wake(next);
  }
}
