/**
 * The JavaScript side of one batch: its waiters in load order, the slot of
 * each, and the key of each slot. It mirrors one batch of the accumulator
 * (same sequence number) and is driven only by the decisions read back.
 *
 * `load()` appends its waiter here directly, before the accumulator has
 * decided it (the undecided tail, `decided..waiters`): the arrays are young
 * and per batch, so a load is written once and never copied, except when a
 * seal splits a tail off into the next batch.
 */
import type { KeyId } from './accumulator.js';

/** One batch as the processor sees it. */
export class BatchState<K> {
  /** The accumulator's sequence number of this batch; -1 until its first load is accepted. */
  seq = -1;
  /** Waiters in load order, `waiters` of them (see waiters.ts); `waitA[w]` is undefined once the waiter left. */
  readonly waitA: unknown[];
  readonly waitB: unknown[];
  /** The key of each waiter (the accumulator reads its identities here while undecided, unless keyOf is set). */
  readonly waitKeys: (K | undefined)[];
  /** The identity of each waiter when keyOf is set (null otherwise: the key is the identity). */
  readonly waitIds: KeyId[] | null;
  /** The slot of each decided waiter (-1: refused, or not a single-key waiter). */
  readonly waitSlot: number[];
  waiters = 0;
  /** Waiters the accumulator has decided (the rest are staged). */
  decided = 0;
  /**
   * True while every decided waiter `w` is a plain load that opened slot `w`
   * (no duplicate, refusal, signal or loadMany so far): then the slot of
   * waiter `w` is `w`, the key of slot `s` is `waitKeys[s]`, and neither
   * `keys` nor `waitSlot` is filled (see {@link materialize}).
   */
  identity = true;
  /** The key of each slot (the first caller's key), once not in identity mode; `positions` of them. */
  readonly keys: K[];
  /** Slot positions (live or dead), as in the accumulator. */
  positions = 0;
  /** Slots whose every waiter left (aborted): not sent to `execute`. */
  dead: boolean[] | null = null;
  deadCount = 0;
  /** The clock's now() when its first load was accepted (for maxWaitMs). */
  openedAt = 0;
  /** 'queued' until it starts, 'running' while `execute` runs, then 'settled'. */
  state: 'queued' | 'running' | 'settled' = 'queued';
  /** Set when close() gave up waiting for it: its results are ignored. */
  abandoned = false;
  private onSettled: (() => void)[] | null = null;

  /** `hint`: the expected number of waiters (arrays are sized for it up front). */
  constructor(hint: number, withIds: boolean) {
    this.waitA = new Array<unknown>(hint);
    this.waitB = new Array<unknown>(hint);
    this.waitKeys = new Array<K | undefined>(hint);
    this.waitSlot = new Array<number>(hint);
    this.keys = new Array<K>(hint);
    this.waitIds = withIds ? new Array<KeyId>(hint) : null;
  }

  /** Leaves identity mode: fills `keys` and `waitSlot` for the first `decided` waiters. */
  materialize(decided: number): void {
    if (!this.identity) return;
    this.identity = false;
    for (let w = 0; w < decided; w++) {
      this.keys[w] = this.waitKeys[w] as K;
      this.waitSlot[w] = w;
    }
  }

  /** The key of each slot, once the batch is sealed. */
  slotKeys(): K[] {
    const keys = this.identity ? (this.waitKeys as K[]) : this.keys;
    keys.length = this.positions;
    return keys;
  }

  /** Moves the waiters from `from` on (all undecided) into a new batch. */
  splitOff(from: number, hint: number): BatchState<K> {
    const next = new BatchState<K>(Math.max(hint, this.waiters - from), this.waitIds !== null);
    const A = this.waitA;
    const B = this.waitB;
    const keys = this.waitKeys;
    const ids = this.waitIds;
    let n = 0;
    for (let w = from; w < this.waiters; w++, n++) {
      next.waitA[n] = A[w];
      next.waitB[n] = B[w];
      next.waitKeys[n] = keys[w];
      if (ids !== null) (next.waitIds as KeyId[])[n] = ids[w];
      if (B[w] === null) next.identity = false;
      A[w] = B[w] = keys[w] = undefined;
    }
    next.waiters = n;
    this.waiters = from;
    return next;
  }

  markDead(slot: number): void {
    if (this.dead === null) this.dead = [];
    if (this.dead[slot] !== true) {
      this.dead[slot] = true;
      this.deadCount++;
    }
  }

  revive(slot: number): void {
    if (this.dead !== null && this.dead[slot] === true) {
      this.dead[slot] = false;
      this.deadCount--;
    }
  }

  /**
   * The keys to send without dead slots, and for each slot its index among
   * them; null when no slot is dead (then the keys are `keys` and the index
   * is the slot).
   */
  liveKeys(): { keys: K[]; indexOfSlot: Int32Array } | null {
    if (this.deadCount === 0) return null; // always so in identity mode
    const indexOfSlot = new Int32Array(this.positions).fill(-1);
    const keys: K[] = [];
    for (let slot = 0; slot < this.positions; slot++) {
      if (this.dead?.[slot] === true) continue;
      indexOfSlot[slot] = keys.length;
      keys.push(this.keys[slot]);
    }
    return { keys, indexOfSlot };
  }

  whenSettled(callback: () => void): void {
    if (this.state === 'settled') callback();
    else (this.onSettled ??= []).push(callback);
  }

  markSettled(): void {
    this.state = 'settled';
    const callbacks = this.onSettled;
    this.onSettled = null;
    if (callbacks !== null) for (const cb of callbacks) cb();
  }
}
