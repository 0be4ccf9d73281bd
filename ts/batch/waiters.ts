/**
 * The callers waiting on a slot. A waiter is two values (`a`, `b`) kept in
 * parallel arrays, so a plain load costs no object of its own:
 * - `load()`: `a` is the promise's resolve, `b` its reject;
 * - `loadMany()`: `a` is the {@link ManyGroup}, `b` the key's index;
 * - `load()` with a signal: `a` is a {@link SignalWaiter}, `b` is null.
 */

/** Settles one waiter with `value` (rejecting when `failed`). */
export function settleWaiter(a: unknown, b: unknown, value: unknown, failed: boolean): void {
  if (typeof b === 'function') {
    if (failed) (b as (e: unknown) => void)(value);
    else (a as (v: unknown) => void)(value);
  } else if (typeof b === 'number') {
    (a as ManyGroup).put(b, value);
  } else {
    (a as SignalWaiter).settle(value, failed);
  }
}

/** The shared state of one `loadMany()` call: it resolves once every key has a result or an Error. */
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

  put(index: number, value: unknown): void {
    this.results[index] = value;
    if (--this.remaining === 0) this.resolve(this.results);
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
  /** The batch holding the waiter, its index among the batch's waiters and its slot. */
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
