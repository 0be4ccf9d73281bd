/**
 * The JavaScript side of one batch: the key of each slot and the waiters, in
 * load order. It mirrors one batch of the accumulator (same sequence number).
 */

/** One batch as the processor sees it. */
export class BatchState<K> {
  /** The key of each slot (the first caller's key). */
  readonly keys: K[] = [];
  /** Waiters in load order (see waiters.ts), `waiters` of them; `waitA[w]` is undefined once the waiter left. */
  readonly waitA: unknown[];
  readonly waitB: unknown[];
  readonly waitSlot: number[];
  waiters = 0;
  /** Slots whose every waiter left (aborted): not sent to `execute`. */
  dead: boolean[] | null = null;
  deadCount = 0;
  /** performance.now() when its first load was accepted (for maxWaitMs). */
  openedAt = 0;
  /** 'queued' until it starts, 'running' while `execute` runs, then 'settled'. */
  state: 'queued' | 'running' | 'settled' = 'queued';
  /** Set when close() gave up waiting for it: its results are ignored. */
  abandoned = false;
  private onSettled: (() => void)[] | null = null;

  /** `hint`: the expected number of waiters (arrays are sized for it up front). */
  constructor(
    readonly seq: number,
    hint: number,
  ) {
    this.waitA = new Array<unknown>(hint);
    this.waitB = new Array<unknown>(hint);
    this.waitSlot = new Array<number>(hint);
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
   * The keys to send, in slot order without dead slots, and for each slot
   * its index among them (null when no slot is dead: the index is the slot).
   */
  liveKeys(): { keys: K[]; indexOfSlot: Int32Array | null } {
    if (this.deadCount === 0) return { keys: this.keys.slice(), indexOfSlot: null };
    const indexOfSlot = new Int32Array(this.keys.length).fill(-1);
    const keys: K[] = [];
    for (let slot = 0; slot < this.keys.length; slot++) {
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
