import test from 'ava';
import { bucketIndex, bucketLowerEdge, bucketUpperEdge, edgeIndex, Histogram, HISTOGRAM_DECADES } from '../ts/metrics/histogram.js';
import { rng } from './helpers/payloads.js';

test('every value lands in the bucket whose (lower, upper] range holds it', (t) => {
  const r = rng(3);
  let checked = 0;
  for (let i = 0; i < 20000; i++) {
    const value = 10 ** (r() * HISTOGRAM_DECADES) * (1 + r() * 1e-9);
    const index = bucketIndex(value);
    if (!(value > bucketLowerEdge(index) && value <= bucketUpperEdge(index))) {
      t.fail(`value ${value} -> bucket ${index} (${bucketLowerEdge(index)}, ${bucketUpperEdge(index)}]`);
    }
    checked++;
  }
  t.is(checked, 20000);
});

test('exact edges belong to the bucket they close (le semantics)', (t) => {
  for (const edge of [1.1, 2, 10, 11, 99, 100, 110, 1000, 2500, 5800, 1e6, 1e9, 1e12]) {
    const index = bucketIndex(edge);
    t.is(bucketUpperEdge(index), edge, `edge ${edge}`);
    t.is(edgeIndex(edge), index);
  }
  // Values just above an edge go to the next bucket.
  t.is(bucketIndex(1000.0001), bucketIndex(1000) + 1);
});

test('buckets are at most 10% wide above 1 unit', (t) => {
  for (let index = 1; index < 1 + HISTOGRAM_DECADES * 90; index++) {
    const lo = bucketLowerEdge(index);
    const hi = bucketUpperEdge(index);
    if (!(hi > lo && (hi - lo) / lo <= 0.1 + 1e-12)) t.fail(`bucket ${index}: (${lo}, ${hi}]`);
  }
  t.pass();
});

test('values at or below 1, zero, negative and NaN go to the first bucket; huge ones to the overflow bucket', (t) => {
  for (const v of [0, 0.5, 1, -5, Number.NaN]) t.is(bucketIndex(v), 0);
  const overflow = bucketIndex(10 ** HISTOGRAM_DECADES * 10);
  t.is(bucketUpperEdge(overflow), Infinity);
});

test('edgeIndex accepts two significant digits and refuses more', (t) => {
  t.true(edgeIndex(1000) > 0);
  t.true(edgeIndex(25_000) > 0);
  t.is(edgeIndex(1e-6 / 1e-9), edgeIndex(1000), 'float noise from scaling is tolerated');
  t.is(edgeIndex(1024), -1);
  t.is(edgeIndex(0.5), -1);
});

test('count, sum, min, max and quantiles follow the recorded values', (t) => {
  const h = new Histogram();
  t.true(Number.isNaN(h.quantile(0.5)));
  for (let v = 1; v <= 10_000; v++) h.record(v * 1000);
  t.is(h.count, 10_000);
  t.is(h.sum, (1000 * 10_000 * 10_001) / 2);
  t.is(h.min, 1000);
  t.is(h.max, 10_000_000);
  for (const q of [0.5, 0.9, 0.99, 0.999]) {
    const exact = Math.ceil(q * 10_000) * 1000;
    const estimate = h.quantile(q);
    t.true(Math.abs(estimate - exact) / exact <= 0.1, `q${q}: ${estimate} vs ${exact}`);
  }
  t.is(h.quantile(1), 10_000_000);
});

test('countsAt splits counts at export boundaries exactly', (t) => {
  const h = new Histogram();
  for (const v of [500, 1000, 1000, 1001, 2500, 2501, 9_999_999]) h.record(v);
  const edges = [1000, 2500, 5000].map(edgeIndex);
  t.deepEqual(h.countsAt(edges), [3, 2, 1, 1]);
});

test('merge adds counts, and clone is independent', (t) => {
  const a = new Histogram();
  const b = new Histogram();
  a.record(10);
  b.record(1_000_000);
  b.record(5);
  const c = a.clone();
  a.merge(b);
  t.is(a.count, 3);
  t.is(a.min, 5);
  t.is(a.max, 1_000_000);
  t.is(c.count, 1);
  a.reset();
  t.is(a.count, 0);
  t.true(Number.isNaN(a.quantile(0.5)));
});
