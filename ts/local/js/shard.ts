/**
 * One shard of the JS twin; mirrors crates/core/src/cache/shard.rs decision
 * for decision (same order of operations, same integer arithmetic), so that
 * both implementations keep the same entries and counters. Keys are found
 * through the cache-wide Map, which the shard keeps in step.
 */
import { ENTRY_OVERHEAD_BYTES, MAX_TTL_MS } from '../limits.js';
import type { LocalCacheStats } from '../store.js';
import { ADMIT_HASHDOS_THRESHOLD, Sketch } from './sketch.js';
import { List, NIL, Region, type Slots } from './slots.js';
import { Wheel } from './wheel.js';

const TRANSFER_LIMIT = 1000;
const HIT_RATE_SCALE = 10_000;
const RESTART_THRESHOLD = 500;

/** Why an entry leaves (decides which counter, if any, moves). */
const enum Removal {
  Evicted,
  Expired,
  Silent,
}

/** Counters shared by every shard of one cache. */
export type Counters = LocalCacheStats;

/** Where a shard reads the time, only when an operation needs it. */
export interface Clock {
  now(): number;
}

/** Budget of one shard; `maxBytes` is Infinity when the cache has no byte budget. */
export interface ShardBudget {
  maxEntries: number;
  maxBytes: number;
}

export class Shard {
  private readonly window = new List();
  private readonly probation = new List();
  private readonly protected = new List();
  /** The policy queues, indexed by Region. */
  private readonly lists = [this.window, this.probation, this.protected];
  /** Their weights, indexed by Region. */
  private readonly weights = new Float64Array(3);
  private readonly weighted: boolean;
  private readonly maxWeight: number;
  private readonly maxEntries: number;
  private readonly maxEntryBytes: number;
  private windowMax = 0;
  private protectedMax = 0;
  count = 0;
  bytes = 0;
  private readonly sketch = new Sketch();
  private rng: number;
  private hitsInSample = 0;
  private missesInSample = 0;
  private previousHitRate = 0;
  private step = 0;
  private readonly wheel: Wheel;
  private readonly due: number[] = [];

  constructor(
    private readonly index: number,
    budget: ShardBudget,
    private readonly lru: boolean,
    private readonly slots: Slots,
    private readonly keyIndex: Map<string, number>,
    private readonly counters: Counters,
    private readonly clock: Clock,
  ) {
    this.weighted = budget.maxBytes !== Infinity;
    this.maxWeight = this.weighted ? budget.maxBytes : budget.maxEntries;
    this.maxEntries = budget.maxEntries;
    this.maxEntryBytes = budget.maxBytes;
    this.rng = ((0x2545f491 ^ Math.imul(index, 0x9e3779b9)) | 1) >>> 0;
    this.wheel = new Wheel(slots, clock.now());
    this.resetRegions();
  }

  private resetRegions(): void {
    const max = this.maxWeight;
    this.windowMax = this.lru ? max : Math.ceil(max / 100);
    const main = max - this.windowMax;
    this.protectedMax = main - Math.ceil(main / 5);
    // `+ 0` turns -0 into 0, as the Rust integers have no negative zero.
    this.step = -Math.floor(max / 16) + 0;
    this.hitsInSample = 0;
    this.missesInSample = 0;
    this.previousHitRate = 0;
  }

  private weightOf(slot: number): number {
    return this.weighted ? this.slots.bytes[slot] : 1;
  }

  private totalWeight(): number {
    return this.weighted ? this.bytes : this.count;
  }

  private overBudget(): boolean {
    return this.totalWeight() > this.maxWeight || this.count > this.maxEntries;
  }

  private isExpired(slot: number, now: number): boolean {
    const expires = this.slots.expires[slot];
    return expires !== 0 && expires <= now;
  }

  /** A found slot if still live; removes it (as expired) otherwise. */
  live(slot: number, now: number): boolean {
    if (this.isExpired(slot, now)) {
      this.remove(slot, Removal.Expired);
      return false;
    }
    return true;
  }

  // ----- reads (the cache found the slot through its Map) -----

  /** A hit on a live slot: counters, sample and policy effects. */
  hit(slot: number): void {
    this.counters.hits++;
    if (this.hitsInSample + this.missesInSample < this.sketch.sampleSize) this.hitsInSample++;
    this.onAccess(slot);
  }

