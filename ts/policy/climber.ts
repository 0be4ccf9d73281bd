/**
 * Hill climbing of the admission window's size; mirrors
 * crates/core/src/policy/climber.rs exactly (the same integer arithmetic with
 * every intermediate value below 2^53, so the same adjustments at the same
 * requests). See the Rust file for the design.
 */
import type { Region } from './slots.js';

const SCALE = 10_000;
const MIN_SAMPLE = 4096;
const RESTART = 500;
const SIGNIFICANCE_TENTHS = 25;

/** What the policy tells the climber when it asks for an adjustment. */
export interface ClimbInput {
  windowMax: number;
  windowWeight: number;
  probationWeight: number;
  protectedWeight: number;
  maxWeight: number;
  /** The frequency sketch's sample size (0 before it is initialised). */
  sampleSize: number;
  /** Whether the policy is at its budget. */
  full: boolean;
}

/** The first (and restart) step: 1/16 of the budget, growing the window. */
function initialStep(maxWeight: number): number {
  return Math.max(Math.floor(maxWeight / 16), 1);
}

/**
 * The smallest significant change of the hit rate from `anchor` after a
 * sample of `requests` (2.5 standard deviations of the difference of two
 * samples' rates). The variance is below 5e7, where Math.sqrt of an integer
 * never rounds up to the next integer, so the floor is the integer root.
 */
function tolerance(anchor: number, requests: number): number {
  const p = Math.min(Math.max(anchor, 100), 9_900);
  const variance = Math.floor((2 * p * (SCALE - p)) / requests);
  return Math.floor((Math.floor(Math.sqrt(variance)) * SIGNIFICANCE_TENTHS) / 10);
}

export class Climber {
  private sampling = false;
  private hits = 0;
  private misses = 0;
  private anchor = -1;
  private step = 0;

  constructor(maxWeight: number) {
    this.reset(maxWeight);
  }

  /** Starts over (after the policy is cleared). */
  reset(maxWeight: number): void {
    this.sampling = false;
    this.hits = 0;
    this.misses = 0;
    this.anchor = -1;
    this.step = initialStep(maxWeight);
  }

  /** A policy-visible read that hit an entry in `region`. */
  recordHit(_region: Region): void {
    if (this.sampling) this.hits++;
  }

  /** A miss that inserts a new key. */
  recordMiss(): void {
    if (this.sampling) this.misses++;
  }

  /** Called after each write: the signed change to the window's maximum weight. */
  adapt(input: ClimbInput): number {
    this.sampling = input.full && input.sampleSize > 0;
    if (!this.sampling) {
      this.hits = 0;
      this.misses = 0;
      return 0;
    }
    const requests = this.hits + this.misses;
    if (requests < Math.max(Math.floor(input.sampleSize / 10), MIN_SAMPLE)) return 0;
    const rate = Math.floor((this.hits * SCALE) / requests);
    this.hits = 0;
    this.misses = 0;
    if (this.anchor < 0) {
      this.anchor = rate;
      return this.step;
    }
    const max = input.maxWeight;
    const change = rate - this.anchor;
    let size = Math.abs(this.step);
    let grow = this.step > 0;
    if (Math.abs(change) >= RESTART) {
      size = initialStep(max);
      if (change < 0) grow = !grow;
      this.anchor = rate;
    } else if (change < -tolerance(this.anchor, requests)) {
      size = Math.floor(size / 2);
      grow = !grow;
      this.anchor = rate;
    } else if (change > tolerance(this.anchor, requests)) {
      size *= 2;
      this.anchor = rate;
    } else {
      size = Math.floor((size * 95) / 100);
    }
    const lo = Math.max(Math.floor(max / 200), 1);
    const hi = Math.max(Math.floor(max / 4), lo);
    size = Math.min(Math.max(size, lo), hi);
    this.step = grow ? size : -size;
    return this.step;
  }

  /** The same numbers as the Rust climber's `state`. */
  state(): number[] {
    return [this.sampling ? 1 : 0, this.hits, this.misses, this.anchor, this.step];
  }
}
