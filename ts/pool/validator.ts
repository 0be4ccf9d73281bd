/**
 * Runs the user's `validate` with a deadline. A resource is valid unless
 * validate returns false, throws, rejects, or does not settle within
 * validateTimeoutMs. A synchronous verdict stays synchronous, so a cheap
 * check (e.g. a socket state flag) costs no promise on the acquire path.
 */
import type { PoolClock } from './clock.js';

/** Validates resources, synchronously when the user's validate allows it. */
export class Validator<T> {
  constructor(
    private readonly validate: (resource: T) => boolean | Promise<boolean>,
    private readonly timeoutMs: number,
    private readonly clock: PoolClock,
  ) {}

  /** The verdict: a boolean when validate returned one, else a promise that never rejects. */
  check(resource: T): boolean | Promise<boolean> {
    let result: unknown;
    try {
      result = this.validate(resource);
    } catch {
      return false;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      return this.withDeadline(result as PromiseLike<unknown>);
    }
    return result !== false;
  }

  private withDeadline(pending: PromiseLike<unknown>): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = this.clock.setTimer(() => resolve(false), this.timeoutMs, false);
      pending.then(
        (value) => {
          this.clock.clearTimer(timer);
          resolve(value !== false);
        },
        () => {
          this.clock.clearTimer(timer);
          resolve(false);
        },
      );
    });
  }
}