  /** Appends the keys of live entries, per region, most recent first. */
  keys(now: number, out: string[]): void {
    const s = this.slots;
    for (const list of this.lists) {
      for (let slot = list.tail; slot !== NIL; slot = s.prev[slot]) {
        const expires = s.expires[slot];
        if (!(expires !== 0 && expires <= now)) out.push(s.keys[slot] as string);
      }
    }
  }

  // ----- writes -----

  /**
   * Stores a value; whether the entry is in the shard afterwards. The clock
   * is read at most once, and only when the operation needs it (the Rust
   * core's `Now`).
   */
  set(key: string, hash: number, keyBytes: number, value: Buffer, ttl: number): boolean {
    let now = -1;
    if (!this.wheel.isEmpty()) this.expireDueAt((now = this.clock.now()));
    const bytes = keyBytes + value.length + ENTRY_OVERHEAD_BYTES;
    let existing = this.keyIndex.get(key);
    if (bytes > this.maxEntryBytes) {
      if (existing !== undefined) this.remove(existing, Removal.Silent);
      this.counters.rejections++;
      return false;
    }
    if (ttl !== 0 && now < 0) now = this.clock.now();
    const expires = ttl === 0 ? 0 : Math.min(now + ttl, MAX_TTL_MS);
    if (existing !== undefined && this.slots.expires[existing] !== 0) {
      if (now < 0) now = this.clock.now();
      if (this.isExpired(existing, now)) {
        this.remove(existing, Removal.Expired);
        existing = undefined;
      }
    }
    let slot: number;
    if (existing !== undefined) {
      slot = existing;
      this.update(slot, value, bytes, expires, now);
    } else {
      slot = this.insert(key, hash, value, bytes, expires, now);
    }
    const kept = this.evict(slot);
    this.climb();
    if (kept) this.counters.sets++;
    else this.counters.rejections++;
    return kept;
  }

  /** Removes a key; whether a live entry was removed. */
  delete(key: string): boolean {
    this.expireDue();
    const slot = this.keyIndex.get(key);
    if (slot === undefined) return false;
    if (this.slots.expires[slot] !== 0 && !this.live(slot, this.clock.now())) return false;
    this.remove(slot, Removal.Silent);
    return true;
  }

  /** Forgets every entry (the cache resets the slots and the Map). */
  clear(): void {
    for (const list of this.lists) {
      list.head = NIL;
      list.tail = NIL;
    }
    this.weights.fill(0);
    this.count = 0;
    this.bytes = 0;
    this.wheel.clear();
    this.due.length = 0;
    this.sketch.release();
    this.resetRegions();
  }

  /** Sweeps the timer wheel up to now (an empty wheel does not read the clock); how many expired. */
  expireDue(): number {
    return this.wheel.isEmpty() ? 0 : this.expireDueAt(this.clock.now());
  }

  private expireDueAt(now: number): number {
    if (now <= this.wheel.time) return 0;
    const due = this.due;
    this.wheel.advance(now, due);
    let expired = 0;
    for (let i = 0; i < due.length; i++) {
      const slot = due[i];
      if (this.isExpired(slot, now)) {
        this.remove(slot, Removal.Expired);
        expired++;
      } else {
        this.wheel.schedule(slot);
      }
    }
    due.length = 0;
    return expired;
  }

  private insert(key: string, hash: number, value: Buffer, bytes: number, expires: number, now: number): number {
    const s = this.slots;
    const slot = s.alloc();
    s.keys[slot] = key;
    s.values[slot] = value;
    s.expires[slot] = expires;
    s.bytes[slot] = bytes;
    s.hash[slot] = hash;
    s.region[slot] = Region.Window;
    s.shard[slot] = this.index;
    this.keyIndex.set(key, slot);
    this.count++;
    this.bytes += bytes;
    this.attach(slot, Region.Window);
    if (expires !== 0) {
      this.wheel.catchUp(now);
      this.wheel.schedule(slot);
    }
    if (!this.lru) {
      if (this.totalWeight() * 2 >= this.maxWeight || this.count * 2 >= this.maxEntries) {
        this.sketch.ensureCapacity(this.weighted ? this.count : this.maxEntries);
      }
      this.sketch.increment(hash);
      if (this.hitsInSample + this.missesInSample < this.sketch.sampleSize) this.missesInSample++;
    }
    return slot;
  }

