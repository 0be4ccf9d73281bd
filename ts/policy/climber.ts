/**
 * Sizing of the admission window; mirrors crates/core/src/policy/climber.rs
 * decision for decision (the same integer arithmetic with every
 * intermediate value below 2^53, so the same adjustments at the same
 * requests). See the Rust file for the design: the climber compares the
 * policy, request by request on a sample of the keys, with an LRU and a
 * TinyLFU shadow cache (shadow.ts), jumps the window to the whole budget or
 * to its minimum when one of them is decisively better, and otherwise hill
 * climbs on the policy's paired advantage over LRU.
 */
import { Shadow, ShadowKind } from './shadow.js';
import type { Sketch } from './sketch.js';
import type { Region } from './slots.js';

const SCALE = 10_000;
const MIN_SAMPLE = 4096;
const MIN_SAMPLED = 1024;
const SIGNIFICANCE_TENTHS = 25;

/** What the policy tells the climber when it asks for an adjustment. */
export interface ClimbInput {
  windowMax: number;
  windowWeight: number;
  probationWeight: number;
  protectedWeight: number;
  maxWeight: number;
  /** The frequency sketch's sample size (0 before it is sized). */
  sampleSize: number;
  /** Whether the policy is at its budget. */
  full: boolean;
}

/** How much evidence a jump needs: the least lead, and standard deviations in tenths. */
interface Bar {
  margin: number;
  tenths: number;
}

/** In the middle of a sample. */
const EARLY: Bar = { margin: 64, tenths: 40 };
/** At the end of a sample. */
const COMPLETE: Bar = { margin: 32, tenths: 30 };

/** Whether a reference cache with `theirs` exclusive hits against the policy's `ours`, out of `sampled`, is decisively better. */
function decisive(theirs: number, ours: number, sampled: number, bar: Bar): boolean {
  const lead = theirs - ours;
  return (
    lead >= bar.margin &&
    theirs >= 2 * ours &&
    lead * lead * 100 > bar.tenths * bar.tenths * (theirs + ours) &&
    lead * SCALE >= 50 * sampled
  );
}

/** The first step after a jump to LRU: 1/16 of the budget. */
function initialStep(maxWeight: number): number {
  return Math.max(Math.floor(maxWeight / 16), 1);
}

/** The smallest step (0.5% of the budget), also the window's minimum for a jump down. */
function smallestStep(maxWeight: number): number {
  return Math.max(Math.floor(maxWeight / 200), 1);
}

export class Climber {
  private sampling = false;
  private requests = 0;
  private sampled = 0;
  private lruOnly = 0;
  private oursNotLru = 0;
  private tinyLfuOnly = 0;
  private oursNotTinyLfu = 0;
  private anchor = -1;
  private anchorVariance = 0;
  private step = 0;
  private probe = 0;
  private target = -1;
  private lastWindow = 0;
  private readonly lru = new Shadow(ShadowKind.Lru);
  private readonly tinyLfu = new Shadow(ShadowKind.TinyLfu);

  constructor(maxWeight: number) {
    this.reset(maxWeight);
  }

  /** Starts over (after the policy is cleared). */
  reset(maxWeight: number): void {
    this.sampling = false;
    this.startSample();
    this.anchor = -1;
    this.anchorVariance = 0;
    this.step = -smallestStep(maxWeight);
    this.probe = 0;
    this.target = -1;
    this.lastWindow = 0;
    this.lru.reset();
    this.tinyLfu.reset();
  }

  /** Sizes the reference caches (when the policy sizes its sketch); only the first call counts. */
  size(maxWeight: number, maxEntries: number, capacity: number, weighted: boolean): void {
    this.lru.size(maxWeight, maxEntries, capacity, weighted);
    this.tinyLfu.size(maxWeight, maxEntries, capacity, weighted);
  }

  /** Whether requests for `hash` go to the reference caches. */
  samples(hash: number): boolean {
    return this.lru.samples(hash);
  }

  /** A policy-visible read that hit an entry in `region`. */
  recordHit(_region: Region): void {
    if (this.sampling) this.requests++;
  }

  /** A miss that inserts a new key. */
  recordMiss(): void {
    if (this.sampling) this.requests++;
  }

