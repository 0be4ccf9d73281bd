/**
 * Where httpCache keeps its records: a small async interface of byte values,
 * so that an in-process LocalCache, a TierCache (L1 + Redis) or anything
 * else can back it. Records are Buffers httpCache serializes itself (see
 * record.ts), so a store only moves bytes.
 */
import type { LocalCache } from '../local/local-cache.js';
import type { TierCache } from '../tier/tier-cache.js';

/** The storage httpCache needs. Every method may return a value or a promise. */
export interface HttpCacheStore {
  /** The bytes stored under `key`, or undefined. */
  get(key: string): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  /** Stores `value` for `ttlMs` milliseconds (the store may evict it earlier). */
  set(key: string, value: Buffer, ttlMs: number): Promise<unknown> | unknown;
  /** Removes `key` (and, for a shared store, from every instance). */
  delete(key: string): Promise<unknown> | unknown;
}

/** A store over a LocalCache (entries live in this process only; the Buffers are held by reference). */
export function localCacheStore(cache: LocalCache<unknown>): HttpCacheStore {
  return {
    get: (key) => {
      const value = cache.get(key);
      return value instanceof Uint8Array ? value : undefined;
    },
    set: (key, value, ttlMs) => cache.set(key, value, { ttlMs: Math.max(1, Math.ceil(ttlMs)) }),
    delete: (key) => cache.delete(key),
  };
}

/**
 * A store over a TierCache: L1 only, or L1 + Redis with coherence, so a
 * purge on one instance reaches every instance. The TierCache's serializer
 * must pass Buffers through (the default does).
 */
export function tierCacheStore(cache: TierCache<unknown>): HttpCacheStore {
  return {
    get: async (key) => {
      const value = await cache.get(key);
      return value instanceof Uint8Array ? value : undefined;
    },
    set: (key, value, ttlMs) => cache.set(key, value, { ttlMs: Math.max(1, Math.ceil(ttlMs)) }),
    delete: (key) => cache.delete(key),
  };
}

/** Whether `value` has the shape of an HttpCacheStore. */
export function isStore(value: unknown): value is HttpCacheStore {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.get === 'function' && typeof v.set === 'function' && typeof v.delete === 'function';
}
