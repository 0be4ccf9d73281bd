/**
 * The pure-JS twin of the off-heap cache: the same shards, decisions and
 * counters (each shard mirrors crates/core/src/cache/shard.rs over the JS
 * slot policy), on the JS heap. Used when the native addon is unavailable
 * or TIERCACHE_IMPL=js. It keeps its own copy of every value it is given
 * and returns a copy of every value it is asked for (through an arena, as
 * the native side does), so no caller can change a cached value. Its
 * `shared()` caches are per thread: JavaScript cannot share this memory
 * with other threads.
 */
import { MAX_ENTRIES } from '../../local/limits.js';
import type { LocalCacheStats } from '../../local/stats.js';
import { hashKey, shardOf, type KeyBytes } from '../../policy/hash.js';
import type { PolicyKind } from '../../policy/protocol.js';
import { Arena } from '../arena.js';
import type { OffHeapStore } from '../store.js';
import { Shard } from './shard.js';

const registry = new Map<string, { store: JsStore; config: string }>();

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

function zeroCounters(): LocalCacheStats {
  return { hits: 0, misses: 0, sets: 0, evictions: 0, expirations: 0, rejections: 0 };
}

/** Splits `total` over `n` shards: equal shares, the remainder to the first shards. */
function split(total: number, n: number, index: number): number {
  return Math.floor(total / n) + (index < total % n ? 1 : 0);
}

export class JsStore implements OffHeapStore {
  private readonly counters = zeroCounters();
  private readonly shards: Shard[];
  private readonly shardBits: number;
  private readonly manual: boolean;
  private manualTime = 0;
  private readonly keyBytes: KeyBytes = { bytes: 0 };
  private readonly arena = new Arena();

  constructor(maxEntries: number, maxBytes: number, policy: string, shards: number, manualClock: boolean) {
    this.manual = manualClock;
    this.shardBits = Math.log2(shards);
    const entries = maxEntries > 0 ? maxEntries : MAX_ENTRIES;
    this.shards = [];
    for (let i = 0; i < shards; i++) {
      const budget = { maxEntries: split(entries, shards, i), maxBytes: maxBytes > 0 ? split(maxBytes, shards, i) : 0 };
      this.shards.push(new Shard(i, budget, policy as PolicyKind, this.counters, this));
    }
  }

  /** The per-thread cache `name` (JavaScript cannot share it with other threads). */
  static shared(name: string, maxEntries: number, maxBytes: number, policy: string, shards: number, manualClock: boolean): JsStore {
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
    const store = new JsStore(maxEntries, maxBytes, policy, shards, manualClock);
    registry.set(name, { store, config });
    return store;
  }

  static deleteShared(name: string): boolean {
    return registry.delete(name);
  }

  static create(maxEntries: number, maxBytes: number, policy: string, shards: number, manualClock: boolean): JsStore {
    return new JsStore(maxEntries, maxBytes, policy, shards, manualClock);
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

  /** The shard of `key` (hashing it only when there are several). */
  private shardOfKey(key: string): Shard {
    return this.shardBits === 0 ? this.shards[0] : this.shards[shardOf(hashKey(key, this.keyBytes), this.shardBits)];
  }

  get(key: string): Buffer | null {
    const shard = this.shardOfKey(key);
    const slot = shard.get(key);
    return slot < 0 ? null : this.arena.copyOut(shard.value(slot));
  }

  getString(key: string): string | null {
    const shard = this.shardOfKey(key);
    const slot = shard.get(key);
    return slot < 0 ? null : shard.value(slot).toString('utf8');
  }

  peek(key: string): Buffer | null {
    const shard = this.shardOfKey(key);
    const slot = shard.peek(key);
    return slot < 0 ? null : this.arena.copyOut(shard.value(slot));
  }

  peekString(key: string): string | null {
    const shard = this.shardOfKey(key);
    const slot = shard.peek(key);
    return slot < 0 ? null : shard.value(slot).toString('utf8');
  }

  has(key: string): boolean {
    return this.shardOfKey(key).peek(key) >= 0;
  }

  ttl(key: string): number {
    return this.shardOfKey(key).ttl(key);
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
    return this.shardOfKey(key).delete(key);
  }

  clear(): void {
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
    for (const shard of this.shards) n += shard.size;
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
