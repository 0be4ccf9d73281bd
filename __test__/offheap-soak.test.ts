/**
 * No leaks: millions of operations on a bounded cache keep the reported
 * bytes within budget and the heap and native memory flat after warm-up;
 * clear() returns the native memory. Runs in a child process so it can force GC and own its RSS.
 */
import test from 'ava';
import { afterWarmUp, checkSoakRan, mb, runSoak, type SoakReport } from './helpers/soak.js';

const OPS = 2_000_000;
/** Growth allowed after warm-up (see the assertions). */
const MAX_NATIVE_GROWTH = 2 ** 20;
const MAX_HEAP_GROWTH = 2 * 2 ** 20;
const MAX_RSS_GROWTH = 48 * 2 ** 20;

interface Soak extends SoakReport {
  maxBytes: number;
  maxCacheBytes: number;
  samples: { op: number; rss: number; heapUsed: number; native: number; cacheBytes: number }[];
  baselineNative: number;
  beforeClear: number;
  afterClear: number;
}

test('two million operations keep bytes within budget and memory flat, and clear() frees native memory', async (t) => {
  const soak = await runSoak<Soak>('offheap-soak.ts', OPS);
  checkSoakRan(t, soak);
  t.true(soak.maxCacheBytes <= soak.maxBytes, 'reported bytes never exceed the budget');

  // Measured from the warm-up sample (the first quarter fills the cache), not
  // from before the cache existed: after warm-up nothing may grow, so a leak
  // of a byte or two per operation (over 1.5 million operations) fails.
  const warm = afterWarmUp(soak.samples);
  const first = warm[0];
  const growth = (pick: (s: Soak['samples'][number]) => number) => Math.max(...warm.map(pick)) - pick(first);
  // A full GC runs before each sample: the heap varies by a few hundred KB.
  const heapGrowth = growth((s) => s.heapUsed);
  t.true(heapGrowth < MAX_HEAP_GROWTH, `heap grew by ${mb(heapGrowth)} after warm-up`);
  // RSS also sees the allocator's retained pages: a coarse backstop only.
  const rssGrowth = growth((s) => s.rss);
  t.true(rssGrowth < MAX_RSS_GROWTH, `RSS grew by ${mb(rssGrowth)} after warm-up`);
  if (soak.implementation === 'native') {
    // The addon counts its live bytes exactly. Stored entries come and go with
    // the budget, so what must stay flat is the native memory beyond the bytes
    // the cache accounts for (keys, values, the fixed overhead per entry): it
    // moves by about 100 KB with the number of entries.
    const unaccountedGrowth = growth((s) => s.native - s.cacheBytes);
    t.true(unaccountedGrowth < MAX_NATIVE_GROWTH, `native memory beyond the accounted bytes grew by ${mb(unaccountedGrowth)} after warm-up`);
    t.true(soak.beforeClear - soak.baselineNative > soak.maxBytes / 2, 'the cache held native memory before clear()');
    t.true(soak.afterClear - soak.baselineNative < 64 * 1024, `clear() left ${soak.afterClear - soak.baselineNative} bytes`);
  }
});
