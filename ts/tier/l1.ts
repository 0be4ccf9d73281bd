/**
 * L1: the one interface through which TierCache touches its in-process
 * tier, with two stores behind it:
 * - 'value' (default): a LocalCache<Entry> holding decoded values by reference;
 * - 'offheap': an OffHeapCache holding the entry as an envelope with the
 *   serialized value, decoded on every hit, so callers mutating what they got
 *   cannot change the cache.
 */
import { wallClock, type TierClock } from './clock.js';
import type { Entry } from './entry.js';
import type { Encoded } from './serializer.js';

/** The in-process tier as TierCache uses it. */
export interface L1Store {
  readonly store: 'value' | 'offheap';
  /** The entry, or undefined (absent, or evicted by its physical TTL). */
  get(key: string): Entry | undefined;
  /** The version of the entry, without decoding it or touching its recency. */
  peekVersion(key: string): number | undefined;
  /** Stores `entry`; `encoded` is its serialized value (needed by the offheap store). */
  set(key: string, entry: Entry, encoded: Encoded | null): void;
  delete(key: string): void;
  clear(): void;
  readonly size: number;
  /** Stops its metrics; the store is dropped with the TierCache. */
  close(): void;
}

/** What the L1 stores need of the cache they wrap (LocalCache or OffHeapCache) beyond reads and writes. */
export interface L1Cache {
  delete(key: string): boolean;
  clear(): void;
  readonly size: number;
  unregisterMetrics(): void;
}

/**
 * The part both L1 stores share: delete, clear, size and close go straight
 * to the wrapped cache; each store adds how it reads and writes entries.
 */
export abstract class CacheBackedL1Store<C extends L1Cache> implements L1Store {
  abstract readonly store: 'value' | 'offheap';

  protected constructor(protected readonly cache: C) {}

  abstract get(key: string): Entry | undefined;
  abstract peekVersion(key: string): number | undefined;
  abstract set(key: string, entry: Entry, encoded: Encoded | null): void;

  delete(key: string): void {
    this.cache.delete(key);
  }

  clear(): void {
    this.cache.clear();
  }

  get size(): number {
    return this.cache.size;
  }

  close(): void {
    this.cache.clear();
    this.cache.unregisterMetrics();
  }
}

/**
 * The physical TTL of an entry in L1: until its grace ends (0 = no expiry).
 * Only with the wall clock: the L1 cache times entries on real time, so with
 * an injected clock (tests) entries leave by capacity and by TierCache's own
 * checks on that clock, never early by real time.
 */
export function physicalTtlMs(entry: Entry, clock: TierClock): number {
  if (entry.staleUntil === Number.POSITIVE_INFINITY || clock !== wallClock) return 0;
  const now = clock.now();
  return Math.max(1, Math.min(Number.MAX_SAFE_INTEGER, Math.ceil(entry.staleUntil - now)));
}
