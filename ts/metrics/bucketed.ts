/**
 * Histograms a component already keeps with its own explicit buckets (the
 * ConnectionPool's acquire wait times, for example), reported as they are
 * instead of being recorded twice. Values are in record units, like
 * `Histogram.record` (nanoseconds for durations).
 */

/** An explicit-bucket histogram as a collector reports it. */
export interface BucketedHistogram {
  /** Inclusive upper bounds, ascending and finite, in record units. */
  readonly bounds: readonly number[];
  /** Count per bucket, not cumulative: `bounds.length + 1` entries, the last for values above the last bound. */
  readonly counts: ArrayLike<number>;
  /** Sum of the recorded values, in record units. */
  readonly sum: number;
  /** Smallest recorded value, when known. */
  readonly min?: number;
  /** Largest recorded value, when known. */
  readonly max?: number;
}

/** True when `value` has the shape of a {@link BucketedHistogram}. */
export function isBucketed(value: unknown): value is BucketedHistogram {
  return typeof value === 'object' && value !== null && Array.isArray((value as BucketedHistogram).bounds) && 'counts' in value;
}

/** True when the bounds ascend, the counts fit them and every number is finite and non-negative. */
export function isValidBucketed(value: BucketedHistogram): boolean {
  const { bounds, counts, sum } = value;
  if (counts.length !== bounds.length + 1 || !Number.isFinite(sum)) return false;
  for (let i = 0; i < bounds.length; i++) {
    if (!Number.isFinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) return false;
  }
  for (let i = 0; i < counts.length; i++) if (!(counts[i] >= 0) || !Number.isFinite(counts[i])) return false;
  return (value.min === undefined || Number.isFinite(value.min)) && (value.max === undefined || Number.isFinite(value.max));
}

/** A mutable copy used to add up equal series during a scrape. */
export class BucketedAccumulator {
  readonly bounds: number[];
  readonly counts: number[];
  count = 0;
  sum: number;
  min: number | undefined;
  max: number | undefined;

  constructor(first: BucketedHistogram) {
    this.bounds = [...first.bounds];
    this.counts = Array.from(first.counts);
    for (const c of this.counts) this.count += c;
    this.sum = first.sum;
    this.min = first.min;
    this.max = first.max;
  }

  /** Adds `other`; false (and nothing changed) when its bounds differ. */
  add(other: BucketedHistogram): boolean {
    if (other.bounds.length !== this.bounds.length || other.bounds.some((b, i) => b !== this.bounds[i])) return false;
    for (let i = 0; i < this.counts.length; i++) {
      this.counts[i] += other.counts[i];
      this.count += other.counts[i];
    }
    this.sum += other.sum;
    this.min = this.min === undefined || other.min === undefined ? undefined : Math.min(this.min, other.min);
    this.max = this.max === undefined || other.max === undefined ? undefined : Math.max(this.max, other.max);
    return true;
  }

  /** Quantile `q` interpolated linearly inside its bucket; NaN while empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const c = this.counts[i];
      if (c === 0) continue;
      if (seen + c >= rank) {
        const lo = i === 0 ? Math.min(this.min ?? 0, this.bounds[0] ?? 0) : this.bounds[i - 1];
        const hi = i < this.bounds.length ? this.bounds[i] : (this.max ?? this.bounds[this.bounds.length - 1] ?? 0);
        let v = lo + ((hi - lo) * (rank - seen)) / c;
        if (this.min !== undefined) v = Math.max(v, this.min);
        if (this.max !== undefined) v = Math.min(v, this.max);
        return v;
      }
      seen += c;
    }
    return this.max ?? NaN;
  }
}
