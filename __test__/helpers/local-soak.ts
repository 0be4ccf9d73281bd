// LocalCache soak, run in its own process (started with --expose-gc):
// millions of get/set/delete/getMany/expire operations with object values
// on a bounded cache, reporting heap samples as JSON on stdout for
// local-soak.test.ts to judge.
import { LocalCache } from '../../ts/index.js';
import { requireNativeBinding } from '../../ts/native/index.js';
import { Random } from './random.js';

const OPS = Number(process.argv[2] ?? 2_000_000);
const MAX_BYTES = 4 * 2 ** 20;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const nativeBytes = (): number => (LocalCache.implementation === 'native' ? requireNativeBinding().nativeAllocatedBytes() : 0);

interface Payload {
  id: number;
  body: string;
}

let notices = 0;
const cache = new LocalCache<Payload>({
  maxEntries: 20_000,
  maxBytes: MAX_BYTES,
  sizeOf: (v) => v.body.length + 16,
  clock: 'manual',
  ttlMs: 5_000,
  onEvict: () => notices++,
});
const r = new Random(4321);
const samples: { op: number; heapUsed: number; size: number }[] = [];
let maxBytes = 0;
/** Heap and native bytes with the cache emptied, after each half of the run. */
const cleared: { heapUsed: number; native: number }[] = [];
function clearAndMeasure(): void {
  cache.clear();
  gc();
  gc();
  cleared.push({ heapUsed: process.memoryUsage().heapUsed, native: nativeBytes() });
}
const bodies = ['x'.repeat(10), 'y'.repeat(200), 'z'.repeat(1000)];
for (let op = 0; op < OPS; op++) {
  const key = `soak:${r.skewed(300_000)}`;
  const dice = r.below(100);
  if (dice < 50) cache.get(key);
  else if (dice < 85) cache.set(key, { id: op, body: bodies[r.below(3)] }, r.chance(0.2) ? { ttlMs: r.below(2_000) } : undefined);
  else if (dice < 93) cache.delete(key);
  else if (dice < 95) cache.getMany([key, `soak:${r.skewed(300_000)}`, `soak:${r.skewed(300_000)}`]);
  else if (r.chance(0.2)) cache.advance(r.below(10));
  if (cache.bytes > maxBytes) maxBytes = cache.bytes;
  if (op === OPS / 2) clearAndMeasure();
  if (op % (OPS / 20) === 0) {
    gc();
    samples.push({ op, heapUsed: process.memoryUsage().heapUsed, size: cache.size });
  }
}
gc();
samples.push({ op: OPS, heapUsed: process.memoryUsage().heapUsed, size: cache.size });
const stats = cache.stats();
clearAndMeasure();
process.stdout.write(JSON.stringify({ implementation: LocalCache.implementation, budget: MAX_BYTES, maxBytes, samples, cleared, notices, stats }));
