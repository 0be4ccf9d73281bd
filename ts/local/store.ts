/**
 * The interface between the LocalCache facade and an implementation: the
 * native adapter (native-store.ts, itself typed by the declarations
 * generated from crates/node) and the JS twin (js/js-cache-store.ts) both
 * implement it, so any drift between them fails `tsc`. Arguments are
 * validated by the facade before they get here.
 */

/** Counters of a cache since creation or the last `resetStats()`. */
export interface LocalCacheStats {
  /** `get`/`getString`/`getMany` lookups that found a live entry. */
  hits: number;
  /** Lookups that found nothing or an expired entry. */
  misses: number;
  /** `set` calls that stored their entry. */
  sets: number;
  /** Entries removed to respect the entry or byte budget. */
  evictions: number;
  /** Entries removed because their TTL passed. */
  expirations: number;
  /**
   * `set` calls that did not store their entry: larger than the shard's byte
   * budget, or refused by the admission policy within the same call.
   */
  rejections: number;
}

/** One cache instance of either implementation. */
export interface CacheStore {
  get(key: string): Buffer | null;
  getString(key: string): string | null;
  peek(key: string): Buffer | null;
  peekString(key: string): string | null;
  has(key: string): boolean;
  /** Remaining ms; Infinity when it never expires; -1 when absent. */
  ttl(key: string): number;
  set(key: string, value: Uint8Array, ttlMs: number): boolean;
  setString(key: string, value: string, ttlMs: number): boolean;
  delete(key: string): boolean;
  clear(): void;
  getMany(keys: string[]): Array<Buffer | null>;
  deleteMany(keys: string[]): number;
  size(): number;
  bytes(): number;
  stats(): LocalCacheStats;
  resetStats(): void;
  keys(): string[];
  advance(ms: number): void;
  now(): number;
  purgeExpired(): number;
  policyState(): number[];
}

/** Factories of private and shared caches of one implementation. */
export interface CacheStoreClass {
  create(maxEntries: number, maxBytes: number, policy: string, shards: number, manualClock: boolean): CacheStore;
  shared(
    name: string,
    maxEntries: number,
    maxBytes: number,
    policy: string,
    shards: number,
    manualClock: boolean,
  ): CacheStore;
  deleteShared(name: string): boolean;
}
