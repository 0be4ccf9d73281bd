/**
 * A fixed log-linear histogram: two significant decimal digits per bucket
 * (90 buckets per decade, each at most 10% wide), so microsecond timings and
 * multi-second outliers land in the same array without configuration.
 *
 * Recording is a few integer operations and one typed-array increment; bucket
 * edges for export (Prometheus `le`, OTel explicit bounds) and quantiles are
 * computed at scrape time from the fine buckets. Any export boundary with at
 * most two significant digits (1, 2.5, 5, 10, 25, ... in record units) is a
 * fine-bucket edge, so exported counts are exact, not interpolated.
 */

/** Decades covered above 1 record unit: 1 .. 10^13 (10,000 s in nanoseconds, 10 TB in bytes). */
export const HISTOGRAM_DECADES = 13;
const PER_DECADE = 90;
/** Index 0 holds values <= 1; the last index holds values above 10^HISTOGRAM_DECADES. */
const BUCKETS = 1 + HISTOGRAM_DECADES * PER_DECADE + 1;
const OVERFLOW = BUCKETS - 1;

const POW10: number[] = [];
for (let k = 0; k <= HISTOGRAM_DECADES + 1; k++) POW10.push(10 ** k);
/** floor(log10(2^e)) for e in 0..63: the first guess of a value's decade from its bit length. */
const LOG10_OF_POW2 = new Uint8Array(64);
for (let e = 0; e < 64; e++) LOG10_OF_POW2[e] = Math.floor(e * Math.log10(2) + 1e-12);

/** Index of the fine bucket (lo, hi] holding `value` (record units). */
export function bucketIndex(value: number): number {
  if (!(value > 1)) return 0;
  if (value > POW10[HISTOGRAM_DECADES]) return OVERFLOW;
  const e = value < 4294967296 ? 31 - Math.clz32(value) : Math.floor(Math.log2(value));
  let k = LOG10_OF_POW2[e];
  if (value > POW10[k + 1]) k++;
  // value / 10^(k-1) lies in (10, 100]; exact powers of ten keep edges exact.
  const m = Math.ceil(k === 0 ? value * 10 : value / POW10[k - 1]);
  return 1 + k * PER_DECADE + (m - 11);
}

/** Upper edge (inclusive, record units) of fine bucket `index`. */
export function bucketUpperEdge(index: number): number {
  if (index <= 0) return 1;
  if (index >= OVERFLOW) return Infinity;
  const k = Math.floor((index - 1) / PER_DECADE);
  const m = ((index - 1) % PER_DECADE) + 11;
  return k === 0 ? m / 10 : m * POW10[k - 1];
}

/** Lower edge (exclusive, record units) of fine bucket `index`. */
export function bucketLowerEdge(index: number): number {
  if (index <= 0) return 0;
  return bucketUpperEdge(index - 1);
}

/**
 * Snaps an export boundary (in record units) to the fine-bucket edge it names.
 * Returns the index of the fine bucket whose upper edge is that boundary, or
 * -1 when the boundary has more than two significant digits or is out of range.
 */
export function edgeIndex(boundary: number): number {
  if (!(boundary >= 1) || boundary > POW10[HISTOGRAM_DECADES]) return -1;
  const index = bucketIndex(boundary);
  const edge = bucketUpperEdge(index);
  if (Math.abs(edge - boundary) <= edge * 1e-9) return index;
  // A boundary that is itself a lower edge (e.g. 1e-6 / 1e-9 = 999.9999999999999)
  const below = bucketUpperEdge(index - 1);
  return Math.abs(below - boundary) <= below * 1e-9 ? index - 1 : -1;
}

/** A mutable log-linear histogram. Values are in the record unit of its metric (e.g. nanoseconds). */
export class Histogram {
  /** Number of recorded values. */
  count = 0;
  /** Sum of recorded values (record units). */
  sum = 0;
  /** Smallest recorded value (Infinity while empty). */
  min = Infinity;
  /** Largest recorded value (-Infinity while empty). */
  max = -Infinity;
  /** Fine bucket counts; allocated on the first record so idle histograms cost nothing. */
  counts: Float64Array | null = null;

  /** Records one value. Negative and NaN values are recorded as 0. */
  record(value: number): void {
    if (!(value > 0)) value = 0;
    let counts = this.counts;
    if (counts === null) counts = this.counts = new Float64Array(BUCKETS);
    counts[bucketIndex(value)]++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Adds every value recorded in `other` to this histogram. */
  merge(other: Histogram): void {
    if (other.count === 0 || other.counts === null) return;
    let counts = this.counts;
    if (counts === null) counts = this.counts = new Float64Array(BUCKETS);
    const from = other.counts;
    for (let i = 0; i < BUCKETS; i++) counts[i] += from[i];
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** Forgets every recorded value. */
  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    if (this.counts !== null) this.counts.fill(0);
  }

  /** A copy that later records into this histogram do not change. */
  clone(): Histogram {
    const copy = new Histogram();
    copy.merge(this);
    return copy;
  }

  /**
   * The value at quantile `q` (0..1), interpolated linearly inside its fine
   * bucket and clamped to [min, max]; NaN while empty.
   */
  quantile(q: number): number {
    const counts = this.counts;
    if (this.count === 0 || counts === null) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const c = counts[i];
      if (c === 0) continue;
      if (seen + c >= rank) {
        const lo = bucketLowerEdge(i);
        const hi = Math.min(bucketUpperEdge(i), this.max);
        const value = lo + ((hi - lo) * (rank - seen)) / c;
        return Math.min(Math.max(value, this.min), this.max);
      }
      seen += c;
    }
    return this.max;
  }

  /**
   * Counts per export bucket: `edges` are fine-bucket indexes from
   * {@link edgeIndex}, ascending; the result has `edges.length + 1` entries
   * (the last one counts values above the last boundary). Not cumulative.
   */
  countsAt(edges: readonly number[]): number[] {
    const out = new Array<number>(edges.length + 1).fill(0);
    const counts = this.counts;
    if (counts === null) return out;
    let slot = 0;
    for (let i = 0; i < BUCKETS; i++) {
      while (slot < edges.length && i > edges[slot]) slot++;
      out[slot] += counts[i];
    }
    return out;
  }
}
