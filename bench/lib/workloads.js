'use strict';
// Seeded request traces for cache benchmarks: Zipf popularity, scan bursts
// and loops. Traces are precomputed so generating them costs nothing in the
// measured loops.

/** xorshift32 in [0, 1). */
function random(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** `length` ranks in [0, n) drawn from Zipf(alpha): P(rank k) ~ 1 / (k + 1)^alpha. */
function zipfTrace(n, alpha, length, seed = 1) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / Math.pow(k + 1, alpha);
    cdf[k] = sum;
  }
  const next = random(seed);
  const trace = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    const u = next() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    trace[i] = lo;
  }
  return trace;
}

/** Zipf traffic interrupted by scans of never-repeated keys (ranks >= n). */
function scanBurstTrace(n, alpha, length, burstEvery, burstLength, seed = 2) {
  const base = zipfTrace(n, alpha, length, seed);
  let scanKey = n;
  for (let i = 0; i < length; i++) {
    if (i % burstEvery < burstLength) base[i] = scanKey++;
  }
  return base;
}

/** A loop over `n` keys, repeated: the classic LRU-killer when n exceeds the capacity. */
function loopTrace(n, length) {
  const trace = new Uint32Array(length);
  for (let i = 0; i < length; i++) trace[i] = i % n;
  return trace;
}

module.exports = { random, zipfTrace, scanBurstTrace, loopTrace };
