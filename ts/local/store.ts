/**
 * The interface between the LocalCache facade and an implementation. The
 * native class generated from crates/node (NativeCache) and the JS twin
 * (JsCacheStore) are both checked against it, so that any drift between them
 * fails `tsc`. Arguments are validated by the facade before they get here.
 */

/** Counters, as both implementations report them. */
export interface CacheStoreStats {
  hits: number;
  misses: number;
  sets: number;
  evictions: number;
  expirations: number;
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
  stats(): CacheStoreStats;
  resetStats(): void;
  keys(): string[];
  advance(ms: number): void;
  now(): number;
  purgeExpired(): number;
  policyState(): number[];
}

/** The static side: constructors of private and shared caches. */
export interface CacheStoreClass {
  new (maxEntries: number, maxBytes: number, policy: string, shards: number, manualClock: boolean): CacheStore;
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
