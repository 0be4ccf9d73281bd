/**
 * LocalCache: the in-process L1, holding any JS value by reference.
 *
 * JS owns the index: a Map from key to slot, keys and values by slot, and
 * typed arrays by slot (expiry time, generation). The Map's value is a
 * ref: the slot, whether the entry has a TTL, and its generation, packed in
 * one small integer (ts/policy/protocol.ts). The policy (W-TinyLFU or
 * LRU, TTL wheel, budgets; crates/core/src/policy natively, ts/policy/js-policy.ts
 * otherwise) is fed slot ids, key hashes, sizes and times through a
 * PolicyPort. A hit never crosses into native code: it is a Map lookup, an
 * expiry check (for entries with a TTL) and one write of the ref into the
 * hit ring, which is drained into the
 * policy when it fills and before every write. The index changes only when
 * the policy says so. See docs/local-cache.md.
 */
import { checkFunction, describe } from '../common/validate.js';
import type { MetricSink, Registration } from '../metrics/index.js';
import { implementation, type Implementation } from '../native/index.js';
import { hashKey, type KeyBytes } from '../policy/hash.js';
import { createPolicyPort, OUT_PAIRS, Reason, refOf, Ring, type PolicyPort } from '../policy/index.js';
import { coarseNow } from './clock.js';
import { ENTRY_OVERHEAD_BYTES, MAX_ENTRIES, MAX_TTL_MS } from './limits.js';
import { reportCache, type CacheReading } from './metrics.js';
import { normalizeOptions, resolveTtl, type EvictionReason, type LocalCacheOptions, type SetOptions } from './options.js';
import { sizer, type SizeOf } from './size.js';
import type { LocalCacheStats } from './stats.js';
import { checkKeys, keyError, validKey } from './keys.js';

export type { LocalCacheStats } from './stats.js';

const INITIAL_SLOTS = 16;
const REASONS: readonly EvictionReason[] = ['evict', 'expire', 'set', 'delete'];

function grown<T extends Float64Array | Uint8Array>(old: T, size: number): T {
  const next = new (old.constructor as new (n: number) => T)(size);
  next.set(old);
  return next;
}

/** An in-flight getOrSet load; `current` turns false when the key is written meanwhile. */
interface Load<V> {
  promise: Promise<V>;
  current: boolean;
}

let readForMetrics: <V>(cache: LocalCache<V>) => CacheReading;
let portOf: <V>(cache: LocalCache<V>) => PolicyPort;

function collect<V>(cache: LocalCache<V>, sink: MetricSink): void {
  reportCache(readForMetrics(cache), sink);
}

/**
 * A bounded in-process cache of JS values under string keys: adaptive
 * W-TinyLFU (or LRU), TTLs, and entry and byte budgets that are never
 * exceeded. `get` returns the very value that was `set`.
 *
 * ```ts
 * const users = new LocalCache<User>({ maxEntries: 100_000, ttlMs: 60_000 });
 * users.set('user:42', user);
 * const u = users.get('user:42');
 * const loaded = await users.getOrSet('user:7', (key) => db.loadUser(key));
 * ```
 */
export class LocalCache<V = unknown> implements Iterable<string> {
  /** The implementation of this process: `'native'` or `'js'` (see TIERCACHE_IMPL). */
  static readonly implementation: Implementation = implementation;

  /** Key → ref (slot | TTL flag | generation). A Map, not a dictionary object: see docs/local-cache.md (The index). */
  readonly #index = new Map<string, number>();
  #keys: (string | undefined)[] = [];
  #values: (V | undefined)[] = [];
  #expires = new Float64Array(INITIAL_SLOTS);
  /** Generation of each slot (mod 32), bumped when the slot is freed. */
  #generations = new Uint8Array(INITIAL_SLOTS);
  #free: number[] = [];
  /** Slots ever handed out (the next never-used slot). */
  #used = 0;
  readonly #port: PolicyPort;
  readonly #ring: Int32Array;
  readonly #out: Int32Array;
  /** Refs written into the ring since the last drain. */
  #pending = 0;
  readonly #keyBytes: KeyBytes = { bytes: 0 };
  readonly #sizeOf: SizeOf<V>;
  readonly #onEvict: ((value: V, key: string, reason: EvictionReason) => void) | undefined;
  /** Removals waiting for onEvict: value, key, reason triples. */
  readonly #notices: unknown[] = [];
  #notifying = false;
  readonly #loads = new Map<string, Load<V>>();
  readonly #ttlMs: number;
  readonly #manual: boolean;
  #manualNow = 0;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #hits = 0;
  #misses = 0;
  #sets = 0;
  #evictions = 0;
  #expirations = 0;
  #rejections = 0;
  /** Counter values at the last resetStats(), so metrics stay monotonic. */
  readonly #offsets: LocalCacheStats = { hits: 0, misses: 0, sets: 0, evictions: 0, expirations: 0, rejections: 0 };
  readonly #registration: Registration | null;

