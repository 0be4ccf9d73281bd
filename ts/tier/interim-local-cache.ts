/**
 * INTERIM: replaced by LocalCache<V> (branch i9-local) at integration.
 *
 * LocalCache is being redesigned to hold any JS value by reference (today's
 * byte cache becomes OffHeapCache). Until that lands, this class implements
 * exactly the subset of the new `LocalCache<V>` API that TierCache's value
 * L1 uses (constructor options, get, peek, set with { ttlMs }, delete, clear,
 * size, bytes, keys), so that swapping it is a one-line import change in
 * l1-value-store.ts. It is a plain LRU over a Map with lazy expiry: it does
 * not implement the W-TinyLFU policy, metrics or shards of the real one.
 */
import { performance } from 'node:perf_hooks';

/** The options of the new LocalCache<V> that this stand-in honours. */
export interface InterimLocalCacheOptions<V> {
  maxEntries?: number;
  maxBytes?: number;
  sizeOf?: (value: V, key: string) => number;
  ttlMs?: number;
  clock?: 'system' | 'manual';
  onEvict?: (value: V, key: string, reason: 'evict' | 'expire' | 'delete' | 'set') => void;
}

interface Slot<V> {
  value: V;
  size: number;
  /** Expiry on this cache's clock; Infinity for none. */
  expiresAt: number;
}

/** Stand-in for LocalCache<V>; see the module comment. */
export class InterimLocalCache<V> {
  readonly #map = new Map<string, Slot<V>>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #sizeOf: ((value: V, key: string) => number) | undefined;
  readonly #ttlMs: number;
  readonly #manual: boolean;
  readonly #onEvict: InterimLocalCacheOptions<V>['onEvict'];
  #manualNow = 0;
  #bytes = 0;

  constructor(options: InterimLocalCacheOptions<V>) {
    this.#maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.#sizeOf = options.sizeOf;
    this.#ttlMs = options.ttlMs ?? 0;
    this.#manual = options.clock === 'manual';
    this.#onEvict = options.onEvict;
  }

  #now(): number {
    return this.#manual ? this.#manualNow : performance.now();
  }

  #live(key: string): Slot<V> | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt <= this.#now()) {
      this.#remove(key, slot, 'expire');
      return undefined;
    }
    return slot;
  }

  #remove(key: string, slot: Slot<V>, reason: 'evict' | 'expire' | 'delete' | 'set'): void {
    this.#map.delete(key);
    this.#bytes -= slot.size;
    this.#onEvict?.(slot.value, key, reason);
  }

  /** The value, refreshed as most recently used; undefined when absent or expired. */
  get(key: string): V | undefined {
    const slot = this.#live(key);
    if (slot === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, slot);
    return slot.value;
  }

  /** The value without touching recency. */
  peek(key: string): V | undefined {
    return this.#live(key)?.value;
  }

  /** Whether a live entry exists. */
  has(key: string): boolean {
    return this.#live(key) !== undefined;
  }

  /** Stores `value`; false when it alone exceeds maxBytes (any previous value is removed). */
  set(key: string, value: V, options?: { ttlMs?: number }): boolean {
    const previous = this.#map.get(key);
    if (previous !== undefined) this.#remove(key, previous, 'set');
    const size = this.#sizeOf === undefined ? 0 : this.#sizeOf(value, key);
    if (size > this.#maxBytes) return false;
    const ttl = options?.ttlMs ?? this.#ttlMs;
    this.#map.set(key, { value, size, expiresAt: ttl > 0 ? this.#now() + ttl : Number.POSITIVE_INFINITY });
    this.#bytes += size;
    while (this.#map.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const [oldestKey, oldest] = this.#map.entries().next().value as [string, Slot<V>];
      this.#remove(oldestKey, oldest, 'evict');
    }
    return true;
  }

  /** Removes a key; whether a live entry was removed. */
  delete(key: string): boolean {
    const slot = this.#live(key);
    if (slot === undefined) return false;
    this.#remove(key, slot, 'delete');
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }

  /** Stored entries (expired ones count until touched). */
  get size(): number {
    return this.#map.size;
  }

  /** Bytes by `sizeOf`. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keys, least recently used first. */
  keys(): IterableIterator<string> {
    return this.#map.keys();
  }

  /** Moves a manual clock forward. */
  advance(ms: number): void {
    if (!this.#manual) throw new TypeError("advance() needs a cache created with clock: 'manual'");
    this.#manualNow += ms;
  }
}
