/**
 * OffHeapCache: byte values under string keys, held off the V8 heap (the
 * native cache of crates/core/src/cache through crates/node/src/cache.rs),
 * shareable across worker threads; or its pure-JS twin, which makes the
 * identical decisions. One facade validates every argument and hands the
 * call to the process's implementation.
 */
import { isMainThread } from 'node:worker_threads';
import { describe } from '../common/validate.js';
import type { MetricSink, Registration } from '../metrics/index.js';
import { implementation, nativeBinding, requireNativeBinding, type Implementation } from '../native/index.js';
import { JsStore } from './js/js-store.js';
import { nativeStores } from './native-store.js';
import { MAX_KEY_LENGTH } from '../local/limits.js';
import { reportCache, type CacheReading } from '../local/metrics.js';
import { normalizeOptions, resolveTtl, type OffHeapCacheOptions, type NormalizedOptions, type SetOptions } from './options.js';
import type { LocalCacheStats } from '../local/stats.js';
import type { OffHeapStore, OffHeapStoreClass } from './store.js';


/** What a cache stores: bytes (a string is stored as its UTF-8 bytes). */
export type CacheValue = Buffer | Uint8Array | string;

/** Whether and how widely a cache is shared. */
export type Sharing = false | 'process' | 'thread';

let nativeStoreClass: OffHeapStoreClass | undefined;

function storeClass(impl: Implementation): OffHeapStoreClass {
  if (impl === 'js') return JsStore;
  nativeStoreClass ??= nativeStores(nativeBinding ?? requireNativeBinding());
  return nativeStoreClass;
}

function keyError(key: unknown, name: string): Error {
  if (typeof key !== 'string') return new TypeError(`${name} must be a string, got ${describe(key)}`);
  if (key.length === 0) return new RangeError(`${name} must not be empty`);
  return new RangeError(`${name} must be at most ${MAX_KEY_LENGTH} characters long, got ${key.length}`);
}

function checkKeys(keys: unknown): asserts keys is string[] {
  if (!Array.isArray(keys)) throw new TypeError(`keys must be an array of strings, got ${describe(keys)}`);
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw keyError(key, `keys[${i}]`);
  }
}

function valueError(value: unknown, name: string): TypeError {
  return new TypeError(`${name} must be a Buffer, Uint8Array or string, got ${describe(value)}`);
}

let construct: (options: NormalizedOptions, store: OffHeapStore, sharing: Sharing) => OffHeapCache;
let storeOf: (cache: OffHeapCache) => OffHeapStore;
let readForMetrics: (cache: OffHeapCache) => CacheReading;

function collect(cache: OffHeapCache, sink: MetricSink): void {
  reportCache(readForMetrics(cache), sink);
}

/**
 * A bounded in-process cache of byte values under string keys: sharded,
 * adaptive W-TinyLFU (or LRU), with TTLs and entry and byte budgets that are
 * never exceeded.
 *
 * ```ts
 * const cache = new OffHeapCache({ maxEntries: 100_000, maxBytes: 64 * 2 ** 20, ttlMs: 60_000 });
 * cache.set('user:42', JSON.stringify(user));
 * const hit = cache.getString('user:42');
 * ```
 */
export class OffHeapCache {
  /** The implementation of this process: `'native'` or `'js'` (see TIERCACHE_IMPL). */
  static readonly implementation: Implementation = implementation;

  readonly #store: OffHeapStore;
  readonly #ttlMs: number;
  readonly #manualClock: boolean;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  /** Counter values at the last resetStats(), so metrics stay monotonic. */
  readonly #offsets: LocalCacheStats = { hits: 0, misses: 0, sets: 0, evictions: 0, expirations: 0, rejections: 0 };
  readonly #registration: Registration | null;
  /**
   * `false` for a private cache; `'process'` for a native shared cache (one
   * cache for every thread of the process); `'thread'` for a shared cache of
   * the JS twin, which cannot share memory across threads and is therefore
   * shared only within its own thread.
   */
  readonly shared: Sharing;

  static {
    construct = (options, store, sharing) => new OffHeapCache(options, store, sharing);
    storeOf = (cache) => cache.#store;
    readForMetrics = (cache) => {
      const s = cache.#store.stats();
      const o = cache.#offsets;
      return {
        lifetime: {
          hits: o.hits + s.hits,
          misses: o.misses + s.misses,
          sets: o.sets + s.sets,
          evictions: o.evictions + s.evictions,
          expirations: o.expirations + s.expirations,
          rejections: o.rejections + s.rejections,
        },
        size: cache.#store.size(),
        bytes: cache.#store.bytes(),
        maxEntries: cache.#maxEntries,
        maxBytes: cache.#maxBytes,
      };
    };
  }

