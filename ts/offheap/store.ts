/**
 * The interface between the OffHeapCache facade and an implementation: the
 * native adapter (native-store.ts, itself typed by the declarations
 * generated from crates/node) and the JS twin (js/js-store.ts) both
 * implement it, so any drift between them fails `tsc`. Arguments are
 * validated by the facade before they get here.
 */

import type { LocalCacheStats } from '../local/stats.js';

/** One cache instance of either implementation. */
export interface OffHeapStore {
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
export interface OffHeapStoreClass {
  create(maxEntries: number, maxBytes: number, policy: string, shards: number, manualClock: boolean): OffHeapStore;
  shared(
    name: string,
    maxEntries: number,
    maxBytes: number,
    policy: string,
    shards: number,
    manualClock: boolean,
  ): OffHeapStore;
  deleteShared(name: string): boolean;
}
