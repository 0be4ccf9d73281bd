/**
 * The one source of time of the components that wait (ConnectionPool,
 * BatchProcessor): a monotonic clock plus one-shot timers. Injectable so
 * tests drive time-based behaviour (timeouts, windows, retirement, health
 * checks, leak detection) deterministically with {@link ManualClock}.
 */
import { performance } from 'node:perf_hooks';
import { checkFunction, checkOptionsObject } from './validate.js';

/** An opaque handle returned by {@link Clock.setTimer}. */
export type TimerHandle = unknown;

/** Monotonic time in milliseconds and one-shot timers, as the components use them. */
export interface Clock {
  /** Monotonic milliseconds (any origin; only differences matter). */
  now(): number;
  /**
   * Calls `callback` once after `delayMs`. `keepAlive: false` must not keep the
   * process alive (background maintenance); `true` may (a caller is waiting).
   */
  setTimer(callback: () => void, delayMs: number, keepAlive: boolean): TimerHandle;
  /** Cancels a timer that has not fired yet; a no-op for one that has. */
  clearTimer(handle: TimerHandle): void;
}

// setTimeout fires at once for delays above 2^31-1 ms; callers re-check their
// deadline when a timer fires, so clamping only adds a harmless early wake-up.
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The real clock: `performance.now()` and Node timers (unref'd unless keepAlive). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(callback, delayMs, keepAlive) {
    const handle = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS));
    if (!keepAlive) handle.unref();
    return handle;
  },
  clearTimer(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

interface ManualTimer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock that only moves when told to, for deterministic tests of anything
 * that takes a {@link Clock} (`options.clock` of ConnectionPool and BatchProcessor).
 *
 * @example
 * const clock = new ManualClock();
 * const pool = new ConnectionPool({ create, destroy, clock });
 * await clock.advance(30_000); // fires every timer due in the next 30 s, in order
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  /** @param startMs the initial reading of {@link now}. */
  constructor(startMs = 0) {
    this.current = startMs;
  }

  /** The current manual time in milliseconds. */
  now(): number {
    return this.current;
  }

  /** Registers a timer due at now() + delayMs (keepAlive is irrelevant here). */
  setTimer(callback: () => void, delayMs: number, _keepAlive: boolean): TimerHandle {
    const timer = { id: this.nextId++, due: this.current + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return timer.id;
  }

  /** Cancels a pending timer. */
  clearTimer(handle: TimerHandle): void {
    const index = this.timers.findIndex((t) => t.id === handle);
    if (index >= 0) this.timers.splice(index, 1);
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way in
   * due order (ties in creation order) at its own due time, and letting promise
   * callbacks settle (one macrotask) after each, so that timers those callbacks
   * set inside the window fire too.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`ms must be a non-negative number, got ${ms}`);
    const target = this.current + ms;
    await macrotask();
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.due <= target && (next === undefined || t.due < next.due || (t.due === next.due && t.id < next.id))) next = t;
      }
      if (next === undefined) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.current = Math.max(this.current, next.due);
      next.callback();
      await macrotask();
    }
    this.current = target;
    await macrotask();
  }
}

/** Validates `options.clock` (an object with now, setTimer and clearTimer); undefined yields {@link systemClock}. */
export function checkClock(value: unknown, name = 'options.clock'): Clock {
  if (value === undefined) return systemClock;
  const clock = checkOptionsObject(value, name);
  for (const method of ['now', 'setTimer', 'clearTimer']) {
    checkFunction(clock[method], `${name}.${method}`);
  }
  return value as Clock;
}
