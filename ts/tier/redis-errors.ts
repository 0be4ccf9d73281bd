/**
 * Every Redis failure becomes one of three typed errors, and the deadline
 * that bounds every Redis call lives here.
 */
import { ErrorCode, TierCacheError } from '../common/errors.js';

/** Error replies that mean "the server cannot serve now" rather than "this command is wrong". */
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY)/;

/** Maps anything thrown by ioredis (or the pool) to a TierCacheError with an ERR_TIER_* code. */
export function toL2Error(err: unknown, what: string): TierCacheError {
  if (err instanceof TierCacheError) {
    if (err.code.startsWith('ERR_TIER_')) return err;
    if (err.code === ErrorCode.TIMEOUT) {
      return new TierCacheError(ErrorCode.TIER_L2_UNAVAILABLE, `${what}: no Redis connection within the deadline`, { cause: err });
    }
  }
  const e = err as { name?: string; message?: string };
  const message = e?.message ?? String(err);
  if (e?.name === 'ReplyError' && !UNAVAILABLE_REPLIES.test(message)) {
    return new TierCacheError(ErrorCode.TIER_COMMAND_FAILED, `${what}: Redis replied with an error: ${message}`, { cause: err });
  }
  return new TierCacheError(ErrorCode.TIER_L2_UNAVAILABLE, `${what}: Redis is unavailable: ${message}`, { cause: err });
}

/** Whether an ERR_TIER_* error says Redis is unreachable (counts toward the breaker). */
export function isConnectivityError(err: TierCacheError): boolean {
  return err.code === ErrorCode.TIER_L2_UNAVAILABLE || err.code === ErrorCode.TIER_COMMAND_TIMEOUT;
}

/** `promise`, or ERR_TIER_COMMAND_TIMEOUT after `ms` real milliseconds (a late settlement is absorbed). */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new TierCacheError(ErrorCode.TIER_COMMAND_TIMEOUT, `${what}: Redis did not answer within ${ms} ms (commandTimeoutMs)`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
