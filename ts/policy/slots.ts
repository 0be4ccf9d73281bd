/**
 * Per-slot state of one JS policy, the counterpart of
 * crates/core/src/policy/slots.rs: growable typed arrays by slot, with the
 * policy queues and timer-wheel buckets threaded through them. No keys or
 * values: the caller stores those by the same slot id.
 */

/** No slot: the end of a list. */
export const NIL = 0xffffffff;
/** An entry that is in no timer-wheel bucket. */
export const NO_BUCKET = 0xffff;

/** Policy queue of an entry. */
export const enum Region {
  Window = 0,
  Probation = 1,
  Protected = 2,
}

/** Head (least recent) and tail (most recent) of an intrusive list. */
export class List {
  head = NIL;
  tail = NIL;
}

const INITIAL_CAPACITY = 16;

type Grown = Uint32Array | Uint16Array | Uint8Array | Int32Array | Float64Array;

function grown<T extends Grown>(old: T, size: number, fill?: number): T {
  const next = new (old.constructor as new (n: number) => T)(size);
  next.set(old);
  if (fill !== undefined) next.fill(fill, old.length);
  return next;
}

/** The slots of one policy. */
export class Slots {
  /** Accounted bytes. */
  bytes = new Float64Array(INITIAL_CAPACITY);
  /** Absolute expiry in clock milliseconds; 0 = never. */
  expires = new Float64Array(INITIAL_CAPACITY);
  /** Key hash (the bits of the u32, as an int32). */
  hash = new Int32Array(INITIAL_CAPACITY);
  /** The caller's generation of the slot when the entry was stored. */
  generation = new Int32Array(INITIAL_CAPACITY);
  prev = new Uint32Array(INITIAL_CAPACITY).fill(NIL);
  next = new Uint32Array(INITIAL_CAPACITY).fill(NIL);
  wprev = new Uint32Array(INITIAL_CAPACITY).fill(NIL);
  wnext = new Uint32Array(INITIAL_CAPACITY).fill(NIL);
  wbucket = new Uint16Array(INITIAL_CAPACITY).fill(NO_BUCKET);
  region = new Uint8Array(INITIAL_CAPACITY);
  live = new Uint8Array(INITIAL_CAPACITY);

  /** Number of addressable slots. */
  get capacity(): number {
    return this.live.length;
  }

  /** Makes `slot` addressable, growing the arrays when needed. */
  ensure(slot: number): void {
    const needed = slot + 1;
    if (needed <= this.live.length) return;
    const size = Math.max(needed, this.live.length * 2, INITIAL_CAPACITY);
    this.bytes = grown(this.bytes, size);
    this.expires = grown(this.expires, size);
    this.hash = grown(this.hash, size);
    this.generation = grown(this.generation, size);
    this.prev = grown(this.prev, size, NIL);
    this.next = grown(this.next, size, NIL);
    this.wprev = grown(this.wprev, size, NIL);
    this.wnext = grown(this.wnext, size, NIL);
    this.wbucket = grown(this.wbucket, size, NO_BUCKET);
    this.region = grown(this.region, size);
    this.live = grown(this.live, size);
  }

  /** Whether `slot` holds a live entry (out-of-range slots do not). */
  isLive(slot: number): boolean {
    return slot < this.live.length && this.live[slot] === 1;
  }

  /** Marks a slot as holding nothing (its hash stays readable until reuse). */
  vacate(slot: number): void {
    this.live[slot] = 0;
    this.wbucket[slot] = NO_BUCKET;
    this.prev[slot] = NIL;
    this.next[slot] = NIL;
    this.wprev[slot] = NIL;
    this.wnext[slot] = NIL;
  }

  /** Drops everything and returns to the initial size. */
  release(): void {
    Object.assign(this, new Slots());
  }

  /** Appends `slot` as the most recent entry of `list`. */
  pushTail(list: List, slot: number): void {
    const tail = list.tail;
    this.prev[slot] = tail;
    this.next[slot] = NIL;
    if (tail === NIL) list.head = slot;
    else this.next[tail] = slot;
    list.tail = slot;
  }

  /** Removes `slot` from `list`. */
  unlink(list: List, slot: number): void {
    const prev = this.prev[slot];
    const next = this.next[slot];
    if (prev === NIL) list.head = next;
    else this.next[prev] = next;
    if (next === NIL) list.tail = prev;
    else this.prev[next] = prev;
    this.prev[slot] = NIL;
    this.next[slot] = NIL;
  }

  /** Makes `slot` the most recent entry of `list`. */
  moveToTail(list: List, slot: number): void {
    if (list.tail !== slot) {
      this.unlink(list, slot);
      this.pushTail(list, slot);
    }
  }
}
