// Soak run in its own process (started with --expose-gc): millions of
// set/get/delete/expire operations on a bounded cache, reporting memory
// samples as JSON on stdout for local-soak.test.ts to judge.
import { OffHeapCache } from '../../ts/index.js';
import { requireNativeBinding } from '../../ts/native/index.js';
import { Random } from './random.js';

const OPS = Number(process.argv[2] ?? 3_000_000);
const MAX_BYTES = 8 * 2 ** 20;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const nativeBytes = (): number => (OffHeapCache.implementation === 'native' ? requireNativeBinding().nativeAllocatedBytes() : 0);

function sample(cache: OffHeapCache, op: number): Record<string, number> {
  gc();
  const m = process.memoryUsage();
  return { op, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, native: nativeBytes(), cacheBytes: cache.bytes, size: cache.size };
}

const baselineNative = nativeBytes();
const cache = new OffHeapCache({ maxEntries: 40_000, maxBytes: MAX_BYTES, clock: 'manual', ttlMs: 5_000 });
const r = new Random(1234);
const samples: Record<string, number>[] = [];
let maxCacheBytes = 0;
const values = [Buffer.alloc(10, 1), Buffer.alloc(200, 2), Buffer.alloc(1000, 3), Buffer.alloc(4000, 4)];
for (let op = 0; op < OPS; op++) {
  const key = `soak:${r.skewed(500_000)}`;
  const dice = r.below(100);
  if (dice < 50) cache.get(key);
  else if (dice < 85) cache.set(key, values[r.below(values.length)], r.chance(0.2) ? { ttlMs: r.below(2_000) } : undefined);
  else if (dice < 95) cache.delete(key);
  else if (r.chance(0.2)) cache.advance(r.below(10));
  if (cache.bytes > maxCacheBytes) maxCacheBytes = cache.bytes;
  if (op % (OPS / 20) === 0) samples.push(sample(cache, op));
}
samples.push(sample(cache, OPS));
const beforeClear = nativeBytes();
cache.clear();
gc();
const afterClear = nativeBytes();
process.stdout.write(
  JSON.stringify({ implementation: OffHeapCache.implementation, maxBytes: MAX_BYTES, maxCacheBytes, samples, baselineNative, beforeClear, afterClear, stats: cache.stats() }),
);
