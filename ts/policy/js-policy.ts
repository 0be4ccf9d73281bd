/**
 * The slot policy in JavaScript: mirrors crates/core/src/policy/mod.rs
 * decision for decision (same order of operations, same integer
 * arithmetic), so that for the same calls both keep the same entries. It
 * knows slot ids, key hashes, sizes and times, never keys or values; after
 * every call that changes anything, `removed` lists (slot, reason) pairs of
 * the slots that left, for the caller to free.
 */
import { Climber } from './climber.js';
import { Reason, Ring, type PolicyBudget, type PolicyKind } from './protocol.js';
import { ADMIT_HASHDOS_THRESHOLD, Sketch } from './sketch.js';
import { List, NIL, NO_BUCKET, Region, Slots } from './slots.js';
import { Wheel } from './wheel.js';

const TRANSFER_LIMIT = 1000;

/** Planted divergences, switched on only by the differential test to prove it can fail. */
export const plantedDivergence = { admission: false };

export class JsSlotPolicy {
  private readonly slots = new Slots();
  private readonly window = new List();
  private readonly probation = new List();
  private readonly protected = new List();
  /** The policy queues, indexed by Region. */
  private readonly lists = [this.window, this.probation, this.protected];
  /** Their weights, indexed by Region. */
  private readonly weights = new Float64Array(3);
  private readonly lru: boolean;
  private readonly weighted: boolean;
  private readonly maxWeight: number;
  private readonly maxEntries: number;
  private readonly maxEntryBytes: number;
  private windowMax = 0;
  private protectedMax = 0;
  private count = 0;
  private totalBytes = 0;
  private readonly sketch = new Sketch();
  private rng: number;
  private readonly climber: Climber;
  private readonly wheel: Wheel;
  private readonly due: number[] = [];
  /** (slot, Reason) pairs of the slots that left during the last call that changed anything. */
  readonly removed: number[] = [];
  /** Whether the latest write found the policy at its budget (within 1/32 of it, or at the entry cap). */
  private full = false;

  /** A policy for `budget`; `seed` varies the admission randomness (the shard index); `now` starts the timer wheel. */
  constructor(kind: PolicyKind, budget: PolicyBudget, seed: number, now: number) {
    this.lru = kind === 'lru';
    this.weighted = budget.maxBytes !== 0;
    this.maxWeight = this.weighted ? budget.maxBytes : budget.maxEntries;
    this.maxEntries = budget.maxEntries;
    this.maxEntryBytes = this.weighted ? budget.maxBytes : Infinity;
    this.rng = ((0x2545f491 ^ Math.imul(seed, 0x9e3779b9)) | 1) >>> 0;
    this.climber = new Climber(this.maxWeight);
    this.wheel = new Wheel(this.slots, now);
    this.resetRegions();
  }

  private resetRegions(): void {
    const max = this.maxWeight;
    this.windowMax = this.lru ? max : Math.ceil(max / 100);
    const main = max - this.windowMax;
    this.protectedMax = main - Math.ceil(main / 5);
    this.climber.reset(max);
    this.full = false;
  }

  /** Number of live entries. */
  get size(): number {
    return this.count;
  }

  /** Accounted bytes of the live entries. */
  get bytes(): number {
    return this.totalBytes;
  }

  isLive(slot: number): boolean {
    return this.slots.isLive(slot);
  }

  /** Expiry time of a live entry (0 = never). */
  expires(slot: number): number {
    return this.slots.expires[slot];
  }

  /** Key hash of the entry last stored in `slot` (0 for a slot never stored). */
  hash(slot: number): number {
    return slot < this.slots.capacity ? this.slots.hash(slot) >>> 0 : 0;
  }

  /** Whether some entry has a TTL (then writes need the current time). */
  hasTimers(): boolean {
    return !this.wheel.isEmpty();
  }

  private weightOf(slot: number): number {
    return this.weighted ? this.slots.bytes[slot] : 1;
  }

  private totalWeight(): number {
    return this.weighted ? this.totalBytes : this.count;
  }

  private overBudget(): boolean {
    return this.totalWeight() > this.maxWeight || this.count > this.maxEntries;
  }

  private isExpired(slot: number, now: number): boolean {
    const expires = this.slots.expires[slot];
    return expires !== 0 && expires <= now;
  }

  // ----- reads -----

  /** A hit on a live slot, applied at once. */
  hit(slot: number): void {
    const hash = this.slots.hash(slot) >>> 0;
    this.climber.recordHit(this.slots.region(slot));
    if (this.climber.samples(hash)) this.climber.recordSampled(hash, this.weightOf(slot), true, this.sketch);
    this.onAccess(slot);
  }

  /**
   * Applies the first `count` recorded hits of `ring` (refs: see
   * protocol.ts). A ref whose slot is no longer live, or holds an entry of
   * another generation, counts for nothing.
   */
  drain(ring: Int32Array, count: number): void {
    const s = this.slots;
    for (let i = 0; i < count; i++) {
      const ref = ring[i];
      const slot = ref & Ring.SlotMask;
      if (s.isLiveAs(slot, (ref >>> Ring.GenerationShift) & Ring.GenerationMask)) this.hit(slot);
    }
  }