  private update(slot: number, value: Buffer, bytes: number, expires: number, now: number): void {
    const s = this.slots;
    const oldWeight = this.weightOf(slot);
    const oldBytes = s.bytes[slot];
    s.values[slot] = value;
    s.bytes[slot] = bytes;
    s.expires[slot] = expires;
    this.bytes = this.bytes - oldBytes + bytes;
    const newWeight = this.weightOf(slot);
    const region = s.region[slot];
    this.weights[region] = this.weights[region] - oldWeight + newWeight;
    this.wheel.unschedule(slot);
    if (expires !== 0) {
      this.wheel.catchUp(now);
      this.wheel.schedule(slot);
    }
    this.onAccess(slot);
  }

  /** Takes an entry out of its policy queue (and that queue's weight). */
  private detach(slot: number): void {
    const region = this.slots.region[slot];
    this.slots.unlink(this.lists[region], slot);
    this.weights[region] -= this.weightOf(slot);
  }

  /** Appends an entry (not in any queue) as the most recent of `region`. */
  private attach(slot: number, region: Region): void {
    this.slots.pushTail(this.lists[region], slot);
    this.slots.region[slot] = region;
    this.weights[region] += this.weightOf(slot);
  }

  /** Moves an entry to the most recent end of `region`. */
  private transfer(slot: number, region: Region): void {
    this.detach(slot);
    this.attach(slot, region);
  }

  private remove(slot: number, cause: Removal): void {
    const s = this.slots;
    this.detach(slot);
    this.wheel.unschedule(slot);
    this.keyIndex.delete(s.keys[slot] as string);
    this.count--;
    this.bytes -= s.bytes[slot];
    s.release(slot);
    if (cause === Removal.Evicted) this.counters.evictions++;
    else if (cause === Removal.Expired) this.counters.expirations++;
  }

  // ----- policy -----

  private onAccess(slot: number): void {
    const s = this.slots;
    if (this.lru) {
      s.moveToTail(this.window, slot);
      return;
    }
    this.sketch.incrementLater(s.hash[slot]);
    switch (s.region[slot]) {
      case Region.Window:
        s.moveToTail(this.window, slot);
        break;
      case Region.Probation:
        this.promote(slot);
        break;
      default:
        s.moveToTail(this.protected, slot);
    }
  }

  private promote(slot: number): void {
    const s = this.slots;
    const weight = this.weightOf(slot);
    if (weight > this.protectedMax) {
      s.moveToTail(this.probation, slot);
      return;
    }
    this.transfer(slot, Region.Protected);
    this.demoteProtected();
  }

  private demoteProtected(): void {
    while (this.weights[Region.Protected] > this.protectedMax) {
      const slot = this.protected.head;
      if (slot === NIL) break;
      this.transfer(slot, Region.Probation);
    }
  }

  // The entry of the current set, and whether it survived its own eviction.
  private protect = NIL;
  private kept = true;

  private evictEntry(slot: number): void {
    if (slot === this.protect) {
      this.kept = false;
      this.remove(slot, Removal.Silent);
    } else {
      this.remove(slot, Removal.Evicted);
    }
  }

  private evict(protect: number): boolean {
    this.protect = protect;
    this.kept = true;
    if (this.lru) {
      while (this.overBudget()) {
        const slot = this.window.head;
        if (slot === NIL) break;
        this.evictEntry(slot);
      }
    } else {
      this.evictFromMain(this.evictFromWindow());
    }
    this.protect = NIL;
    return this.kept;
  }

  private evictFromWindow(): number {
    let candidates = 0;
    while (this.weights[Region.Window] > this.windowMax) {
      const slot = this.window.head;
      if (slot === NIL) break;
      this.transfer(slot, Region.Probation);
      candidates++;
    }
    return candidates;
  }

