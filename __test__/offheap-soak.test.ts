/**
 * No leaks: millions of operations on a bounded cache keep the reported
 * bytes within budget and RSS flat after warm-up; clear() returns the
 * native memory. Runs in a child process so it can force GC and own its RSS.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface Soak {
  implementation: string;
  maxBytes: number;
  maxCacheBytes: number;
  samples: { op: number; rss: number; heapUsed: number; native: number; cacheBytes: number }[];
  baselineNative: number;
  beforeClear: number;
  afterClear: number;
  stats: { sets: number; evictions: number; expirations: number; hits: number };
}

test('three million operations keep bytes within budget and memory flat, and clear() frees native memory', async (t) => {
  const { stdout } = await run(
    process.execPath,
    ['--import=tsx', '--expose-gc', path.join(__dirname, 'helpers', 'offheap-soak.ts'), '3000000'],
    { env: process.env, maxBuffer: 16 * 2 ** 20, timeout: 600_000 },
  );
  const soak = JSON.parse(stdout) as Soak;
  t.is(soak.implementation, process.env.TIERCACHE_IMPL === 'js' ? 'js' : 'native');
  t.true(soak.maxCacheBytes <= soak.maxBytes, 'reported bytes never exceed the budget');
  t.true(soak.stats.evictions > 10_000 && soak.stats.expirations > 10_000 && soak.stats.hits > 10_000, 'every path ran');

  // After warm-up (the first quarter fills the cache), memory must stay flat.
  const warm = soak.samples.filter((s) => s.op >= soak.samples[soak.samples.length - 1].op / 4);
  const first = warm[0];
  const peakRss = Math.max(...warm.map((s) => s.rss));
  const peakHeap = Math.max(...warm.map((s) => s.heapUsed));
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
  t.true(peakRss <= first.rss * 1.25 + 32 * 2 ** 20, `RSS grew from ${mb(first.rss)} to ${mb(peakRss)}`);
  t.true(peakHeap <= first.heapUsed * 1.5 + 16 * 2 ** 20, `heap grew from ${mb(first.heapUsed)} to ${mb(peakHeap)}`);
  if (soak.implementation === 'native') {
    const peakNative = Math.max(...warm.map((s) => s.native));
    // Accounted bytes include a 96-byte overhead per entry; the real overhead
    // (slot, table, sketch) is of the same order, so twice the budget is a
    // generous bound that a leak would still cross.
    t.true(peakNative - soak.baselineNative <= 2 * soak.maxBytes, `native memory peaked at ${mb(peakNative - soak.baselineNative)}`);
    t.true(soak.beforeClear - soak.baselineNative > soak.maxBytes / 2, 'the cache held native memory before clear()');
    t.true(soak.afterClear - soak.baselineNative < 64 * 1024, `clear() left ${soak.afterClear - soak.baselineNative} bytes`);
  }
});
