/**
 * The native implementation of OffHeapStore: an adapter over the cache
 * functions of the addon (typed by the generated declarations, so any change
 * to the native signatures fails tsc here), called with this cache's handle.
 *
 * Values come back through the arena (arena.ts), which this adapter attaches
 * to the native object: Rust copies a value into it and returns only the
 * length; the adapter returns a Buffer view of those bytes.
 */
import type { CacheHandle, ExternalObject } from '../../ts/native/generated/binding.js';
import type { NativeBinding } from '../native/index.js';
import type { LocalCacheStats } from '../local/stats.js';
import { Arena, ARENA_BYTES, view } from './arena.js';
import type { OffHeapStore, OffHeapStoreClass } from './store.js';

/** Keys per getManyInto crossing (the capacity of the lengths array). */
const BATCH_KEYS = 1024;
const MISS = -1;

type Handle = ExternalObject<CacheHandle>;

class NativeStore implements OffHeapStore {
  readonly #n: NativeBinding;
  readonly #h: Handle;
  readonly #lens = new Int32Array(BATCH_KEYS);
  readonly #arena: Arena;

  constructor(binding: NativeBinding, handle: Handle) {
    this.#n = binding;
    this.#h = handle;
    this.#arena = new Arena((bytes) => binding.cacheAttach(handle, bytes, this.#lens));
  }

  #read(key: string, counted: boolean): Buffer | null {
    const arena = this.#arena;
    const pos = arena.readPos();
    const n = counted ? this.#n.cacheGetInto(this.#h, key, pos) : this.#n.cachePeekInto(this.#h, key, pos);
    if (n >= 0) {
      arena.pos = pos + n;
      return view(arena.buffer, pos, n);
    }
    return n === MISS ? null : this.#n.cacheTakePending(this.#h);
  }

  get(key: string): Buffer | null {
    return this.#read(key, true);
  }

  peek(key: string): Buffer | null {
    return this.#read(key, false);
  }

  getString(key: string): string | null {
    return this.#n.cacheGetString(this.#h, key);
  }

  peekString(key: string): string | null {
    return this.#n.cachePeekString(this.#h, key);
  }

  getMany(keys: string[]): Array<Buffer | null> {
    const out = new Array<Buffer | null>(keys.length);
    const lens = this.#lens;
    for (let start = 0; start < keys.length; start += BATCH_KEYS) {
      const end = Math.min(keys.length, start + BATCH_KEYS);
      for (let i = start; i < end; i++) lens[i - start] = keys[i].length;
      const joined = start === 0 && end === keys.length ? keys.join('') : keys.slice(start, end).join('');
      if (this.#arena.pos > ARENA_BYTES / 2) this.#arena.rotate();
      const arena = this.#arena.buffer;
      let pos = this.#arena.pos;
      this.#arena.pos = this.#n.cacheGetManyInto(this.#h, joined, end - start, pos);
      for (let i = start; i < end; i++) {
        const n = lens[i - start];
        if (n >= 0) {
          out[i] = view(arena, pos, n);
          pos += n;
        } else {
          out[i] = n === MISS ? null : this.#n.cacheTakePending(this.#h);
        }
      }
    }
    return out;
  }

  set(key: string, value: Uint8Array, ttlMs: number): boolean {
    const pos = this.#arena.pos;
    const n = value.length;
    if (n <= ARENA_BYTES - pos) {
      // Copying into the arena and passing numbers costs less than N-API
      // reading a Uint8Array argument.
      this.#arena.bytes.set(value, pos);
      return this.#n.cacheSetFromArena(this.#h, key, pos, n, ttlMs);
    }
    return this.#n.cacheSet(this.#h, key, value, ttlMs);
  }

  setString(key: string, value: string, ttlMs: number): boolean {
    return this.#n.cacheSetString(this.#h, key, value, ttlMs);
  }

  has(key: string): boolean {
    return this.#n.cacheHas(this.#h, key);
  }

  ttl(key: string): number {
    return this.#n.cacheTtl(this.#h, key);
  }

  delete(key: string): boolean {
    return this.#n.cacheDelete(this.#h, key);
  }

  deleteMany(keys: string[]): number {
    return this.#n.cacheDeleteMany(this.#h, keys);
  }

  clear(): void {
    this.#n.cacheClear(this.#h);
  }

  size(): number {
    return this.#n.cacheSize(this.#h);
  }

  bytes(): number {
    return this.#n.cacheBytes(this.#h);
  }

  stats(): LocalCacheStats {
    return this.#n.cacheStats(this.#h);
  }

  resetStats(): void {
    this.#n.cacheResetStats(this.#h);
  }

  keys(): string[] {
    return this.#n.cacheKeys(this.#h);
  }

  advance(ms: number): void {
    this.#n.cacheAdvance(this.#h, ms);
  }

  now(): number {
    return this.#n.cacheNow(this.#h);
  }

  purgeExpired(): number {
    return this.#n.cachePurgeExpired(this.#h);
  }

  policyState(): number[] {
    return this.#n.cachePolicyState(this.#h);
  }
}

/** The native OffHeapStore factories over a loaded addon. */
export function nativeStores(binding: NativeBinding): OffHeapStoreClass {
  return {
    create: (maxEntries, maxBytes, policy, shards, manualClock) =>
      new NativeStore(binding, binding.cacheCreate(maxEntries, maxBytes, policy, shards, manualClock)),
    shared: (name, maxEntries, maxBytes, policy, shards, manualClock) =>
      new NativeStore(binding, binding.cacheShared(name, maxEntries, maxBytes, policy, shards, manualClock)),
    deleteShared: (name) => binding.cacheDeleteShared(name),
  };
}