  static {
    readForMetrics = (cache) => {
      const s = cache.stats();
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
        size: cache.size,
        bytes: cache.bytes,
        maxEntries: cache.#maxEntries,
        maxBytes: cache.#maxBytes,
      };
    };
    portOf = (cache) => {
      const port = cache.#port;
      port.drain(cache.#takePending());
      return port;
    };
  }

  /** Creates a cache. Throws TypeError/RangeError naming any invalid option. */
  constructor(options?: LocalCacheOptions<V>);
  /** @internal */
  constructor(options: LocalCacheOptions<V>, impl: Implementation);
  constructor(options?: LocalCacheOptions<V>, impl: Implementation = implementation) {
    const o = normalizeOptions<V>(options);
    this.#ttlMs = o.ttlMs;
    this.#manual = o.manualClock;
    this.#maxEntries = o.maxEntries;
    this.#maxBytes = o.maxBytes;
    this.#sizeOf = sizer(o.sizeOf, o.maxBytes !== 0);
    this.#onEvict = o.onEvict;
    this.#port = createPolicyPort(impl, o.policy, { maxEntries: o.maxEntries === 0 ? MAX_ENTRIES : o.maxEntries, maxBytes: o.maxBytes }, this.#now());
    this.#ring = this.#port.ring;
    this.#out = this.#port.out;
    this.#registration = o.registry?.register(this, collect, o.attributes) ?? null;
  }

