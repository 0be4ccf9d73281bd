import type { PoolClock, TimerHandle } from './clock.js';

/**
 * One lazily armed timer for a whole family of deadlines (all waiters, all
 * maintenance work), instead of one timer per acquire. `wakeAt(t)` costs a
 * comparison unless `t` is earlier than the time already armed; when the timer
 * fires, the owner handles everything due and calls `wakeAt` for what is next.
 */
export class DeadlineTimer {
  private handle: TimerHandle | undefined = undefined;
  private armedAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: PoolClock,
    private readonly onDue: (now: number) => void,
    private readonly keepAlive: boolean,
  ) {}

  /** Makes sure the timer fires no later than `at` (clock time). */
  wakeAt(at: number): void {
    if (at >= this.armedAt) return;
    if (this.handle !== undefined) this.clock.clearTimer(this.handle);
    this.armedAt = at;
    this.handle = this.clock.setTimer(this.fire, at - this.clock.now(), this.keepAlive);
  }

  /** Disarms the timer. */
  cancel(): void {
    if (this.handle !== undefined) this.clock.clearTimer(this.handle);
    this.handle = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  /** Whether a wake-up is pending. */
  get armed(): boolean {
    return this.handle !== undefined;
  }

  private readonly fire = (): void => {
    this.handle = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    this.onDue(this.clock.now());
  };
}
