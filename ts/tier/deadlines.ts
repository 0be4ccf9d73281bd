/**
 * Hard deadlines for Redis calls without a timer per call. Every call of a
 * channel has the same timeout (commandTimeoutMs), so deadlines arrive in
 * the order calls start: they wait in a doubly linked FIFO list, and one
 * timer, armed for the earliest deadline, rejects every call past its
 * deadline when it fires and re-arms for the next. A call that settles in
 * time is unlinked (O(1)), so a round trip creates and clears no timer and,
 * with calls in flight continuously, the timer fires about once per
 * commandTimeoutMs. A shorter deadline (the rest of a budget partly spent
 * waiting for a connection) is inserted in order and re-arms the timer when
 * it is the earliest, so no call waits past its own deadline.
 */
import { systemClock, type Clock, type TimerHandle } from '../common/clock.js';
import { ErrorCode, TierCacheError } from '../common/errors.js';

/**
 * Learns how a tracked call ended (`error` undefined: a value; else what it
 * rejected with, a timeout included) with the context and description it was
 * tracked with, and returns the error its caller gets (ignored for a value).
 */
export type CallOutcome = (error: unknown, context: unknown, what: string) => unknown;

/** One call in flight. */
class Pending {
  done = false;
  next: Pending | null = null;
  prev: Pending | null = null;

  constructor(
    readonly deadline: number,
    readonly ms: number,
    readonly what: string,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
    readonly onEnd: CallOutcome | null,
    readonly context: unknown,
  ) {}
}

export class Deadlines {
  #head: Pending | null = null;
  #tail: Pending | null = null;
  #timer: TimerHandle | null = null;
  /** When the armed timer fires (clock ms). */
  #armedFor = 0;
  readonly #fire = (): void => this.#expire();

  /** @param clock real monotonic time by default (deadlines guard liveness); a ManualClock in tests. */
  constructor(private readonly clock: Clock = systemClock) {}

  /**
   * `promise`, or ERR_TIER_COMMAND_TIMEOUT once `ms` real milliseconds have
   * passed (a late settlement is absorbed). `onEnd` learns how the call ended
   * (undefined: a value) with `context` before the returned promise settles,
   * and chooses the error it rejects with.
   */
  track<T>(promise: PromiseLike<T>, ms: number, what: string, onEnd: CallOutcome | null = null, context: unknown = null): Promise<T> {
    let p!: Pending;
    const out = new Promise<T>((resolve, reject) => {
      p = new Pending(this.clock.now() + ms, ms, what, resolve as (value: unknown) => void, reject, onEnd, context);
    });
    this.#insert(p);
    promise.then(
      (value) => this.#settle(p, undefined, value),
      (error: unknown) => this.#settle(p, error === undefined ? new Error('rejected with undefined') : error, undefined),
    );
    return out;
  }

  /** Calls in flight (tests). */
  get size(): number {
    let n = 0;
    for (let p = this.#head; p !== null; p = p.next) n++;
    return n;
  }

  /** Whether the timer is armed (tests). */
  get armed(): boolean {
    return this.#timer !== null;
  }

  /** Stops the timer; calls still tracked keep their promise and settle when it does (or never time out). */
  close(): void {
    if (this.#timer !== null) this.clock.clearTimer(this.#timer);
    this.#timer = null;
  }

  #insert(p: Pending): void {
    const tail = this.#tail;
    if (tail === null) {
      this.#head = this.#tail = p;
    } else if (tail.deadline <= p.deadline) {
      tail.next = p;
      p.prev = tail;
      this.#tail = p;
    } else {
      // A shorter deadline than the last one: walk back to its place.
      let at: Pending | null = tail;
      while (at !== null && at.deadline > p.deadline) at = at.prev;
      if (at === null) {
        p.next = this.#head;
        this.#head!.prev = p;
        this.#head = p;
      } else {
        p.prev = at;
        p.next = at.next;
        at.next!.prev = p;
        at.next = p;
      }
    }
    if (this.#timer === null || p.deadline < this.#armedFor) this.#arm(p.deadline);
  }

  #arm(deadline: number): void {
    if (this.#timer !== null) this.clock.clearTimer(this.#timer);
    this.#armedFor = deadline;
    // Sockets keep the process alive while a call is in flight; the deadline timer need not.
    this.#timer = this.clock.setTimer(this.#fire, Math.max(1, Math.ceil(deadline - this.clock.now())), false);
  }

  #settle(p: Pending, error: unknown, value: unknown): void {
    if (p.done) return;
    p.done = true;
    this.#unlink(p);
    if (p.onEnd !== null) {
      const mapped = p.onEnd(error, p.context, p.what);
      if (error !== undefined) error = mapped;
    }
    if (error === undefined) p.resolve(value);
    else p.reject(error);
  }

  #unlink(p: Pending): void {
    const { prev, next } = p;
    if (prev === null) this.#head = next;
    else prev.next = next;
    if (next === null) this.#tail = prev;
    else next.prev = prev;
    p.prev = p.next = null;
  }

  #expire(): void {
    this.#timer = null;
    const now = this.clock.now();
    let p = this.#head;
    while (p !== null && p.deadline <= now) {
      const next: Pending | null = p.next;
      this.#settle(p, new TierCacheError(ErrorCode.TIER_COMMAND_TIMEOUT, `${p.what}: Redis did not answer within ${p.ms} ms (commandTimeoutMs)`), undefined);
      p = next;
    }
    if (this.#head !== null) this.#arm(this.#head.deadline);
  }
}
