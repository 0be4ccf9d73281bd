/**
 * The climber's reference caches (plain LRU, and TinyLFU without a window)
 * over a sample of the keys; mirrors crates/core/src/policy/shadow.rs
 * exactly (same sampling, same sizes, same evictions). See the Rust file for
 * the design.
 */
import type { Sketch } from './sketch.js';

/** Entries a shadow models at most: larger caches are sampled down to this. */
export const SHADOW_ENTRIES = 1024;
/** With a byte budget a shadow may hold this many times more entries. */
const WEIGHTED_SLACK = 4;
const NIL = 0xffffffff;
const EMPTY = new Uint32Array(0);
const EMPTY_WEIGHTS = new Float64Array(0);

/** Which reference cache a shadow is. */
export const enum ShadowKind {
  Lru = 0,
  TinyLfu = 1,
}

/** The sampling mix of a key hash (Fibonacci hashing), as a uint32. */
function mix(hash: number): number {
  return Math.imul(hash, 0x9e3779b1) >>> 0;
}

/** The smallest power of two >= n (n >= 1). */
function nextPowerOfTwo(n: number): number {
  return n <= 1 ? 1 : 2 ** (32 - Math.clz32(n - 1));
}

/** `links` copied into a new array of `size`, the rest NIL. */
function grown(links: Uint32Array, size: number): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(size).fill(NIL);
  out.set(links);
  return out;
}

/** A shadow cache of key hashes. */
export class Shadow {
  private sized = false;
  private shift = 0;
  private budget = 0;
  private cap = 0;
  private weight = 0;
  private len = 0;
  private head = NIL;
  private tail = NIL;
  private hashes = EMPTY;
  private weights = EMPTY_WEIGHTS;
  private prev = EMPTY;
  private next = EMPTY;
  private chain = EMPTY;
  private buckets = EMPTY;
  private fresh = 0;
  private free = NIL;

  constructor(private readonly kind: ShadowKind) {}

  /** Forgets everything, sizing included. */
  reset(): void {
    this.sized = false;
    this.shift = 0;
    this.budget = 0;
    this.cap = 0;
    this.weight = 0;
    this.len = 0;
    this.head = NIL;
    this.tail = NIL;
    this.hashes = EMPTY;
    this.weights = EMPTY_WEIGHTS;
    this.prev = EMPTY;
    this.next = EMPTY;
    this.chain = EMPTY;
    this.buckets = EMPTY;
    this.fresh = 0;
    this.free = NIL;
  }

  /** Sizes the shadow (see shadow.rs `size`); later calls change nothing. */
  size(maxWeight: number, maxEntries: number, capacity: number, weighted: boolean): void {
    if (this.sized) return;
    let shift = 0;
    while (shift < 31 && Math.floor(capacity / 2 ** shift) > SHADOW_ENTRIES) shift++;
    const limit = weighted ? SHADOW_ENTRIES * WEIGHTED_SLACK : SHADOW_ENTRIES;
    const cap = Math.min(Math.max(Math.floor(maxEntries / 2 ** shift), 1), limit);
    this.reset();
    this.sized = true;
    this.shift = shift;
    this.budget = Math.max(Math.floor(maxWeight / 2 ** shift), 1);
    this.cap = cap;
    this.buckets = new Uint32Array(nextPowerOfTwo(Math.min(cap, SHADOW_ENTRIES) + 1)).fill(NIL);
  }

  /** Whether `hash` is in the sample (never before the shadow is sized). */
  samples(hash: number): boolean {
    return this.sized && (this.shift === 0 || mix(hash) >>> (32 - this.shift) === 0);
  }

  /** A request for a sampled key of `weight`: whether this shadow would have hit. */
  access(hash: number, weight: number, sketch: Sketch): boolean {
    const e = this.find(hash);
    if (e !== NIL) {
      this.unlink(e);
      this.weight = this.weight - this.weights[e] + weight;
      this.weights[e] = weight;
      this.push(e);
      this.shrink(e);
      return true;
    }
    const overflows = this.weight + weight > this.budget || this.len >= this.cap;
    if (
      this.kind === ShadowKind.TinyLfu &&
      overflows &&
      this.head !== NIL &&
      sketch.frequency(hash) <= sketch.frequency(this.hashes[this.head])
    ) {
      return false;
    }
    this.insert(hash, weight);
    return false;
  }

  /** Drops a sampled key that left the cache on request or by expiry. */
  forget(hash: number): void {
    if (!this.samples(hash)) return;
    const e = this.find(hash);
    if (e !== NIL) this.remove(e);
  }

  /** Entries and weight (for the policy state). */
  state(): [number, number] {
    return [this.len, this.weight];
  }

  private bucket(hash: number): number {
    return mix(hash) & (this.buckets.length - 1);
  }

  private find(hash: number): number {
    const h = hash >>> 0;
    let e = this.buckets[this.bucket(h)];
    while (e !== NIL && this.hashes[e] !== h) e = this.chain[e];
    return e;
  }

  private insert(hash: number, weight: number): void {
    let e: number;
    if (this.free !== NIL) {
      e = this.free;
      this.free = this.next[e];
    } else {
      e = this.fresh++;
      if (e === this.hashes.length) this.grow();
    }
    this.hashes[e] = hash;
    this.weights[e] = weight;
    const b = this.bucket(hash);
    this.chain[e] = this.buckets[b];
    this.buckets[b] = e;
    this.push(e);
    this.len++;
    this.weight += weight;
    this.shrink(e);
  }

  /** Evicts the least recent entries, never `keep`, while over the budget or the cap. */
  private shrink(keep: number): void {
    while ((this.weight > this.budget || this.len > this.cap) && this.head !== keep) this.remove(this.head);
  }

  /** Doubles the entry arrays (they grow with the entries held at once, as shadow.rs's Vecs do). */
  private grow(): void {
    const size = Math.max(this.hashes.length * 2, 16);
    const hashes = new Uint32Array(size);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const weights = new Float64Array(size);
    weights.set(this.weights);
    this.weights = weights;
    this.prev = grown(this.prev, size);
    this.next = grown(this.next, size);
    this.chain = grown(this.chain, size);
  }

  private push(e: number): void {
    this.prev[e] = this.tail;
    this.next[e] = NIL;
    if (this.tail === NIL) this.head = e;
    else this.next[this.tail] = e;
    this.tail = e;
  }

  private unlink(e: number): void {
    const p = this.prev[e];
    const n = this.next[e];
    if (p === NIL) this.head = n;
    else this.next[p] = n;
    if (n === NIL) this.tail = p;
    else this.prev[n] = p;
  }

  private remove(e: number): void {
    this.unlink(e);
    const b = this.bucket(this.hashes[e]);
    if (this.buckets[b] === e) {
      this.buckets[b] = this.chain[e];
    } else {
      let p = this.buckets[b];
      while (this.chain[p] !== e) p = this.chain[p];
      this.chain[p] = this.chain[e];
    }
    this.len--;
    this.weight -= this.weights[e];
    this.next[e] = this.free;
    this.free = e;
  }
}
