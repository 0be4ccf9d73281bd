/**
 * The pure-JS twin of NativeCache: the same cache, decisions and counters,
 * on the JS heap. Used when the native addon is unavailable or
 * TIERCACHE_IMPL=js. Its `shared()` caches are per thread: JavaScript cannot
 * share this memory with other threads.
 */
import { MAX_ENTRIES } from '../limits.js';
import type { CacheStore, LocalCacheStats } from '../store.js';
import { hashKey, shardOf, type KeyBytes } from './hash.js';
import { type Counters, Shard } from './shard.js';
import { Slots } from './slots.js';

const registry = new Map<string, { store: JsCacheStore; config: string }>();

/** A copy of the bytes in memory of its own (a pooled slice would pin its neighbours' pool). */
function ownCopy(value: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(value.length);
  copy.set(value);
  return copy;
}

function ownUtf8(value: string): Buffer {
  const copy = Buffer.allocUnsafeSlow(Buffer.byteLength(value, 'utf8'));
  copy.write(value, 'utf8');
  return copy;
}

function zeroCounters(): Counters {
  return { hits: 0, misses: 0, sets: 0, evictions: 0, expirations: 0, rejections: 0 };
}

/** Splits `total` over `n` shards: equal shares, the remainder to the first shards. */
function split(total: number, n: number, index: number): number {
  if (total === Infinity) return Infinity;
  return Math.floor(total / n) + (index < total % n ? 1 : 0);
}

export class JsCacheStore implements CacheStore {
  private readonly slots = new Slots();
  private readonly keyIndex = new Map<string, number>();
  private readonly counters = zeroCounters();
  private readonly shards: Shard[];
  private readonly shardBits: number;
  private readonly manual: boolean;
  private manualTime = 0;
  private readonly keyBytes: KeyBytes = { bytes: 0 };

  constructor(maxEntries: number, maxBytes: number, policy: string, shards: number, manualClock: boolean) {
    this.manual = manualClock;
    this.shardBits = Math.log2(shards);
    const entries = maxEntries > 0 ? maxEntries : MAX_ENTRIES;
    const bytes = maxBytes > 0 ? maxBytes : Infinity;
    this.shards = [];
    for (let i = 0; i < shards; i++) {
      const budget = { maxEntries: split(entries, shards, i), maxBytes: split(bytes, shards, i) };
      this.shards.push(new Shard(i, budget, policy === 'lru', this.slots, this.keyIndex, this.counters, this));
    }
  }

  /** The per-thread cache `name` (JavaScript cannot share it with other threads). */
  static shared(
    name: string,
    maxEntries: number,
    maxBytes: number,
    policy: string,
    shards: number,
    manualClock: boolean,
  ): JsCacheStore {
    const config = JSON.stringify([maxEntries, maxBytes, policy, shards, manualClock]);
    const existing = registry.get(name);
    if (existing !== undefined) {
      if (existing.config !== config) {
        throw Object.assign(new Error(`shared cache ${JSON.stringify(name)} already exists with different options`), {
          code: 'ERR_INVALID_ARG_VALUE',
        });
      }
      return existing.store;
    }
    const store = new JsCacheStore(maxEntries, maxBytes, policy, shards, manualClock);
    registry.set(name, { store, config });
    return store;
  }

  static deleteShared(name: string): boolean {
    return registry.delete(name);
  }

  static create(maxEntries: number, maxBytes: number, policy: string, shards: number, manualClock: boolean): JsCacheStore {
    return new JsCacheStore(maxEntries, maxBytes, policy, shards, manualClock);
  }

  now(): number {
    return this.manual ? this.manualTime : Math.floor(performance.now());
  }

  advance(ms: number): void {
    if (!this.manual) {
      throw Object.assign(new Error("advance() needs a cache created with clock: 'manual'"), {
        code: 'ERR_INVALID_ARG_VALUE',
      });
    }
    this.manualTime = Math.min(this.manualTime + ms, Number.MAX_SAFE_INTEGER);
  }

  /** The slot of a live entry, or -1; removes an expired entry it finds. */
  private findLive(key: string): number {
    const slot = this.keyIndex.get(key);
    if (slot === undefined) return -1;
    // Read the clock only for entries that can expire.
    if (this.slots.expires[slot] !== 0 && !this.shards[this.slots.shard[slot]].live(slot, this.now())) return -1;
    return slot;
  }

  private lookup(key: string): number {
    const slot = this.findLive(key);
    if (slot < 0) {
      this.counters.misses++;
      return -1;
    }
    this.shards[this.slots.shard[slot]].hit(slot);
    return slot;
  }

  get(key: string): Buffer | null {
    const slot = this.lookup(key);
    return slot < 0 ? null : (this.slots.values[slot] as Buffer);
  }

  getString(key: string): string | null {
    const slot = this.lookup(key);
    return slot < 0 ? null : (this.slots.values[slot] as Buffer).toString('utf8');
  }

  peek(key: string): Buffer | null {
    const slot = this.findLive(key);
    return slot < 0 ? null : (this.slots.values[slot] as Buffer);
  }

  peekString(key: string): string | null {
    const slot = this.findLive(key);
    return slot < 0 ? null : (this.slots.values[slot] as Buffer).toString('utf8');
  }

  has(key: string): boolean {
    return this.findLive(key) >= 0;
  }

  ttl(key: string): number {
    const slot = this.findLive(key);
    if (slot < 0) return -1;
    const expires = this.slots.expires[slot];
    return expires === 0 ? Infinity : expires - this.now();
  }

  set(key: string, value: Uint8Array, ttlMs: number): boolean {
    return this.write(key, ownCopy(value), ttlMs);
  }

  setString(key: string, value: string, ttlMs: number): boolean {
    return this.write(key, ownUtf8(value), ttlMs);
  }

  private write(key: string, value: Buffer, ttlMs: number): boolean {
    const hash = hashKey(key, this.keyBytes);
    const shard = this.shards[shardOf(hash, this.shardBits)];
    return shard.set(key, hash, this.keyBytes.bytes, value, ttlMs);
  }

  delete(key: string): boolean {
    const hash = hashKey(key, this.keyBytes);
    return this.shards[shardOf(hash, this.shardBits)].delete(key);
  }

  clear(): void {
    this.keyIndex.clear();
    this.slots.reset();
    for (const shard of this.shards) shard.clear();
  }

  getMany(keys: string[]): Array<Buffer | null> {
    const out = new Array<Buffer | null>(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = this.get(keys[i]);
    return out;
  }

  deleteMany(keys: string[]): number {
    let removed = 0;
    for (let i = 0; i < keys.length; i++) if (this.delete(keys[i])) removed++;
    return removed;
  }

  size(): number {
    let n = 0;
    for (const shard of this.shards) n += shard.count;
    return n;
  }

  bytes(): number {
    let n = 0;
    for (const shard of this.shards) n += shard.bytes;
    return n;
  }

  stats(): LocalCacheStats {
    return { ...this.counters };
  }

  resetStats(): void {
    Object.assign(this.counters, zeroCounters());
  }

  keys(): string[] {
    const out: string[] = [];
    const now = this.now();
    for (const shard of this.shards) shard.keys(now, out);
    return out;
  }

  purgeExpired(): number {
    let n = 0;
    for (const shard of this.shards) n += shard.expireDue();
    return n;
  }

  policyState(): number[] {
    const out: number[] = [];
    for (const shard of this.shards) shard.policyState(out);
    return out;
  }
}
