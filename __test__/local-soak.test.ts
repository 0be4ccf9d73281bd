/**
 * No leaks: millions of operations on a bounded LocalCache keep the
 * accounted bytes within budget and the V8 heap flat after warm-up (the
 * index, ring and free slots are reused, evicted values are released). Runs
 * in a child process so it can force GC.
 */
import test from 'ava';
import { afterWarmUp, checkSoakRan, mb, runSoak, type SoakReport } from './helpers/soak.js';

const OPS = 2_000_000;
/**
 * Growth allowed between the emptied cache after the first million operations
 * and after the second: a leak of one byte per operation (a million bytes)
 * crosses it.
 */
const MAX_GROWTH = 2 ** 20;

interface Soak extends SoakReport {
  budget: number;
  maxBytes: number;
  samples: { op: number; heapUsed: number; size: number }[];
  cleared: { heapUsed: number; native: number }[];
  notices: number;
}

test('two million operations keep bytes within budget and the heap flat', async (t) => {
  const soak = await runSoak<Soak>('local-soak.ts', OPS);
  checkSoakRan(t, soak);
  t.true(soak.maxBytes <= soak.budget, 'accounted bytes never exceed the budget');
  t.true(soak.notices >= soak.stats.evictions + soak.stats.expirations, 'every removal was notified');
  // The live heap holds the cached values, so it moves with the entries; with
  // the cache emptied, nothing the second million operations did may remain.
  const [half, end] = soak.cleared;
  const heapGrowth = end.heapUsed - half.heapUsed;
  t.true(heapGrowth < MAX_GROWTH, `the emptied cache's heap grew by ${mb(heapGrowth)} over a million operations`);
  const nativeGrowth = end.native - half.native;
  t.true(nativeGrowth < MAX_GROWTH, `the emptied cache's native memory grew by ${mb(nativeGrowth)} over a million operations`);
  // A coarse backstop over the samples after warm-up (a quarter of the run).
  const warm = afterWarmUp(soak.samples);
  const first = warm[0].heapUsed;
  const peak = Math.max(...warm.map((s) => s.heapUsed));
  t.true(peak <= first * 1.5 + 8 * 2 ** 20, `heap grew from ${mb(first)} to ${mb(peak)}`);
});
