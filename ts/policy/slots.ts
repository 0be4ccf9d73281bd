/**
 * Per-slot state of one JS policy, the counterpart of
 * crates/core/src/policy/slots.rs: growable typed arrays by slot, with the
 * policy queues and timer-wheel buckets threaded through them. No keys or
 * values: the caller stores those by the same slot id.
 *
 * Like the Rust `Hot` record, the fields a recorded hit touches (the queue
 * links, the key hash, and liveness, region and generation packed in one
 * word) sit together in one Int32Array, four words per slot, four slots to
 * a cache line: draining a hit reads one record instead of six arrays. Int32
 * throughout, with NIL = -1, so that V8 keeps every slot number a small
 * integer (a Uint32Array read of 0xffffffff would be a float).
 */

/** No slot: the end of a list. */
export const NIL = -1;
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

/** Words per slot in `hot`, and the offset of each field. */
const HOT_WORDS = 4;
const PREV = 0;
const NEXT = 1;
const HASH = 2;
const META = 3;
/** META: bit 0 live, bits 1-2 region, bits 3.. generation. */
const LIVE = 1;
const REGION_SHIFT = 1;
const REGION_MASK = 3;
const GENERATION_SHIFT = 3;

type Grown = Uint16Array | Int32Array | Float64Array;

function grown<T extends Grown>(old: T, size: number, fill?: number): T {
  const next = new (old.constructor as new (n: number) => T)(size);
  next.set(old);
  if (fill !== undefined) next.fill(fill, old.length);
  return next;
}

/** A vacant hot record: no links, not live. */
function vacantHot(capacity: number): Int32Array {
  const hot = new Int32Array(capacity * HOT_WORDS);
  for (let b = 0; b < hot.length; b += HOT_WORDS) {
    hot[b + PREV] = NIL;
    hot[b + NEXT] = NIL;
  }
  return hot;
}

/** The slots of one policy. */
export class Slots {
  /** Per slot: prev, next, key hash (the bits of the u32), meta (see META). */
  hot = vacantHot(INITIAL_CAPACITY);
  /** Accounted bytes. */
  bytes = new Float64Array(INITIAL_CAPACITY);
  /** Absolute expiry in clock milliseconds; 0 = never. */
  expires = new Float64Array(INITIAL_CAPACITY);
  wprev = new Int32Array(INITIAL_CAPACITY).fill(NIL);
  wnext = new Int32Array(INITIAL_CAPACITY).fill(NIL);
  wbucket = new Uint16Array(INITIAL_CAPACITY).fill(NO_BUCKET);

  /** Number of addressable slots. */
  get capacity(): number {
    return this.bytes.length;
  }

  /** Makes `slot` addressable, growing the arrays when needed. */
  ensure(slot: number): void {
    const needed = slot + 1;
    const capacity = this.bytes.length;
    if (needed <= capacity) return;
    const size = Math.max(needed, capacity * 2, INITIAL_CAPACITY);
    const hot = vacantHot(size);
    hot.set(this.hot);
    this.hot = hot;
    this.bytes = grown(this.bytes, size);
    this.expires = grown(this.expires, size);
    this.wprev = grown(this.wprev, size, NIL);
    this.wnext = grown(this.wnext, size, NIL);
    this.wbucket = grown(this.wbucket, size, NO_BUCKET);
  }

  /** Stores a new live entry's hash and generation, in `region`, unlinked. */
  occupy(slot: number, hash: number, generation: number, region: Region): void {
    const b = slot * HOT_WORDS;
    this.hot[b + HASH] = hash;
    this.hot[b + META] = LIVE | (region << REGION_SHIFT) | (generation << GENERATION_SHIFT);
  }

  /** Whether `slot` holds a live entry (out-of-range slots do not). */
  isLive(slot: number): boolean {
    return slot < this.bytes.length && (this.hot[slot * HOT_WORDS + META] & LIVE) !== 0;
  }

  /** Whether `slot` holds a live entry stored under `generation` (out-of-range slots do not). */
  isLiveAs(slot: number, generation: number): boolean {
    if (slot >= this.bytes.length) return false;
    const meta = this.hot[slot * HOT_WORDS + META];
    return (meta & LIVE) !== 0 && meta >>> GENERATION_SHIFT === generation;
  }

  prev(slot: number): number {
    return this.hot[slot * HOT_WORDS + PREV];
  }

  next(slot: number): number {
    return this.hot[slot * HOT_WORDS + NEXT];
  }

  /** Key hash (the bits of the u32, as an int32). */
  hash(slot: number): number {
    return this.hot[slot * HOT_WORDS + HASH];
  }

  region(slot: number): Region {
    return ((this.hot[slot * HOT_WORDS + META] >>> REGION_SHIFT) & REGION_MASK) as Region;
  }

  setRegion(slot: number, region: Region): void {
    const i = slot * HOT_WORDS + META;
    this.hot[i] = (this.hot[i] & ~(REGION_MASK << REGION_SHIFT)) | (region << REGION_SHIFT);
  }

  /** Marks a slot as holding nothing (its hash stays readable until reuse). */
  vacate(slot: number): void {
    const b = slot * HOT_WORDS;
    this.hot[b + META] &= ~LIVE;
    this.hot[b + PREV] = NIL;
    this.hot[b + NEXT] = NIL;
    this.wbucket[slot] = NO_BUCKET;
    this.wprev[slot] = NIL;
    this.wnext[slot] = NIL;
  }

  /** Drops everything and returns to the initial size. */
  release(): void {
    Object.assign(this, new Slots());
  }

  /** Appends `slot` as the most recent entry of `list`. */
  pushTail(list: List, slot: number): void {
    const hot = this.hot;
    const tail = list.tail;
    hot[slot * HOT_WORDS + PREV] = tail;
    hot[slot * HOT_WORDS + NEXT] = NIL;
    if (tail === NIL) list.head = slot;
    else hot[tail * HOT_WORDS + NEXT] = slot;
    list.tail = slot;
  }

  /** Removes `slot` from `list`. */
  unlink(list: List, slot: number): void {
    const hot = this.hot;
    const b = slot * HOT_WORDS;
    const prev = hot[b + PREV];
    const next = hot[b + NEXT];
    if (prev === NIL) list.head = next;
    else hot[prev * HOT_WORDS + NEXT] = next;
    if (next === NIL) list.tail = prev;
    else hot[next * HOT_WORDS + PREV] = prev;
    hot[b + PREV] = NIL;
    hot[b + NEXT] = NIL;
  }

  /**
   * Makes `slot` the most recent entry of `list` (the hit path: unlink and
   * append in one pass, as the Rust `move_to_tail`).
   */
  moveToTail(list: List, slot: number): void {
    const hot = this.hot;
    const b = slot * HOT_WORDS;
    const next = hot[b + NEXT];
    if (next === NIL) return; // already the most recent
    const prev = hot[b + PREV];
    if (prev === NIL) list.head = next;
    else hot[prev * HOT_WORDS + NEXT] = next;
    hot[next * HOT_WORDS + PREV] = prev;
    const tail = list.tail;
    hot[tail * HOT_WORDS + NEXT] = slot;
    hot[b + PREV] = tail;
    hot[b + NEXT] = NIL;
    list.tail = slot;
  }
}
