/**
 * Running a user loader under the hard timeout: the loader gets an
 * AbortSignal that fires at the deadline (so a cooperative loader stops and
 * releases what it holds); its late result or rejection is absorbed.
 */
import { ErrorCode, TierCacheError } from '../common/errors.js';
import type { TierClock } from './clock.js';

/** What a loader receives besides the key(s). */
export interface LoaderContext {
  /** Aborted at the hard timeout (and when the cache closes). */
  signal: AbortSignal;
}

/** Runs `call` with a signal; rejects with ERR_TIER_LOADER_TIMEOUT after `hardTimeoutMs` on `clock`. */
export function runWithHardTimeout<T>(
  clock: TierClock,
  hardTimeoutMs: number,
  what: string,
  closing: AbortSignal,
  call: (context: LoaderContext) => T | PromiseLike<T>,
): Promise<T> {
  const controller = new AbortController();
  let onClose: () => void = () => {};
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    onClose = (): void => {
      if (settled) return;
      finish();
      controller.abort(closing.reason);
      reject(closing.reason);
    };
    if (closing.aborted) {
      reject(closing.reason);
      return;
    }
    closing.addEventListener('abort', onClose);
    const finish = (): void => {
      settled = true;
      clock.clearTimer(timer);
      closing.removeEventListener('abort', onClose);
    };
    const timer = clock.setTimer(
      () => {
        if (settled) return;
        finish();
        const error = new TierCacheError(ErrorCode.TIER_LOADER_TIMEOUT, `${what}: the loader did not settle within ${hardTimeoutMs} ms (hardTimeoutMs)`);
        controller.abort(error);
        reject(error);
      },
      hardTimeoutMs,
      true,
    );
    let result: T | PromiseLike<T>;
    try {
      result = call({ signal: controller.signal });
    } catch (err) {
      finish();
      reject(err);
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (err: unknown) => {
        if (settled) return;
        finish();
        reject(err);
      },
    );
  });
}
