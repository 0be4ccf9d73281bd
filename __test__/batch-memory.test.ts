import test from 'ava';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BatchProcessor } from '../ts/index.js';
import { requireNativeBinding } from '../ts/native/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function settleGc(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

/** Live bytes of the addon (0 under the JS twin, which holds nothing natively). */
function nativeBytes(): number {
  return BatchProcessor.implementation === 'native' ? requireNativeBinding().nativeAllocatedBytes() : 0;
}

// After warm-up a load must leave nothing behind. The bounds are per load, so
// a leak of a couple of bytes per load fails: the heap varies by about
// +-150 KB between samples (under 1 byte per load over this run), native
// memory not at all.
const MAX_HEAP_BYTES_PER_LOAD = 2;
const MAX_NATIVE_BYTES_PER_LOAD = 0.1;

test('heap and native memory stay flat over many rounds of loads, duplicates, refusals and aborts', async (t) => {
  const bp = new BatchProcessor<string, string>({ execute: async (keys) => keys, maxBatchSize: 64, maxQueued: 500, maxInFlight: 4 });
  let loadCount = 0;
  const round = async (r: number) => {
    loadCount += 700;
    const ac = new AbortController();
    const loads: Promise<unknown>[] = [];
    for (let i = 0; i < 600; i++) loads.push(bp.load(`k${r}:${i % 300}`, i % 50 === 0 ? { signal: ac.signal } : undefined).catch(() => undefined));
    ac.abort();
    loads.push(bp.loadMany(Array.from({ length: 100 }, (_, i) => `m${r}:${i}`)));
    await Promise.all(loads);
  };
  for (let r = 0; r < 50; r++) await round(r);
  await settleGc();
  const before = { heap: process.memoryUsage().heapUsed, native: nativeBytes(), loads: loadCount };
  for (let r = 50; r < 350; r++) await round(r);
  await settleGc();
  const loads = loadCount - before.loads;
  const heapPerLoad = (process.memoryUsage().heapUsed - before.heap) / loads;
  const nativePerLoad = (nativeBytes() - before.native) / loads;
  t.true(heapPerLoad < MAX_HEAP_BYTES_PER_LOAD, `heap grew by ${heapPerLoad.toFixed(2)} bytes per load over ${loads} loads`);
  t.true(nativePerLoad < MAX_NATIVE_BYTES_PER_LOAD, `native memory grew by ${nativePerLoad.toFixed(3)} bytes per load over ${loads} loads`);
  const s = bp.stats();
  t.is(s.queued, 0);
  t.is(s.inFlight, 0);
  t.true(s.rejected.queueFull > 0 && s.rejected.aborted > 0, 'the soak exercised refusals and aborts');
  await bp.close();
});
