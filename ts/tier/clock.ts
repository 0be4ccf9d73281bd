/**
 * Time in TierCache. Two sources, on purpose:
 * - the injectable {@link TierClock} (wall-clock milliseconds by default, a
 *   ManualClock in tests) for everything a user states in options: TTLs,
 *   grace, jitter, refresh-ahead, loader soft/hard timeouts and lock waits.
 *   Envelope times are absolute readings of it, so the default must be
 *   comparable across processes: Date.now(), not performance.now().
 * - real monotonic time ({@link monotonicMs}) and real timers for liveness:
 *   Redis command deadlines, the circuit breaker, heartbeats and the
 *   coherence trust window. Those guard against hangs and must fire in tests
 *   whose ManualClock stands still.
 */
import { performance } from 'node:perf_hooks';
import type { PoolClock, TimerHandle } from '../pool/clock.js';

/** The clock TierCache reads for TTLs and loader timeouts (same shape as the pool's clock, so ManualClock fits). */
export type TierClock = PoolClock;

// setTimeout fires at once above 2^31-1 ms; callers re-check when a timer fires.
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Default TierClock: Date.now() and Node timers (unref'd unless keepAlive). */
export const wallClock: TierClock = {
  now: () => Date.now(),
  setTimer(callback, delayMs, keepAlive) {
    const handle = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS));
    if (!keepAlive) handle.unref();
    return handle;
  },
  clearTimer(handle: TimerHandle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** Real monotonic milliseconds (liveness only). */
export function monotonicMs(): number {
  return performance.now();
}

/** A cancellable wait on `clock`: resolves after `ms` (or at once when cancelled). */
export interface Sleep {
  readonly promise: Promise<void>;
  cancel(): void;
}

/** Sleeps `ms` on `clock`. The timer keeps the process alive: a caller is waiting on it. */
export function sleep(clock: TierClock, ms: number): Sleep {
  let handle: TimerHandle;
  let wake: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    wake = resolve;
    handle = clock.setTimer(resolve, ms, true);
  });
  return {
    promise,
    cancel() {
      clock.clearTimer(handle);
      wake();
    },
  };
}
