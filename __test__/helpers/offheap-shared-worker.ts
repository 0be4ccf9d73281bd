// Runs in a real worker thread: writes its own keys into a shared cache and
// reports what it can see of the other threads' writes.
import { parentPort, workerData } from 'node:worker_threads';
import { OffHeapCache } from '../../ts/index.js';

const { name, prefix, count } = workerData as { name: string; prefix: string; count: number };
const cache = OffHeapCache.shared(name, { maxEntries: 10_000 });
for (let i = 0; i < count; i++) cache.set(`${prefix}${i}`, `${prefix}:${i}`);
parentPort?.postMessage({
  implementation: OffHeapCache.implementation,
  sharing: cache.shared,
  fromMain: cache.getString('from-main') ?? null,
  size: cache.size,
});