  private evictFromMain(candidates: number): void {
    const s = this.slots;
    let victimRegion: Region = Region.Probation;
    let victim = this.probation.head;
    let candidate = this.probation.tail;
    while (this.overBudget()) {
      if (candidates === 0) candidate = NIL;
      if (candidate === NIL && victim === NIL) {
        if (victimRegion === Region.Probation) {
          victimRegion = Region.Protected;
          victim = this.protected.head;
          continue;
        }
        if (victimRegion === Region.Protected) {
          victimRegion = Region.Window;
          victim = this.window.head;
          continue;
        }
        break;
      }
      if (victim === NIL) {
        const previous = s.prev[candidate];
        this.evictEntry(candidate);
        candidate = previous;
        candidates--;
        continue;
      }
      if (candidate === NIL) {
        const next = s.next[victim];
        this.evictEntry(victim);
        victim = next;
        continue;
      }
      if (candidate === victim) {
        const next = s.next[victim];
        this.evictEntry(victim);
        victim = next;
        candidate = NIL;
        candidates--;
        continue;
      }
      candidates--;
      if (this.admit(s.hash[candidate], s.hash[victim])) {
        const next = s.next[victim];
        this.evictEntry(victim);
        victim = next;
        candidate = s.prev[candidate];
      } else {
        const previous = s.prev[candidate];
        this.evictEntry(candidate);
        candidate = previous;
      }
    }
  }

  private nextRandom(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }

  private admit(candidateHash: number, victimHash: number): boolean {
    const victimFreq = this.sketch.frequency(victimHash);
    const candidateFreq = this.sketch.frequency(candidateHash);
    if (candidateFreq > victimFreq) return true;
    if (candidateFreq >= ADMIT_HASHDOS_THRESHOLD) return (this.nextRandom() & 127) === 0;
    return false;
  }

  private climb(): void {
    if (this.lru) return;
    const requests = this.hitsInSample + this.missesInSample;
    const sample = this.sketch.sampleSize;
    if (sample === 0 || requests < sample) return;
    const hitRate = Math.floor((this.hitsInSample * HIT_RATE_SCALE) / requests);
    const change = hitRate - this.previousHitRate;
    const amount = change >= 0 ? this.step : -this.step;
    const restart = Math.floor(this.maxWeight / 16);
    const next =
      Math.abs(change) >= RESTART_THRESHOLD ? (amount >= 0 ? restart : -restart) : Math.trunc((amount * 98) / 100);
    this.step = next + 0; // no negative zero, as in the Rust integers
    this.previousHitRate = hitRate;
    this.hitsInSample = 0;
    this.missesInSample = 0;
    this.demoteProtected();
    if (amount > 0) this.increaseWindow(amount);
    else if (amount < 0) this.decreaseWindow(-amount);
  }

  private increaseWindow(amount: number): void {
    if (this.protectedMax === 0) return;
    let quota = Math.min(amount, this.protectedMax);
    this.protectedMax -= quota;
    this.windowMax += quota;
    this.demoteProtected();
    for (let i = 0; i < TRANSFER_LIMIT; i++) {
      let slot = this.probation.head;
      if (slot === NIL || quota < this.weightOf(slot)) slot = this.protected.head;
      if (slot === NIL) break;
      const weight = this.weightOf(slot);
      if (quota < weight) break;
      quota -= weight;
      this.transfer(slot, Region.Window);
    }
    this.protectedMax += quota;
    this.windowMax -= quota;
  }

  private decreaseWindow(amount: number): void {
    if (this.windowMax <= 1) return;
    let quota = Math.min(amount, this.windowMax - 1);
    this.protectedMax += quota;
    this.windowMax -= quota;
    for (let i = 0; i < TRANSFER_LIMIT; i++) {
      const slot = this.window.head;
      if (slot === NIL) break;
      const weight = this.weightOf(slot);
      if (quota < weight) break;
      quota -= weight;
      this.transfer(slot, Region.Probation);
    }
    this.protectedMax -= quota;
    this.windowMax += quota;
  }

  /** The same nine numbers as the Rust shard's `policy_state`. */
  policyState(out: number[]): void {
    out.push(
      this.windowMax,
      this.protectedMax,
      this.weights[Region.Window],
      this.weights[Region.Probation],
      this.weights[Region.Protected],
      this.step,
      this.previousHitRate,
      this.hitsInSample,
      this.missesInSample,
    );
  }
}
