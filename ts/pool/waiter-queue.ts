/**
 * Callers waiting for a resource: strict FIFO, bounded by maxWaiters, with
 * abort and one shared deadline timer. Every waiter has the same timeout, so
 * deadlines grow in queue order and only the head's deadline needs a timer.
 */
import type { PoolClock } from './clock.js';
import { DeadlineTimer } from './deadline-timer.js';

/** One waiting acquire. Removed waiters stay in the ring as tombstones (`settled`). */
export class Waiter<T> {
  settled = false;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;

  constructor(
    readonly resolve: (resource: T) => void,
    readonly reject: (error: Error) => void,
    readonly enqueuedAt: number,
    readonly deadline: number,
    readonly acquireStack: Error | null,
  ) {}
}

/** What the queue asks of its owner. */
export interface WaiterQueueHooks<T> {
  /** A waiter passed its deadline; the owner rejects it. */
  onExpired(waiter: Waiter<T>, now: number): void;
}

/** A ring buffer of waiters (tombstones skipped) plus the head-deadline timer. */
export class WaiterQueue<T> {
  private ring: Array<Waiter<T> | undefined> = new Array(16);
  private mask = 15;
  private head = 0;
  private tail = 0;
  /** Waiters not yet settled. */
  live = 0;
  private readonly timer: DeadlineTimer;

  constructor(
    clock: PoolClock,
    private readonly hooks: WaiterQueueHooks<T>,
  ) {
    this.timer = new DeadlineTimer(clock, this.expire, true);
  }

  /** Appends a waiter and makes sure the deadline timer will see it. */
  push(waiter: Waiter<T>): void {
    if (this.tail - this.head > this.mask) this.grow();
    this.ring[this.tail & this.mask] = waiter;
    this.tail++;
    this.live++;
    this.timer.wakeAt(waiter.deadline);
  }

  /** Removes and returns the oldest live waiter (marked settled), or undefined. */
  shift(): Waiter<T> | undefined {
    while (this.head !== this.tail) {
      const index = this.head & this.mask;
      const waiter = this.ring[index] as Waiter<T>;
      this.ring[index] = undefined;
      this.head++;
      if (!waiter.settled) {
        waiter.settled = true;
        this.live--;
        return waiter;
      }
    }
    return undefined;
  }

  /** Marks a waiter settled where it stands (abort); it is skipped later. */
  remove(waiter: Waiter<T>): void {
    if (waiter.settled) return;
    waiter.settled = true;
    this.live--;
    this.dropSettledHead();
  }

  /** Settles and returns every live waiter (drain). */
  takeAll(): Waiter<T>[] {
    const all: Waiter<T>[] = [];
    for (let w = this.shift(); w !== undefined; w = this.shift()) all.push(w);
    this.timer.cancel();
    return all;
  }

  /** Disarms the deadline timer (close). */
  stop(): void {
    this.timer.cancel();
  }

  private dropSettledHead(): void {
    while (this.head !== this.tail) {
      const index = this.head & this.mask;
      if (!(this.ring[index] as Waiter<T>).settled) return;
      this.ring[index] = undefined;
      this.head++;
    }
  }

  private readonly expire = (now: number): void => {
    while (this.head !== this.tail) {
      const index = this.head & this.mask;
      const waiter = this.ring[index] as Waiter<T>;
      if (!waiter.settled) {
        if (waiter.deadline > now) {
          this.timer.wakeAt(waiter.deadline);
          return;
        }
        waiter.settled = true;
        this.live--;
        this.hooks.onExpired(waiter, now);
      }
      this.ring[index] = undefined;
      this.head++;
    }
  };

  private grow(): void {
    const size = this.mask + 1;
    const next: Array<Waiter<T> | undefined> = new Array(size * 2);
    for (let i = 0; i < size; i++) next[i] = this.ring[(this.head + i) & this.mask];
    this.ring = next;
    this.mask = size * 2 - 1;
    this.tail -= this.head;
    this.head = 0;
  }
}