  #now(): number {
    return this.#manual ? this.#manualNow : coarseNow();
  }

  /**
   * The number of pending recorded hits, and an empty ring: the caller
   * hands them to the policy. Hits are counted when they leave the ring.
   */
  #takePending(): number {
    const pending = this.#pending;
    this.#pending = 0;
    this.#hits += pending;
    return pending;
  }

  /** Applies a full ring (the one N-API call a hit can cause). */
  #drainFull(): void {
    this.#pending = 0;
    this.#hits += Ring.Length;
    this.#port.drain(Ring.Length);
  }

  /** The ref of a live entry, or undefined (expired or absent); records nothing. */
  #live(key: string): number | undefined {
    const ref = this.#index.get(key);
    if (ref === undefined || (ref & Ring.TtlFlag) === 0 || this.#expires[ref & Ring.SlotMask] > this.#now()) return ref;
    return undefined;
  }

  /** The slot of a live entry, with no effect on the policy or counters; -1 when none. */
  #find(key: string): number {
    const ref = this.#live(key);
    if (ref !== undefined) return ref & Ring.SlotMask;
    if (!validKey(key)) throw keyError(key, 'key');
    return -1;
  }

  /**
   * The value, or undefined; counts a hit or a miss and records the access
   * for the policy. The hot path: an index lookup, one write into the hit
   * ring, and no call out of JavaScript unless the ring fills.
   */
  get(key: string): V | undefined {
    const ref = this.#live(key);
    if (ref !== undefined) {
      const n = this.#pending;
      this.#ring[n] = ref;
      if (n === Ring.Length - 1) this.#drainFull();
      else this.#pending = n + 1;
      return this.#values[ref & Ring.SlotMask];
    }
    if (!validKey(key)) throw keyError(key, 'key');
    this.#misses++;
    return undefined;
  }

  /** Like `get`, with no effect on the policy (recency, frequency) or the hit/miss counters. */
  peek(key: string): V | undefined {
    const slot = this.#find(key);
    return slot < 0 ? undefined : this.#values[slot];
  }

  /** Whether a live entry exists (no policy or counter effects). */
  has(key: string): boolean {
    return this.#find(key) >= 0;
  }

  /** Remaining time to live in ms; Infinity when the entry never expires; undefined when absent. */
  ttl(key: string): number | undefined {
    const slot = this.#find(key);
    if (slot < 0) return undefined;
    const expires = this.#expires[slot];
    return expires === 0 ? Infinity : expires - this.#now();
  }

  /**
   * Stores `value` by reference. Returns whether the entry is in the cache
   * afterwards: false when it is larger than maxBytes or the admission
   * policy refused it (a refused update removes the previous value).
   * `set(key, undefined)` is `delete(key)` (and returns false): undefined
   * is what `get` returns for a miss, so it is never stored.
   */
  set(key: string, value: V, options?: SetOptions): boolean {
    if (!validKey(key)) throw keyError(key, 'key');
    const ttl = options === undefined ? this.#ttlMs : resolveTtl(options, this.#ttlMs);
    const kept = value === undefined ? (this.#deleteKey(key), false) : this.#store(key, value, ttl);
    this.#notify();
    return kept;
  }

  #store(key: string, value: V, ttl: number): boolean {
    const size = this.#sizeOf(value, key);
    if (this.#loads.size !== 0) this.#supersede(key);
    const hash = hashKey(key, this.#keyBytes);
    const bytes = this.#keyBytes.bytes + size + ENTRY_OVERHEAD_BYTES;
    const now = this.#now();
    const expires = ttl === 0 ? 0 : Math.min(now + ttl, MAX_TTL_MS);
    let ref = this.#index.get(key);
    if (ref !== undefined && (ref & Ring.TtlFlag) !== 0 && this.#expires[ref & Ring.SlotMask] <= now) {
      this.#collect(this.#port.delete(this.#takePending(), ref & Ring.SlotMask, Reason.Expired, now));
      ref = undefined;
    }
    let result: number;
    if (ref === undefined) {
      const slot = this.#alloc();
      const generation = this.#generations[slot];
      result = this.#port.write(this.#takePending(), slot, generation, hash, bytes, expires, now);
      if ((result & 1) === 1) {
        this.#index.set(key, refOf(slot, generation, expires !== 0));
        this.#keys[slot] = key;
        this.#values[slot] = value;
        this.#expires[slot] = expires;
      }
    } else {
      const slot = ref & Ring.SlotMask;
      const generation = this.#generations[slot];
      const old = this.#values[slot] as V;
      result = this.#port.write(this.#takePending(), slot, generation, hash, bytes, expires, now);
      if ((result & 1) === 1) {
        this.#values[slot] = value;
        this.#expires[slot] = expires;
        const updated = refOf(slot, generation, expires !== 0);
        if (updated !== ref) this.#index.set(key, updated);
        if (old !== value && this.#onEvict !== undefined) this.#notices.push(old, key, 'set');
      }
    }
    this.#collect(result);
    if ((result & 1) === 1) {
      this.#sets++;
      return true;
    }
    this.#rejections++;
    return false;
  }

  /** Removes a key; whether a live entry was removed. */
  delete(key: string): boolean {
    if (!validKey(key)) throw keyError(key, 'key');
    const removed = this.#deleteKey(key);
    this.#notify();
    return removed;
  }

  /** Removes `key` (deleted, or expired if its time has passed); whether a live entry was removed. */
  #deleteKey(key: string): boolean {
    if (this.#loads.size !== 0) this.#supersede(key);
    const ref = this.#index.get(key);
    if (ref === undefined) return false;
    const slot = ref & Ring.SlotMask;
    const now = this.#now();
    const expired = (ref & Ring.TtlFlag) !== 0 && this.#expires[slot] <= now;
    this.#collect(this.#port.delete(this.#takePending(), slot, expired ? Reason.Expired : Reason.Deleted, now));
    return !expired;
  }

  /** Removes every entry (each reported to onEvict as 'delete'). Counters are kept (see `resetStats`). */
  clear(): void {
    this.#hits += this.#pending;
    this.#pending = 0;
    this.#port.clear();
    for (const load of this.#loads.values()) load.current = false;
    if (this.#onEvict !== undefined) {
      const keys = this.#keys;
      for (let slot = 0; slot < keys.length; slot++) {
        const key = keys[slot];
        if (key !== undefined) this.#notices.push(this.#values[slot], key, 'delete');
      }
    }
    this.#index.clear();
    this.#keys = [];
    this.#values = [];
    this.#expires = new Float64Array(INITIAL_SLOTS);
    this.#generations = new Uint8Array(INITIAL_SLOTS);
    this.#free = [];
    this.#used = 0;
    this.#notify();
  }

  /** Values for `keys`, in order (undefined where missing), counting a hit or miss per key. */
  getMany(keys: readonly string[]): Array<V | undefined> {
    checkKeys(keys);
    const n = keys.length;
    const out = new Array<V | undefined>(n);
    // A drain only applies hits (no removal, no callback), so these stay valid.
    const index = this.#index;
    const values = this.#values;
    const ring = this.#ring;
    let pending = this.#pending;
    let misses = 0;
    for (let i = 0; i < n; i++) {
      const ref = index.get(keys[i]);
      if (ref !== undefined && ((ref & Ring.TtlFlag) === 0 || this.#expires[ref & Ring.SlotMask] > this.#now())) {
        ring[pending] = ref;
        if (++pending === Ring.Length) {
          this.#drainFull();
          pending = 0;
        }
        out[i] = values[ref & Ring.SlotMask];
      } else {
        misses++;
      }
    }
    this.#pending = pending;
    this.#misses += misses;
    return out;
  }

  /**
   * Stores several entries with the same options; returns, per entry,
   * whether it is in the cache afterwards. Every entry is validated before
   * any is stored.
   */
  setMany(entries: ReadonlyArray<readonly [string, V]>, options?: SetOptions): boolean[] {
    if (!Array.isArray(entries)) throw new TypeError(`entries must be an array of [key, value] pairs, got ${describe(entries)}`);
    const ttl = options === undefined ? this.#ttlMs : resolveTtl(options, this.#ttlMs);
    for (let i = 0; i < entries.length; i++) {
      const entry: unknown = entries[i];
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new TypeError(`entries[${i}] must be a [key, value] pair, got ${describe(entry)}`);
      }
      const key: unknown = entry[0];
      if (!validKey(key)) throw keyError(key, `entries[${i}][0]`);
    }
    const stored = new Array<boolean>(entries.length);
    try {
      for (let i = 0; i < entries.length; i++) {
        const [key, value] = entries[i];
        if (value === undefined) this.#deleteKey(key);
        stored[i] = value === undefined ? false : this.#store(key, value, ttl);
      }
    } finally {
      this.#notify();
    }
    return stored;
  }

  /** Removes several keys; how many live entries were removed. */
  deleteMany(keys: readonly string[]): number {
    checkKeys(keys);
    let removed = 0;
    try {
      for (let i = 0; i < keys.length; i++) if (this.#deleteKey(keys[i])) removed++;
    } finally {
      this.#notify();
    }
    return removed;
  }

  /**
   * The cached value of `key`, or the value `loader(key)` resolves to,
   * which is then stored (with `options.ttlMs`). Concurrent calls for one
   * key share one loader call. A loader that throws or rejects caches
   * nothing, and every waiting caller gets its error; a loader that resolves
   * to undefined caches nothing. A key written or deleted while its load is
   * in flight keeps that write: the load's value is returned, not stored.
   */
  getOrSet(key: string, loader: (key: string) => V | Promise<V>, options?: SetOptions): Promise<V> {
    checkFunction(loader, 'loader');
    const ttl = options === undefined ? this.#ttlMs : resolveTtl(options, this.#ttlMs);
    const hit = this.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const inFlight = this.#loads.get(key);
    if (inFlight !== undefined) return inFlight.promise;
    // In the map before the loader runs: a loader that throws at once
    // settles the load, and its cleanup must find it there.
    const load: Load<V> = { promise: Promise.resolve(undefined as V), current: true };
    this.#loads.set(key, load);
    load.promise = this.#load(key, loader, ttl, load);
    return load.promise;
  }

  async #load(key: string, loader: (key: string) => V | Promise<V>, ttl: number, load: Load<V>): Promise<V> {
    try {
      const value = await loader(key);
      this.#endLoad(key, load);
      if (load.current && value !== undefined) {
        this.#store(key, value, ttl);
        this.#notify();
      }
      return value;
    } finally {
      this.#endLoad(key, load);
    }
  }

  #endLoad(key: string, load: Load<V>): void {
    if (this.#loads.get(key) === load) this.#loads.delete(key);
  }

  /** A write to `key` wins over its in-flight load. */
  #supersede(key: string): void {
    const load = this.#loads.get(key);
    if (load !== undefined) {
      load.current = false;
      this.#loads.delete(key);
    }
  }

  /** Number of entries. Expired entries are removed by the next write (or `purgeExpired()`) and count until then. */
  get size(): number {
    return this.#index.size;
  }

  /** Accounted bytes: per entry, the key's UTF-8 length + sizeOf(value, key) + 96. */
  get bytes(): number {
    return this.#port.bytes();
  }

  /** The counters. */
  stats(): LocalCacheStats {
    return {
      hits: this.#hits + this.#pending,
      misses: this.#misses,
      sets: this.#sets,
      evictions: this.#evictions,
      expirations: this.#expirations,
      rejections: this.#rejections,
    };
  }

  /** Zeroes the counters (the `cache.*` metrics, being counters, keep counting). */
  resetStats(): void {
    const o = this.#offsets;
    o.hits += this.#hits + this.#pending;
    o.misses += this.#misses;
    o.sets += this.#sets;
    o.evictions += this.#evictions;
    o.expirations += this.#expirations;
    o.rejections += this.#rejections;
    this.#hits = this.#misses = this.#sets = this.#evictions = this.#expirations = this.#rejections = 0;
    // The pending hits were just counted: they count again when they leave the ring.
    this.#hits = -this.#pending;
  }

  /** Stops reporting to the metrics registry (the cache keeps working). */
  unregisterMetrics(): void {
    this.#registration?.unregister();
  }

  /** The keys of live entries, as a snapshot: by region (window, probation, protected), most recently used first. */
  keys(): IterableIterator<string> {
    const order = this.#port.order(this.#takePending(), this.#now());
    const keys = this.#keys;
    return order.map((slot) => keys[slot] as string)[Symbol.iterator]();
  }

  /** Same as `keys()`. */
  [Symbol.iterator](): IterableIterator<string> {
    return this.keys();
  }

  /** Removes every expired entry the timer wheel has reached; how many were removed. */
  purgeExpired(): number {
    const result = this.#port.purge(this.#takePending(), this.#now());
    this.#collect(result);
    this.#notify();
    return Math.floor(result / 2);
  }

  /** Moves the clock of a cache created with `clock: 'manual'` forward by `ms`. */
  advance(ms: number): void {
    if (!this.#manual) throw new TypeError("advance() needs a cache created with clock: 'manual'");
    if (typeof ms !== 'number') throw new TypeError(`ms must be a number, got ${describe(ms)}`);
    if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`ms must be a non-negative integer, got ${ms}`);
    this.#manualNow = Math.min(this.#manualNow + ms, MAX_TTL_MS);
  }

  #alloc(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    const slot = this.#used++;
    if (slot === this.#expires.length) {
      this.#expires = grown(this.#expires, slot * 2);
      this.#generations = grown(this.#generations, slot * 2);
    }
    this.#keys.push(undefined);
    this.#values.push(undefined);
    return slot;
  }

  /** Applies the removals a policy call reported (`result` = removed * 2 + flag). */
  #collect(result: number): void {
    let left = Math.floor(result / 2);
    while (left > 0) {
      const page = Math.min(left, OUT_PAIRS);
      const out = this.#out;
      for (let i = 0; i < page * 2; i += 2) this.#release(out[i], out[i + 1]);
      left -= page;
      if (left > 0) this.#port.more();
    }
  }

  /** Frees `slot`, which the policy removed for `reason`, and queues its notice. */
  #release(slot: number, reason: number): void {
    const key = this.#keys[slot];
    if (key !== undefined) {
      this.#index.delete(key);
      if (reason === Reason.Evicted) this.#evictions++;
      else if (reason === Reason.Expired) this.#expirations++;
      if (this.#onEvict !== undefined) this.#notices.push(this.#values[slot], key, REASONS[reason]);
      this.#keys[slot] = undefined;
      this.#values[slot] = undefined;
    }
    this.#expires[slot] = 0;
    this.#generations[slot] = (this.#generations[slot] + 1) & Ring.GenerationMask;
    this.#free.push(slot);
  }

  /**
   * Calls onEvict for the queued removals, now that the cache is
   * consistent. Removals caused by the callbacks themselves are delivered
   * by the same loop. The first error a callback throws is rethrown once
   * every notice has been delivered.
   */
  #notify(): void {
    const notices = this.#notices;
    const onEvict = this.#onEvict;
    if (this.#notifying || notices.length === 0 || onEvict === undefined) return;
    this.#notifying = true;
    let failure: { error: unknown } | undefined;
    try {
      for (let i = 0; i < notices.length; i += 3) {
        const value = notices[i] as V;
        const key = notices[i + 1] as string;
        const reason = notices[i + 2] as EvictionReason;
        notices[i] = undefined;
        try {
          onEvict(value, key, reason);
        } catch (error) {
          failure ??= { error };
        }
      }
    } finally {
      notices.length = 0;
      this.#notifying = false;
    }
    if (failure !== undefined) throw failure.error;
  }
}

/** Internal: a cache on an explicit implementation (differential tests, benchmarks). */
export function createLocalCache<V = unknown>(options: LocalCacheOptions<V>, impl: Implementation): LocalCache<V> {
  return new LocalCache<V>(options, impl);
}

/** Internal: the policy's state, after applying pending hits (differential tests). */
export function policyStateOf<V>(cache: LocalCache<V>): number[] {
  return portOf(cache).state();
}

/** Internal: the policy port (tests that drive the protocol directly). */
export function policyPortOf<V>(cache: LocalCache<V>): PolicyPort {
  return portOf(cache);
}