  /** A request for a sampled key (after recordHit or recordMiss): the reference caches see it and are compared with the policy's outcome. */
  recordSampled(hash: number, weight: number, hit: boolean, sketch: Sketch): void {
    const lru = this.lru.access(hash, weight, sketch);
    const tinyLfu = this.tinyLfu.access(hash, weight, sketch);
    if (!this.sampling) return;
    this.sampled++;
    if (!hit && lru) this.lruOnly++;
    else if (hit && !lru) this.oursNotLru++;
    if (!hit && tinyLfu) this.tinyLfuOnly++;
    else if (hit && !tinyLfu) this.oursNotTinyLfu++;
  }

  /** A key left the cache on request or by expiry: the reference caches drop it too. */
  forget(hash: number): void {
    this.lru.forget(hash);
    this.tinyLfu.forget(hash);
  }

  private startSample(): void {
    this.requests = 0;
    this.sampled = 0;
    this.lruOnly = 0;
    this.oursNotLru = 0;
    this.tinyLfuOnly = 0;
    this.oursNotTinyLfu = 0;
  }

  private jump(target: number, windowMax: number): number {
    this.startSample();
    this.anchor = -1;
    this.target = target;
    this.lastWindow = windowMax;
    return target - windowMax;
  }

  /** Called after each write: the signed change to the window's maximum weight. */
  adapt(input: ClimbInput): number {
    this.sampling = input.full && input.sampleSize > 0;
    if (!this.sampling) {
      this.startSample();
      return 0;
    }
    const window = input.windowMax;
    if (this.target >= 0) {
      const target = this.target;
      if (window !== target && window !== this.lastWindow) {
        this.lastWindow = window;
        return target - window;
      }
      this.target = -1;
    }
    const max = input.maxWeight;
    const lo = smallestStep(max);
    const complete =
      this.requests >= Math.max(Math.floor(input.sampleSize / 10), MIN_SAMPLE) && this.sampled >= MIN_SAMPLED;
    const bar = complete ? COMPLETE : EARLY;
    if (window < max && decisive(this.lruOnly, this.oursNotLru, this.sampled, bar)) {
      const probe = this.probe === 0 ? initialStep(max) : this.probe;
      this.step = -Math.max(probe, lo);
      this.probe = Math.max(Math.floor(probe / 2), lo);
      return this.jump(max, window);
    }
    if (!complete) return 0;
    if (window > lo && decisive(this.tinyLfuOnly, this.oursNotTinyLfu, this.sampled, COMPLETE)) {
      this.step = lo;
      return this.jump(lo, window);
    }
    const theirs = this.lruOnly;
    const ours = this.oursNotLru;
    const n = this.sampled;
    this.startSample();
    const advantage = Math.floor(((ours + n - theirs) * SCALE) / n);
    const variance = Math.floor((Math.floor(((theirs + ours) * SCALE) / n) * SCALE) / n);
    if (this.anchor < 0) {
      this.anchor = advantage;
      this.anchorVariance = variance;
      return this.step;
    }
    const change = advantage - this.anchor;
    // Below 2^31, where Math.sqrt of an integer never rounds up to the next integer.
    const tolerance = Math.floor((Math.floor(Math.sqrt(variance + this.anchorVariance)) * SIGNIFICANCE_TENTHS) / 10);
    let size = Math.abs(this.step);
    let grow = this.step > 0;
    if (change < -tolerance) {
      size = Math.floor(size / 2);
      grow = !grow;
      this.anchor = advantage;
      this.anchorVariance = variance;
    } else if (change > tolerance) {
      size *= 2;
      this.anchor = advantage;
      this.anchorVariance = variance;
      this.probe = 0;
    } else {
      size = Math.floor((size * 95) / 100);
    }
    size = Math.min(Math.max(size, lo), Math.max(Math.floor(max / 4), lo));
    this.step = grow ? size : -size;
    return this.step;
  }

  /** The same numbers as the Rust climber's `state`. */
  state(): number[] {
    const [lruLen, lruWeight] = this.lru.state();
    const [tinyLfuLen, tinyLfuWeight] = this.tinyLfu.state();
    return [
      this.sampling ? 1 : 0,
      this.requests,
      this.sampled,
      this.lruOnly,
      this.oursNotLru,
      this.tinyLfuOnly,
      this.oursNotTinyLfu,
      this.anchor,
      this.anchorVariance,
      this.step,
      this.probe,
      this.target,
      lruLen,
      lruWeight,
      tinyLfuLen,
      tinyLfuWeight,
    ];
  }
}