  /** The live, unexpired slots: per region (window, probation, protected), most recently used first. */
  order(now: number, out: number[]): void {
    const s = this.slots;
    for (const list of this.lists) {
      for (let slot = list.tail; slot !== NIL; slot = s.prev(slot)) {
        if (!this.isExpired(slot, now)) out.push(slot);
      }
    }
  }

  // ----- writes -----

  /**
   * Stores the entry of `slot` (an insert when the slot is not live, an
   * update otherwise); sweeps due timers first. Whether the entry is live
   * afterwards; `removed` lists the written slot as Rejected exactly when it
   * was refused.
   */
  write(slot: number, generation: number, hash: number, bytes: number, expires: number, now: number): boolean {
    this.removed.length = 0;
    this.sweep(now);
    const live = this.isLive(slot);
    if (bytes > this.maxEntryBytes) {
      if (live) this.remove(slot, Reason.Rejected);
      else this.removed.push(slot, Reason.Rejected);
      return false;
    }
    if (live) this.update(slot, bytes, expires, now);
    else this.insert(slot, generation, hash, bytes, expires, now);
    const kept = this.evict(slot);
    this.climb();
    return kept;
  }

  /** Removes `slot` for `reason` after sweeping due timers; whether it was still live to be removed. */
  delete(slot: number, reason: Reason, now: number): boolean {
    this.removed.length = 0;
    this.sweep(now);
    if (!this.isLive(slot)) return false;
    this.remove(slot, reason);
    return true;
  }

  /** Removes a live `slot` for `reason` without sweeping. */
  removeNow(slot: number, reason: Reason): void {
    this.removed.length = 0;
    if (this.isLive(slot)) this.remove(slot, reason);
  }

  /** Sweeps the timer wheel up to `now`; how many entries expired. */
  expireDue(now: number): number {
    this.removed.length = 0;
    return this.sweep(now);
  }

  /** Forgets every entry. */
  clear(): void {
    this.removed.length = 0;
    this.slots.release();
    for (const list of this.lists) {
      list.head = NIL;
      list.tail = NIL;
    }
    this.weights.fill(0);
    this.count = 0;
    this.totalBytes = 0;
    this.wheel.clear();
    this.due.length = 0;
    this.sketch.release();
    this.resetRegions();
  }

  private sweep(now: number): number {
    if (this.wheel.isEmpty() || now <= this.wheel.time) return 0;
    const due = this.due;
    this.wheel.advance(now, due);
    let expired = 0;
    for (let i = 0; i < due.length; i++) {
      const slot = due[i];
      if (this.isExpired(slot, now)) {
        this.remove(slot, Reason.Expired);
        expired++;
      } else {
        this.wheel.schedule(slot);
      }
    }
    due.length = 0;
    return expired;
  }

  private insert(slot: number, generation: number, hash: number, bytes: number, expires: number, now: number): void {
    const s = this.slots;
    s.ensure(slot);
    s.bytes[slot] = bytes;
    s.expires[slot] = expires;
    s.wbucket[slot] = NO_BUCKET;
    s.occupy(slot, hash, generation & Ring.GenerationMask, Region.Window);
    this.count++;
    this.totalBytes += bytes;
    this.attach(slot, Region.Window);
    if (expires !== 0) {
      this.wheel.catchUp(now);
      this.wheel.schedule(slot);
    }
    if (!this.lru) {
      if (this.totalWeight() * 2 >= this.maxWeight || this.count * 2 >= this.maxEntries) {
        const capacity = this.weighted ? this.count : this.maxEntries;
        this.sketch.ensureCapacity(capacity);
        this.climber.size(this.maxWeight, this.maxEntries, capacity, this.weighted);
      }
      this.sketch.increment(hash);
      this.climber.recordMiss();
      if (this.climber.samples(hash)) this.climber.recordSampled(hash, this.weightOf(slot), false, this.sketch);
    }
  }

  private update(slot: number, bytes: number, expires: number, now: number): void {
    const s = this.slots;
    const oldWeight = this.weightOf(slot);
    const oldBytes = s.bytes[slot];
    s.bytes[slot] = bytes;
    s.expires[slot] = expires;
    this.totalBytes = this.totalBytes - oldBytes + bytes;
    const newWeight = this.weightOf(slot);
    const region = s.region(slot);
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
    const region = this.slots.region(slot);
    this.slots.unlink(this.lists[region], slot);
    this.weights[region] -= this.weightOf(slot);
  }

  /** Appends an entry (not in any queue) as the most recent of `region`. */
  private attach(slot: number, region: Region): void {
    this.slots.pushTail(this.lists[region], slot);
    this.slots.setRegion(slot, region);
    this.weights[region] += this.weightOf(slot);
  }

