/**
 * The hierarchical timer wheel of one policy; mirrors
 * crates/core/src/policy/wheel.rs. Spans are powers of two of milliseconds,
 * so `floor(t / span)` is exact for every t up to 2^53.
 */
import { NIL, NO_BUCKET, type Slots } from './slots.js';

const SPANS = [2 ** 10, 2 ** 16, 2 ** 22, 2 ** 28, 2 ** 34];
const BUCKETS = [64, 64, 64, 64, 1];
const TOTAL_BUCKETS = 64 * 4 + 1;

function bucketIndex(level: number, ticks: number): number {
  return level * 64 + (ticks % BUCKETS[level]);
}

/** The timer wheel of one policy. */
export class Wheel {
  private readonly heads = new Int32Array(TOTAL_BUCKETS).fill(NIL);
  private readonly tails = new Int32Array(TOTAL_BUCKETS).fill(NIL);
  /** Entries in buckets. */
  private len = 0;

  constructor(
    private readonly slots: Slots,
    /** The time the wheel was last advanced to. */
    public time: number,
  ) {}

  /** Empties every bucket (the entries are being cleared at the same time). */
  clear(): void {
    this.heads.fill(NIL);
    this.tails.fill(NIL);
    this.len = 0;
  }

  /** Whether no entry is scheduled (sweeping has nothing to do; the time is left behind). */
  isEmpty(): boolean {
    return this.len === 0;
  }

  /** Brings an empty wheel's time up to `now` before it takes an entry. */
  catchUp(now: number): void {
    if (this.len === 0 && now > this.time) this.time = now;
  }

  /** Puts `slot` in the bucket of its expiry time. */
  schedule(slot: number): void {
    const s = this.slots;
    const expires = s.expires[slot];
    const duration = Math.max(0, expires - this.time);
    let bucket = TOTAL_BUCKETS - 1;
    for (let level = 0; level < 4; level++) {
      if (duration < SPANS[level + 1]) {
        bucket = bucketIndex(level, Math.floor(expires / SPANS[level]));
        break;
      }
    }
    const tail = this.tails[bucket];
    s.wbucket[slot] = bucket;
    s.wprev[slot] = tail;
    s.wnext[slot] = NIL;
    if (tail === NIL) this.heads[bucket] = slot;
    else s.wnext[tail] = slot;
    this.tails[bucket] = slot;
    this.len++;
  }

  /** Takes `slot` out of its bucket, if it is in one. */
  unschedule(slot: number): void {
    const s = this.slots;
    const bucket = s.wbucket[slot];
    if (bucket === NO_BUCKET) return;
    const prev = s.wprev[slot];
    const next = s.wnext[slot];
    if (prev === NIL) this.heads[bucket] = next;
    else s.wnext[prev] = next;
    if (next === NIL) this.tails[bucket] = prev;
    else s.wprev[next] = prev;
    s.wbucket[slot] = NO_BUCKET;
    s.wprev[slot] = NIL;
    s.wnext[slot] = NIL;
    this.len--;
  }

  /** Advances to `now`, appending the slots of buckets that came due to `due`. */
  advance(now: number, due: number[]): void {
    if (now <= this.time) return;
    const previous = this.time;
    this.time = now;
    const s = this.slots;
    for (let level = 0; level < 5; level++) {
      const previousTicks = Math.floor(previous / SPANS[level]);
      const currentTicks = Math.floor(now / SPANS[level]);
      if (currentTicks <= previousTicks) break;
      const steps = Math.min(currentTicks - previousTicks + 1, BUCKETS[level]);
      for (let step = 0; step < steps; step++) {
        const bucket = bucketIndex(level, previousTicks + step);
        let slot = this.heads[bucket];
        this.heads[bucket] = NIL;
        this.tails[bucket] = NIL;
        while (slot !== NIL) {
          const next = s.wnext[slot];
          s.wbucket[slot] = NO_BUCKET;
          s.wprev[slot] = NIL;
          s.wnext[slot] = NIL;
          this.len--;
          due.push(slot);
          slot = next;
        }
      }
    }
  }
}
