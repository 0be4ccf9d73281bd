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

test('heap stays bounded over many rounds of loads, duplicates, refusals and aborts', async (t) => {
  const bp = new BatchProcessor<string, string>({ execute: async (keys) => keys, maxBatchSize: 64, maxQueued: 500, maxInFlight: 4 });
  const round = async (r: number) => {
    const ac = new AbortController();
    const loads: Promise<unknown>[] = [];
    for (let i = 0; i < 600; i++) loads.push(bp.load(`k${r}:${i % 300}`, i % 50 === 0 ? { signal: ac.signal } : undefined).catch(() => undefined));
    ac.abort();
    loads.push(bp.loadMany(Array.from({ length: 100 }, (_, i) => `m${r}:${i}`)));
    await Promise.all(loads);
  };
  for (let r = 0; r < 50; r++) await round(r);
  await settleGc();
  const before = process.memoryUsage().heapUsed;
  for (let r = 50; r < 350; r++) await round(r);
  await settleGc();
  const growth = process.memoryUsage().heapUsed - before;
  t.true(growth < 8 * 1024 * 1024, `heap grew by ${growth} bytes over 210000 loads`);
  const s = bp.stats();
  t.is(s.queued, 0);
  t.is(s.inFlight, 0);
  t.true(s.rejected.queueFull > 0 && s.rejected.aborted > 0, 'the soak exercised refusals and aborts');
  await bp.close();
});

test('native accumulators free their registry slot when collected', async (t) => {
  const binding = requireNativeBinding();
  const indexOf = (handle: number) => handle % 2 ** 24;
  let peak = 0;
  for (let i = 0; i < 2000; i++) {
    const acc = new binding.NativeBatchAccumulator(4, Infinity, Infinity, Infinity, Infinity, true, false);
    peak = Math.max(peak, indexOf(acc.handle));
  }
  await settleGc();
  const fresh = new binding.NativeBatchAccumulator(4, Infinity, Infinity, Infinity, Infinity, true, false);
  t.true(peak > 0, 'many were alive at once');
  t.true(indexOf(fresh.handle) < 2000, 'a slot was reused');
  // Slots are reused, so the registry does not grow with every accumulator ever made.
  // Finalizers run after collection and a few of the last ones may still be pending,
  // so the bound allows a small margin; a registry that never reused slots would be
  // ~2000 past the peak here.
  for (let i = 0; i < 2000; i++) new binding.NativeBatchAccumulator(4, Infinity, Infinity, Infinity, Infinity, true, false);
  await settleGc();
  const later = new binding.NativeBatchAccumulator(4, Infinity, Infinity, Infinity, Infinity, true, false);
  t.true(indexOf(later.handle) < peak + 200, `index ${indexOf(later.handle)} vs peak ${peak}`);
});
