/**
 * One shard of OffHeapCache's JS twin; mirrors crates/core/src/cache/shard.rs
 * (the same calls into the same slot policy, in the same order), so both
 * implementations keep the same entries and counters. Keys and values
 * live in arrays by slot; the policy (ts/policy/js-policy.ts) decides.
 */
import type { LocalCacheStats } from '../../local/stats.js';
import { ENTRY_OVERHEAD_BYTES, MAX_TTL_MS } from '../../local/limits.js';
import { JsSlotPolicy } from '../../policy/js-policy.js';
import { Reason, type PolicyBudget, type PolicyKind } from '../../policy/protocol.js';

/** Where a shard reads the time, only when an operation needs it. */
export interface Clock {
  now(): number;
}

/** A slot not (yet) in the index. */
const NOT_A_SLOT = -1;

export class Shard {
  private readonly index = new Map<string, number>();
  private readonly keyOf: (string | undefined)[] = [];
  private readonly valueOf: (Buffer | undefined)[] = [];
  private readonly free: number[] = [];
  private readonly policy: JsSlotPolicy;

  constructor(
    index: number,
    budget: PolicyBudget,
    kind: PolicyKind,
    private readonly counters: LocalCacheStats,
    private readonly clock: Clock,
  ) {
    this.policy = new JsSlotPolicy(kind, budget, index, clock.now());
  }

  get size(): number {
    return this.policy.size;
  }

  get bytes(): number {
    return this.policy.bytes;
  }

  /** The stored value of a live entry (the caller copies it before it leaves the cache). */
  value(slot: number): Buffer {
    return this.valueOf[slot] as Buffer;
  }

  private isExpired(slot: number): boolean {
    const expires = this.policy.expires(slot);
    return expires !== 0 && expires <= this.clock.now();
  }

  /** The time for a policy call: read only when some entry has a TTL. */
  private policyNow(): number {
    return this.policy.hasTimers() ? this.clock.now() : 0;
  }

  private alloc(key: string, value: Buffer): number {
    const reused = this.free.pop();
    const slot = reused ?? this.keyOf.length;
    this.keyOf[slot] = key;
    this.valueOf[slot] = value;
    return slot;
  }

  /** Frees the keys and values of the slots the last policy call removed, and counts them. */
  private collectRemoved(unindexed: number): void {
    const removed = this.policy.removed;
    for (let i = 0; i < removed.length; i += 2) {
      const slot = removed[i];
      const reason = removed[i + 1];
      if (slot !== unindexed) this.index.delete(this.keyOf[slot] as string);
      this.keyOf[slot] = undefined;
      this.valueOf[slot] = undefined;
      this.free.push(slot);
      if (reason === Reason.Evicted) this.counters.evictions++;
      else if (reason === Reason.Expired) this.counters.expirations++;
    }
  }

  /** The slot of a live entry, or -1; removes an expired entry it finds. */
  private findLive(key: string): number {
    const slot = this.index.get(key);
    if (slot === undefined) return -1;
    if (this.isExpired(slot)) {
      this.policy.removeNow(slot, Reason.Expired);
      this.collectRemoved(NOT_A_SLOT);
      return -1;
    }
    return slot;
  }

  // ----- reads -----

  /** A read that counts as a hit or miss and updates recency and frequency; the slot or -1. */
  get(key: string): number {
    const slot = this.findLive(key);
    if (slot < 0) {
      this.counters.misses++;
      return -1;
    }
    this.counters.hits++;
    this.policy.hit(slot);
    return slot;
  }

  /** A read with no effect on policy or hit/miss counters; the slot or -1. */
  peek(key: string): number {
    return this.findLive(key);
  }

  /** Remaining ms; Infinity when the entry never expires; -1 when absent. */
  ttl(key: string): number {
    const slot = this.findLive(key);
    if (slot < 0) return -1;
    const expires = this.policy.expires(slot);
    return expires === 0 ? Infinity : expires - this.clock.now();
  }

  /** Appends the keys of live entries, per region, most recently used first. */
  keys(now: number, out: string[]): void {
    const order: number[] = [];
    this.policy.order(now, order);
    for (const slot of order) out.push(this.keyOf[slot] as string);
  }

  // ----- writes -----

  /** Stores a value (the cache's own copy); whether the entry is in the shard afterwards. */
  set(key: string, hash: number, keyBytes: number, value: Buffer, ttl: number): boolean {
    const bytes = keyBytes + value.length + ENTRY_OVERHEAD_BYTES;
    let existing = this.index.get(key);
    if (existing !== undefined && this.isExpired(existing)) {
      this.policy.removeNow(existing, Reason.Expired);
      this.collectRemoved(NOT_A_SLOT);
      existing = undefined;
    }
    const expires = ttl === 0 ? 0 : Math.min(this.clock.now() + ttl, MAX_TTL_MS);
    const now = ttl !== 0 ? this.clock.now() : this.policyNow();
    let kept: boolean;
    if (existing !== undefined) {
      this.valueOf[existing] = value;
      kept = this.policy.write(existing, 0, hash, bytes, expires, now);
      this.collectRemoved(NOT_A_SLOT);
    } else {
      const slot = this.alloc(key, value);
      kept = this.policy.write(slot, 0, hash, bytes, expires, now);
      if (kept) this.index.set(key, slot);
      this.collectRemoved(slot);
    }
    if (kept) this.counters.sets++;
    else this.counters.rejections++;
    return kept;
  }

  /** Removes a key; whether a live entry was removed. */
  delete(key: string): boolean {
    const slot = this.index.get(key);
    if (slot === undefined) {
      this.expireDue();
      return false;
    }
    const reason = this.isExpired(slot) ? Reason.Expired : Reason.Deleted;
    this.policy.delete(slot, reason, this.policyNow());
    this.collectRemoved(NOT_A_SLOT);
    return reason === Reason.Deleted;
  }

  /** Forgets every entry. */
  clear(): void {
    this.index.clear();
    this.keyOf.length = 0;
    this.valueOf.length = 0;
    this.free.length = 0;
    this.policy.clear();
  }

  /** Sweeps the timer wheel up to now (an empty wheel does not read the clock); how many expired. */
  expireDue(): number {
    if (!this.policy.hasTimers()) return 0;
    const expired = this.policy.expireDue(this.clock.now());
    this.collectRemoved(NOT_A_SLOT);
    return expired;
  }

  /** The policy state (see JsSlotPolicy.state). */
  policyState(out: number[]): void {
    out.push(...this.policy.state());
  }
}
