/**
 * The hill climber that sizes W-TinyLFU's admission window; mirrors
 * crates/core/src/policy/climber.rs decision for decision. The policy tells
 * it about hits and misses, and after every write asks it by how much to
 * move the window.
 *
 * After each sample of requests (the sketch's sample size: 10 x capacity),
 * the hit rate (in 1/10000) is compared with the previous sample's; the
 * window moves by the step in the direction that last helped, the step
 * decaying by 0.98, restarting at 1/16 of the budget on a change of 5
 * points or more. Integer arithmetic only, so both implementations agree.
 */
import type { Region } from './slots.js';

const HIT_RATE_SCALE = 10_000;
const RESTART_THRESHOLD = 500;

/** What the policy knows when it asks the climber for an adjustment. */
export interface ClimbInput {
  windowMax: number;
  windowWeight: number;
  probationWeight: number;
  protectedWeight: number;
  maxWeight: number;
  /** Requests per sample (the sketch's sample size; 0 before it is sized). */
  sampleSize: number;
  /** Whether the write that just happened found the policy at its budget. */
  full: boolean;
}

export class Climber {
  private hitsInSample = 0;
  private missesInSample = 0;
  private previousHitRate = 0;
  private step = 0;
  /** The sample size seen at the last adapt: requests beyond it are not counted until the sample is evaluated. */
  private sampleSize = 0;

  constructor(maxWeight: number) {
    this.reset(maxWeight);
  }

  /** Starts over, as for a new policy of `maxWeight`. */
  reset(maxWeight: number): void {
    this.hitsInSample = 0;
    this.missesInSample = 0;
    this.previousHitRate = 0;
    // `+ 0` turns -0 into 0, as the Rust integers have no negative zero.
    this.step = -Math.floor(maxWeight / 16) + 0;
    this.sampleSize = 0;
  }

  private counting(): boolean {
    return this.hitsInSample + this.missesInSample < this.sampleSize;
  }

  /** A policy-visible read that hit an entry in `region`. */
  recordHit(region: Region): void {
    void region;
    if (this.counting()) this.hitsInSample++;
  }

  /** A miss that inserts a new key. */
  recordMiss(): void {
    if (this.counting()) this.missesInSample++;
  }

  /** The signed change to the window's maximum weight: > 0 grows it, < 0 shrinks it, 0 leaves it. */
  adapt(input: ClimbInput): number {
    this.sampleSize = input.sampleSize;
    const requests = this.hitsInSample + this.missesInSample;
    if (input.sampleSize === 0 || requests < input.sampleSize) return 0;
    const hitRate = Math.floor((this.hitsInSample * HIT_RATE_SCALE) / requests);
    const change = hitRate - this.previousHitRate;
    const amount = change >= 0 ? this.step : -this.step;
    const restart = Math.floor(input.maxWeight / 16);
    const next =
      Math.abs(change) >= RESTART_THRESHOLD ? (amount >= 0 ? restart : -restart) : Math.trunc((amount * 98) / 100);
    this.step = next + 0; // no negative zero, as in the Rust integers
    this.previousHitRate = hitRate;
    this.hitsInSample = 0;
    this.missesInSample = 0;
    return amount + 0;
  }

  /** Step, previous hit rate, hits and misses in the current sample (the Rust climber's `state`). */
  state(): number[] {
    return [this.step, this.previousHitRate, this.hitsInSample, this.missesInSample];
  }
}
