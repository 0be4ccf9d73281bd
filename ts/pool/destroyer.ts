/**
 * Runs the user's `destroy` in the background with a deadline, so a destroy
 * that throws, rejects or hangs never blocks the pool or corrupts its counts:
 * the failure is reported and the destroy counted as settled.
 */
import { ErrorCode, TierCacheError } from '../common/errors.js';
import type { PoolClock } from './clock.js';

/** Background destroys with a deadline. */
export class Destroyer<T> {
  /** Destroys started and not yet settled (nor given up on). */
  pending = 0;

  constructor(
    private readonly destroy: (resource: T) => void | Promise<void>,
    private readonly timeoutMs: number,
    private readonly clock: PoolClock,
    private readonly onFailure: (error: unknown) => void,
    private readonly onSettled: () => void,
  ) {}

  /** Starts destroying `resource`. */
  run(resource: T): void {
    this.pending++;
    let done = false;
    const finish = (error: unknown, failed: boolean): void => {
      if (done) return;
      done = true;
      this.clock.clearTimer(timer);
      this.pending--;
      if (failed) this.onFailure(error);
      this.onSettled();
    };
    const timer = this.clock.setTimer(
      () =>
        finish(
          new TierCacheError(ErrorCode.POOL_DESTROY_TIMEOUT, `ConnectionPool: destroy did not settle within ${this.timeoutMs} ms`),
          true,
        ),
      this.timeoutMs,
      false,
    );
    new Promise<void>((resolve) => resolve(this.destroy(resource))).then(
      () => finish(undefined, false),
      (error: unknown) => finish(error, true),
    );
  }
}
