/**
 * Turning what `execute` resolved to into each waiter's result: results by
 * slot from an array or a Map, and handing them (or one failure) to every
 * waiter of a batch.
 */
import { plural } from '../common/plural.js';
import { ErrorCode, TierCacheError } from '../common/errors.js';
import { describe } from '../common/validate.js';
import type { BatchState } from './batch-state.js';
import { MANY, settleWaiter, type ManySegment } from './waiters.js';

/**
 * The result of each key of `keys` (what was sent), or the error that fails
 * the whole batch: an array must have one result per key; a Map is matched
 * by key (through `keyOf` when set) and a missing key gets
 * ERR_BATCH_NOT_RETURNED. Throws when `keyOf` throws.
 */
export function resultsByKey<K>(keys: readonly K[], values: unknown, keyOf: ((key: K) => string | number) | undefined): ArrayLike<unknown> | TierCacheError {
  if (Array.isArray(values)) {
    if (values.length === keys.length) return values;
    return new TierCacheError(
      ErrorCode.BATCH_INVALID_RESULT,
      `execute returned ${plural(values.length, 'result')} for ${plural(keys.length, 'key')}; return one result per key in key order, or a Map`,
    );
  }
  if (values instanceof Map) return resultsFromMap(keys, values, keyOf);
  return new TierCacheError(ErrorCode.BATCH_INVALID_RESULT, `execute must resolve to an array or a Map, got ${describe(values)}`);
}

function resultsFromMap<K>(keys: readonly K[], map: Map<unknown, unknown>, keyOf: ((key: K) => string | number) | undefined): unknown[] {
  const out = new Array<unknown>(keys.length);
  let lookup: Map<unknown, unknown> = map;
  if (keyOf !== undefined) {
    lookup = new Map();
    for (const [k, v] of map) {
      let id: unknown;
      try {
        id = keyOf(k as K);
      } catch {
        continue;
      }
      lookup.set(id, v);
    }
  }
  for (let i = 0; i < keys.length; i++) {
    const probe = keyOf === undefined ? keys[i] : keyOf(keys[i]);
    out[i] = lookup.has(probe)
      ? lookup.get(probe)
      : new TierCacheError(ErrorCode.BATCH_NOT_RETURNED, `execute returned no result for key ${describe(keys[i])}`);
  }
  return out;
}

/** Hands every waiter of `batch` the result of its slot (`bySlot[indexOfSlot[slot]]`, or `bySlot[slot]`). */
export function distribute<K>(batch: BatchState<K>, bySlot: ArrayLike<unknown>, indexOfSlot: Int32Array | null): void {
  const A = batch.waitA;
  const B = batch.waitB;
  const S = batch.waitSlot;
  const n = batch.waiters;
  if (batch.identity) {
    // Waiter w is a plain load of slot w.
    for (let w = 0; w < n; w++) {
      const value = bySlot[w];
      if (value instanceof Error) (B[w] as (e: unknown) => void)(value);
      else (A[w] as (v: unknown) => void)(value);
    }
    return;
  }
  for (let w = 0; w < n; w++) {
    const a = A[w];
    if (a === undefined) continue;
    const b = B[w];
    if (b === MANY) {
      (a as ManySegment).fill(bySlot, indexOfSlot);
      continue;
    }
    const slot = S[w];
    const value = bySlot[indexOfSlot === null ? slot : indexOfSlot[slot]];
    settleWaiter(a, b, value, value instanceof Error);
  }
}

/** Rejects every waiter still in `batch` with `make()` (loadMany positions get it as their result). */
export function failWaiters<K>(batch: BatchState<K>, make: () => Error): void {
  const A = batch.waitA;
  const B = batch.waitB;
  for (let w = 0; w < batch.waiters; w++) {
    const a = A[w];
    if (a === undefined) continue;
    A[w] = undefined;
    if (B[w] === MANY) (a as ManySegment).fail(make);
    else settleWaiter(a, B[w], make(), true);
  }
}