  /** Creates a private cache. Throws TypeError/RangeError naming any invalid option. */
  constructor(options?: OffHeapCacheOptions);
  /** @internal */
  constructor(options: NormalizedOptions, store: OffHeapStore, sharing: Sharing);
  constructor(options?: OffHeapCacheOptions | NormalizedOptions, store?: OffHeapStore, sharing?: Sharing) {
    if (store === undefined) {
      const o = normalizeOptions(options, false);
      store = storeClass(implementation).create(o.maxEntries, o.maxBytes, o.policy, o.shards, o.manualClock);
      options = o;
    }
    const o = options as NormalizedOptions;
    this.#store = store;
    this.#ttlMs = o.ttlMs;
    this.#manualClock = o.manualClock;
    this.#maxEntries = o.maxEntries;
    this.#maxBytes = o.maxBytes;
    this.shared = sharing ?? false;
    // A process-wide cache is reported by the main thread only, or every
    // thread's registry would count it once more.
    const report = o.registry !== null && (this.shared !== 'process' || isMainThread);
    this.#registration = report ? (o.registry?.register(this, collect, o.attributes) ?? null) : null;
  }

  /**
   * The cache called `name`, shared by every thread of the process that asks
   * for it (worker_threads, piscina workers) when the native implementation
   * is in use. With the JS twin it is shared only within the calling thread
   * (see the `shared` property). Asking with different options throws.
   */
  static shared(name: string, options?: OffHeapCacheOptions): OffHeapCache {
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`name must be a non-empty string, got ${describe(name)}`);
    }
    const o = normalizeOptions(options, true);
    let store: OffHeapStore;
    try {
      store = storeClass(implementation).shared(name, o.maxEntries, o.maxBytes, o.policy, o.shards, o.manualClock);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_INVALID_ARG_VALUE') {
        throw new RangeError(`a shared cache named ${JSON.stringify(name)} already exists with different options`);
      }
      throw err;
    }
    return construct(o, store, implementation === 'native' ? 'process' : 'thread');
  }

  /**
   * Forgets the shared cache `name` so that the next `shared(name)` creates a
   * new one; handles already given out keep working. Whether it existed.
   */
  static deleteShared(name: string): boolean {
    if (typeof name !== 'string') throw new TypeError(`name must be a string, got ${describe(name)}`);
    return storeClass(implementation).deleteShared(name);
  }

  /** The value as a Buffer, or undefined; counts a hit or a miss. */
  get(key: string): Buffer | undefined {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw keyError(key, 'key');
    const value = this.#store.get(key);
    return value === null ? undefined : value;
  }

  /** The value decoded as UTF-8, or undefined; counts a hit or a miss. */
  getString(key: string): string | undefined {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw keyError(key, 'key');
    const value = this.#store.getString(key);
    return value === null ? undefined : value;
  }

  /** Like `get`, but with no effect on the policy (recency, frequency) or on hit/miss counters. */
  peek(key: string): Buffer | undefined {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw keyError(key, 'key');
    const value = this.#store.peek(key);
    return value === null ? undefined : value;
  }

  /** Like `getString`, but with no effect on the policy or on hit/miss counters. */
  peekString(key: string): string | undefined {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw keyError(key, 'key');
    const value = this.#store.peekString(key);
    return value === null ? undefined : value;
  }

  /** Whether a live entry exists (no policy or counter effects). */
  has(key: string): boolean {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw keyError(key, 'key');
    return this.#store.has(key);
  }

  /**
   * Stores `value` (a string is stored as UTF-8). Returns whether the entry
   * is in the cache afterwards: false when it is larger than its shard's
   * byte budget or the admission policy refused it; a refused update removes
   * the previous value rather than leave it stale.
   */
  set(key: string, value: CacheValue, options?: SetOptions): boolean {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw keyError(key, 'key');
    if (!key.isWellFormed()) throw new TypeError('key must be a well-formed Unicode string (no lone surrogates)');
    const ttl = options === undefined ? this.#ttlMs : resolveTtl(options, this.#ttlMs);
    if (typeof value === 'string') return this.#store.setString(key, value, ttl);
    if (value instanceof Uint8Array) return this.#store.set(key, value, ttl);
    throw valueError(value, 'value');
  }

  /** Removes a key; whether a live entry was removed. */
  delete(key: string): boolean {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw keyError(key, 'key');
    return this.#store.delete(key);
  }

  /** Removes every entry and frees its memory. Counters are kept (see `resetStats`). */
  clear(): void {
    this.#store.clear();
  }

  /**
   * Values for `keys`, in order (undefined where missing), counting a hit or
   * miss per key. With the native implementation this is one crossing into
   * Rust for all keys.
   */
  getMany(keys: readonly string[]): Array<Buffer | undefined> {
    checkKeys(keys);
    const values = this.#store.getMany(keys as string[]) as Array<Buffer | null | undefined>;
    for (let i = 0; i < values.length; i++) if (values[i] === null) values[i] = undefined;
    return values as Array<Buffer | undefined>;
  }

  /**
   * Stores several entries with the same options; returns, per entry, whether
   * it is in the cache afterwards. Every entry is validated before any is stored.
   */
  setMany(entries: ReadonlyArray<readonly [string, CacheValue]>, options?: SetOptions): boolean[] {
    if (!Array.isArray(entries)) throw new TypeError(`entries must be an array of [key, value] pairs, got ${describe(entries)}`);
    const ttl = options === undefined ? this.#ttlMs : resolveTtl(options, this.#ttlMs);
    for (let i = 0; i < entries.length; i++) {
      const entry: unknown = entries[i];
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new TypeError(`entries[${i}] must be a [key, value] pair, got ${describe(entry)}`);
      }
      const [key, value] = entry as [unknown, unknown];
      if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw keyError(key, `entries[${i}][0]`);
      if (!key.isWellFormed()) throw new TypeError(`entries[${i}][0] must be a well-formed Unicode string (no lone surrogates)`);
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw valueError(value, `entries[${i}][1]`);
    }
    const stored = new Array<boolean>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const [key, value] = entries[i];
      stored[i] = typeof value === 'string' ? this.#store.setString(key, value, ttl) : this.#store.set(key, value, ttl);
    }
    return stored;
  }

  /** Removes several keys; how many live entries were removed. */
  deleteMany(keys: readonly string[]): number {
    checkKeys(keys);
    return this.#store.deleteMany(keys as string[]);
  }

  /** Remaining time to live in ms; Infinity when the entry never expires; undefined when absent. */
  ttl(key: string): number | undefined {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw keyError(key, 'key');
    const remaining = this.#store.ttl(key);
    return remaining < 0 ? undefined : remaining;
  }

  /**
   * Number of stored entries. Expired entries are removed lazily (when read,
   * when their shard is written, or by `purgeExpired()`) and count until then.
   */
  get size(): number {
    return this.#store.size();
  }

  /** Accounted bytes: key bytes + value bytes + 96 per entry. */
  get bytes(): number {
    return this.#store.bytes();
  }

  /** The counters. */
  stats(): LocalCacheStats {
    return this.#store.stats();
  }

  /** Zeroes the counters (the `cache.*` metrics, being counters, keep counting). */
  resetStats(): void {
    const s = this.#store.stats();
    const o = this.#offsets;
    o.hits += s.hits;
    o.misses += s.misses;
    o.sets += s.sets;
    o.evictions += s.evictions;
    o.expirations += s.expirations;
    o.rejections += s.rejections;
    this.#store.resetStats();
  }

  /** Stops reporting to the metrics registry (the cache keeps working). */
  unregisterMetrics(): void {
    this.#registration?.unregister();
  }

  /**
   * The keys of live entries, as a snapshot: shard by shard, and within a
   * shard by region (window, probation, protected), most recently used first.
   */
  keys(): IterableIterator<string> {
    return this.#store.keys()[Symbol.iterator]();
  }

  /** Same as `keys()`. */
  [Symbol.iterator](): IterableIterator<string> {
    return this.keys();
  }

  /** Removes every expired entry the timer wheel has reached; how many were removed. */
  purgeExpired(): number {
    return this.#store.purgeExpired();
  }

  /** Moves the clock of a cache created with `clock: 'manual'` forward by `ms`. */
  advance(ms: number): void {
    if (!this.#manualClock) throw new TypeError("advance() needs a cache created with clock: 'manual'");
    if (typeof ms !== 'number') throw new TypeError(`ms must be a number, got ${describe(ms)}`);
    if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`ms must be a non-negative integer, got ${ms}`);
    this.#store.advance(Math.min(ms, Number.MAX_SAFE_INTEGER));
  }
}

/** Internal: a cache on an explicit implementation (differential tests, benchmarks). */
export function createOffHeapCache(options: OffHeapCacheOptions, impl: Implementation): OffHeapCache {
  const o = normalizeOptions(options, false);
  const store = storeClass(impl).create(o.maxEntries, o.maxBytes, o.policy, o.shards, o.manualClock);
  return construct(o, store, false);
}

/** Internal: the policy state of every shard (differential tests). */
export function policyStateOf(cache: OffHeapCache): number[] {
  return storeOf(cache).policyState();
}
