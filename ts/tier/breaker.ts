/**
 * Circuit breaker for Redis calls: after `failureThreshold` consecutive
 * connectivity failures (timeouts, refused or dropped connections) calls fail
 * fast for `openMs`; then one probe is let through (half-open): success
 * closes the breaker, failure opens it again for twice as long, up to
 * `maxOpenMs`. Error replies from a live server do not count. Real time: it
 * guards liveness and must work while a test's ManualClock stands still.
 */
import { monotonicMs } from './clock.js';

/** Breaker settings (the `l2.breaker` option). */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker (default 3). */
  failureThreshold?: number;
  /** First open period in ms (default 500). */
  openMs?: number;
  /** Longest open period in ms, reached by doubling (default 5000). */
  maxOpenMs?: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #openUntil = 0;
  #openMs: number;
  #probing = false;
  /** Times the breaker opened. */
  opened = 0;

  constructor(
    private readonly failureThreshold: number,
    private readonly baseOpenMs: number,
    private readonly maxOpenMs: number,
    private readonly onChange: (state: BreakerState) => void = () => {},
  ) {
    this.#openMs = baseOpenMs;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Whether a call may go to Redis now (in half-open, only the one probe). */
  allow(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open') {
      if (monotonicMs() < this.#openUntil) return false;
      this.#set('half-open');
    }
    if (this.#probing) return false;
    this.#probing = true;
    return true;
  }

  /** Redis answered (an error reply counts: the server is reachable). */
  success(): void {
    this.#failures = 0;
    this.#probing = false;
    this.#openMs = this.baseOpenMs;
    if (this.#state !== 'closed') this.#set('closed');
  }

  /** A connectivity failure. */
  failure(): void {
    this.#probing = false;
    if (this.#state === 'half-open') {
      this.#openMs = Math.min(this.#openMs * 2, this.maxOpenMs);
      this.#open();
      return;
    }
    if (this.#state === 'closed' && ++this.#failures >= this.failureThreshold) this.#open();
  }

  #open(): void {
    this.#openUntil = monotonicMs() + this.#openMs;
    this.opened++;
    this.#set('open');
  }

  #set(state: BreakerState): void {
    this.#state = state;
    this.onChange(state);
  }
}