  /** Moves an entry to the most recent end of `region`. */
  private transfer(slot: number, region: Region): void {
    this.detach(slot);
    this.attach(slot, region);
  }

  private remove(slot: number, reason: Reason): void {
    // LRU would have lost it too: its return is no hit LRU would have had.
    if (reason === Reason.Deleted || reason === Reason.Expired) this.climber.forget(this.slots.hash(slot) >>> 0);
    const bytes = this.slots.bytes[slot];
    this.detach(slot);
    this.wheel.unschedule(slot);
    this.slots.vacate(slot);
    this.count--;
    this.totalBytes -= bytes;
    this.removed.push(slot, reason);
  }

  // ----- policy -----

  private onAccess(slot: number): void {
    const s = this.slots;
    if (this.lru) {
      s.moveToTail(this.window, slot);
      return;
    }
    this.sketch.incrementLater(s.hash(slot));
    switch (s.region(slot)) {
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
    if (this.weightOf(slot) > this.protectedMax) {
      this.slots.moveToTail(this.probation, slot);
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

  // The entry of the current write, and whether it survived its own eviction.
  private protect = NIL;
  private kept = true;

  private evictEntry(slot: number): void {
    if (slot === this.protect) {
      this.kept = false;
      this.remove(slot, Reason.Rejected);
    } else {
      this.remove(slot, Reason.Evicted);
    }
  }

  private evict(protect: number): boolean {
    this.full = this.totalWeight() >= this.maxWeight - Math.floor(this.maxWeight / 32) || this.count >= this.maxEntries;
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
        const previous = s.prev(candidate);
        this.evictEntry(candidate);
        candidate = previous;
        candidates--;
        continue;
      }
      if (candidate === NIL) {
        const next = s.next(victim);
        this.evictEntry(victim);
        victim = next;
        continue;
      }
      if (candidate === victim) {
        const next = s.next(victim);
        this.evictEntry(victim);
        victim = next;
        candidate = NIL;
        candidates--;
        continue;
      }
      candidates--;
      if (this.admit(s.hash(candidate), s.hash(victim))) {
        const next = s.next(victim);
        this.evictEntry(victim);
        victim = next;
        candidate = s.prev(candidate);
      } else {
        const previous = s.prev(candidate);
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
    if (plantedDivergence.admission ? candidateFreq >= victimFreq : candidateFreq > victimFreq) return true;
    if (candidateFreq >= ADMIT_HASHDOS_THRESHOLD) return (this.nextRandom() & 127) === 0;
    return false;
  }

  /** Asks the climber how to move the window (after every write) and applies its answer. */
  private climb(): void {
    if (this.lru) return;
    const amount = this.climber.adapt({
      windowMax: this.windowMax,
      windowWeight: this.weights[Region.Window],
      probationWeight: this.weights[Region.Probation],
      protectedWeight: this.weights[Region.Protected],
      maxWeight: this.maxWeight,
      sampleSize: this.sketch.sampleSize,
      full: this.full,
    });
    this.demoteProtected();
    if (amount > 0) this.increaseWindow(amount);
    else if (amount < 0) this.decreaseWindow(-amount);
  }

  /** The probation segment's share while the window leaves it (20% of the initial main space). */
  private probationShare(): number {
    return Math.ceil((this.maxWeight - Math.ceil(this.maxWeight / 100)) / 5);
  }

  /** Sets the window's maximum; protected gets what the window and the probation share leave. */
  private setWindowMax(windowMax: number): void {
    this.windowMax = windowMax;
    this.protectedMax = Math.max(this.maxWeight - windowMax - this.probationShare(), 0);
  }

  /** Grows the window by up to `amount` (up to the whole budget); what could not be moved is given back. */
  private increaseWindow(amount: number): void {
    const room = this.maxWeight - this.windowMax;
    if (room === 0) return;
    let quota = Math.min(amount, room);
    this.setWindowMax(this.windowMax + quota);
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
    this.setWindowMax(this.windowMax - quota);
  }

  /** Shrinks the window by up to `amount`, keeping at least one unit; what could not be moved is given back. */
  private decreaseWindow(amount: number): void {
    if (this.windowMax <= 1) return;
    let quota = Math.min(amount, this.windowMax - 1);
    this.setWindowMax(this.windowMax - quota);
    for (let i = 0; i < TRANSFER_LIMIT; i++) {
      const slot = this.window.head;
      if (slot === NIL) break;
      const weight = this.weightOf(slot);
      if (quota < weight) break;
      quota -= weight;
      this.transfer(slot, Region.Probation);
    }
    this.setWindowMax(this.windowMax + quota);
  }

  /** The same numbers as the Rust policy's `state`: five of the policy, then the climber's. */
  state(): number[] {
    return [
      this.windowMax,
      this.protectedMax,
      this.weights[Region.Window],
      this.weights[Region.Probation],
      this.weights[Region.Protected],
      ...this.climber.state(),
    ];
  }
}
