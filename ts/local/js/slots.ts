/**
 * Entry storage of the JS twin, the counterpart of crates/core/src/cache/slab.rs:
 * one set of growable typed arrays for all shards (so a single Map finds any
 * key without hashing it), with the policy lists and timer-wheel buckets
 * threaded through them. No per-entry objects beyond the key and value.
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

function grown<T extends Uint32Array | Uint16Array | Uint8Array | Float64Array>(old: T, size: number, fill?: number): T {
  const next = new (old.constructor as new (n: number) => T)(size);
  next.set(old);
  if (fill !== undefined) next.fill(fill, old.length);
  return next;
}

/** The slots of a cache. */
export class Slots {
  keys: (string | undefined)[] = [];
  values: (Buffer | undefined)[] = [];
  hash = new Uint32Array(INITIAL_CAPACITY);
  prev = new Uint32Array(INITIAL_CAPACITY).fill(NIL);
  next = new Uint32Array(INITIAL_CAPACITY).fill(NIL);
  wprev = new Uint32Array(INITIAL_CAPACITY).fill(NIL);
  wnext = new Uint32Array(INITIAL_CAPACITY).fill(NIL);
  wbucket = new Uint16Array(INITIAL_CAPACITY).fill(NO_BUCKET);
  region = new Uint8Array(INITIAL_CAPACITY);
  shard = new Uint16Array(INITIAL_CAPACITY);
  expires = new Float64Array(INITIAL_CAPACITY);
  bytes = new Float64Array(INITIAL_CAPACITY);
  private free: number[] = [];
  private used = 0;

  /** A free slot, growing the arrays when needed. */
  alloc(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.hash.length) this.grow();
    return this.used++;
  }

  /** Frees a slot, dropping its key and value. */
  release(slot: number): void {
    this.keys[slot] = undefined;
    this.values[slot] = undefined;
    this.prev[slot] = NIL;
    this.next[slot] = NIL;
    this.wprev[slot] = NIL;
    this.wnext[slot] = NIL;
    this.wbucket[slot] = NO_BUCKET;
    this.free.push(slot);
  }

  /** Drops everything and returns to the initial size. */
  reset(): void {
    const fresh = new Slots();
    Object.assign(this, fresh);
  }

  private grow(): void {
    const size = this.hash.length * 2;
    this.hash = grown(this.hash, size);
    this.prev = grown(this.prev, size, NIL);
    this.next = grown(this.next, size, NIL);
    this.wprev = grown(this.wprev, size, NIL);
    this.wnext = grown(this.wnext, size, NIL);
    this.wbucket = grown(this.wbucket, size, NO_BUCKET);
    this.region = grown(this.region, size);
    this.shard = grown(this.shard, size);
    this.expires = grown(this.expires, size);
    this.bytes = grown(this.bytes, size);
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
