/**
 * The callers waiting in a batch. A waiter is two values (`a`, `b`) kept in
 * the batch's parallel arrays, so a plain load costs no object of its own:
 * - `load()`: `a` is the promise's resolve, `b` its reject;
 * - `load()` with a signal: `a` is a {@link SignalWaiter}, `b` is null;
 * - `loadMany()`: `a` is a {@link ManySegment} (its keys in this batch),
 *   `b` is {@link MANY}.
 */

/** `b` of a loadMany segment. */
export const MANY = 0;

/** Resolves or rejects one load waiter (plain or with a signal) with `value`. */
export function settleWaiter(a: unknown, b: unknown, value: unknown, failed: boolean): void {
  if (typeof b === 'function') {
    if (failed) (b as (e: unknown) => void)(value);
    else (a as (v: unknown) => void)(value);
  } else {
    (a as SignalWaiter).settle(value, failed);
  }
}

/** The shared state of one `loadMany()` call: one promise, one results array, filled in place. */
export class ManyGroup {
  readonly results: unknown[];
  private remaining: number;

  constructor(
    size: number,
    private readonly resolve: (results: unknown[]) => void,
  ) {
    this.results = new Array(size);
    this.remaining = size;
  }

  /** Sets the result of one position. */
  put(index: number, value: unknown): void {
    this.results[index] = value;
    if (--this.remaining === 0) this.resolve(this.results);
  }

  /** `count` positions were filled in place. */
  filled(count: number): void {
    this.remaining -= count;
    if (this.remaining === 0) this.resolve(this.results);
  }
}

/**
 * The keys of one loadMany() that landed in one batch: positions
 * `start..start+count` of the group, position `start + j` waiting on slot
 * `base + j` (while `slots` is null) or `slots[j]` (-1: refused, already
 * answered).
 */
export class ManySegment {
  count = 0;
  private base = 0;
  private slots: number[] | null = null;

  constructor(
    readonly group: ManyGroup,
    readonly start: number,
  ) {}

  /** Position `at` waits on `slot`. */
  add(at: number, slot: number): void {
    const j = at - this.start;
    let slots = this.slots;
    if (slots === null) {
      if (j === 0) {
        this.base = slot;
        this.count = 1;
        return;
      }
      if (j === this.count && slot === this.base + j) {
        this.count++;
        return;
      }
      slots = this.slots = new Array<number>(this.count);
      for (let q = 0; q < this.count; q++) slots[q] = this.base + q;
    }
    while (slots.length < j) slots.push(-1);
    slots.push(slot);
    this.count = j + 1;
  }

  /** Answers every position from the batch's results (`bySlot`, indexed through `indexOfSlot` when slots died). */
  fill(bySlot: ArrayLike<unknown>, indexOfSlot: Int32Array | null): void {
    const results = this.group.results;
    const slots = this.slots;
    const start = this.start;
    let filled = 0;
    if (slots === null && indexOfSlot === null) {
      const base = this.base;
      for (let j = 0; j < this.count; j++) results[start + j] = bySlot[base + j];
      filled = this.count;
    } else {
      for (let j = 0; j < this.count; j++) {
        const slot = slots === null ? this.base + j : slots[j];
        if (slot < 0) continue;
        results[start + j] = bySlot[indexOfSlot === null ? slot : indexOfSlot[slot]];
        filled++;
      }
    }
    this.group.filled(filled);
  }

  /** Answers every position with `make()`. */
  fail(make: () => Error): void {
    const results = this.group.results;
    let filled = 0;
    for (let j = 0; j < this.count; j++) {
      if (this.slots !== null && this.slots[j] < 0) continue;
      results[this.start + j] = make();
      filled++;
    }
    this.group.filled(filled);
  }
}

/** Where an abortable waiter sits once its load was accepted. */
export interface WaiterPlace {
  readonly seq: number;
}

/**
 * The abortable waiters of one signal in one processor: one 'abort' listener
 * per signal, however many loads share it (a request-wide signal passed to
 * many loads would otherwise trip Node's MaxListeners warning and cost a
 * listener per load).
 */
export class SignalGroup {
  readonly waiters = new Set<SignalWaiter>();

  constructor(
    readonly signal: AbortSignal,
    private readonly groups: WeakMap<AbortSignal, SignalGroup>,
    private readonly onAbort: (waiter: SignalWaiter) => void,
  ) {
    groups.set(signal, this);
    signal.addEventListener('abort', this, { once: true });
  }

  /** EventListener protocol: the signal aborted. */
  handleEvent(): void {
    this.groups.delete(this.signal);
    for (const waiter of [...this.waiters]) if (!waiter.done) this.onAbort(waiter);
    this.waiters.clear();
  }

  leave(waiter: SignalWaiter): void {
    this.waiters.delete(waiter);
    if (this.waiters.size === 0 && !this.signal.aborted) {
      this.groups.delete(this.signal);
      this.signal.removeEventListener('abort', this);
    }
  }
}

/** A `load()` with an AbortSignal: knows its place, to leave it on abort. */
export class SignalWaiter {
  done = false;
  /** The batch holding the waiter, its index among the batch's waiters and its slot (set once decided). */
  batch: WaiterPlace | null = null;
  index = -1;
  slot = -1;

  constructor(
    private readonly resolve: (v: unknown) => void,
    private readonly reject: (e: unknown) => void,
    private readonly group: SignalGroup,
  ) {
    group.waiters.add(this);
  }

  get signal(): AbortSignal {
    return this.group.signal;
  }

  settle(value: unknown, failed: boolean): void {
    if (this.done) return;
    this.done = true;
    this.group.leave(this);
    if (failed) this.reject(value);
    else this.resolve(value);
  }
}
