/**
 * L1: the one interface through which TierCache touches its in-process
 * tier, with two stores behind it:
 * - 'value' (default): a LocalCache<Entry> holding decoded values by reference;
 * - 'offheap': an OffHeapCache holding the entry as an envelope with the
 *   serialized value, decoded on every hit, so callers mutating what they got
 *   cannot change the cache.
 */
import type { Entry } from './entry.js';
import type { Encoded } from './serializer.js';

/** The in-process tier as TierCache uses it. */
export interface L1Store {
  readonly store: 'value' | 'offheap';
  /** The entry, or undefined (absent, or evicted by its physical TTL). */
  get(key: string): Entry | undefined;
  /** Stores `entry`; `encoded` is its serialized value (needed by the offheap store). */
  set(key: string, entry: Entry, encoded: Encoded | null): void;
  delete(key: string): void;
  clear(): void;
  readonly size: number;
  /** Stops its metrics; the store is dropped with the TierCache. */
  close(): void;
}

/** The physical TTL of an entry in L1: until its grace ends (0 = no expiry). */
export function physicalTtlMs(entry: Entry, now: number): number {
  if (entry.staleUntil === Number.POSITIVE_INFINITY) return 0;
  return Math.max(1, Math.min(Number.MAX_SAFE_INTEGER, Math.ceil(entry.staleUntil - now)));
}
