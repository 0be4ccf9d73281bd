/**
 * OffHeapCache.shared across real worker threads: one native cache for the
 * whole process; with the JS twin, one cache per thread (and it says so).
 */
import test from 'ava';
import { OffHeapCache } from '../ts/index.js';
import { tsWorker } from './helpers/worker.js';

interface Report {
  implementation: string;
  sharing: string | false;
  fromMain: string | null;
  size: number;
}

function runWorker(name: string, prefix: string, count: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    const worker = tsWorker('offheap-shared-worker.ts', { name, prefix, count });
    let report: Report | undefined;
    worker.once('message', (m: Report) => (report = m));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 && report ? resolve(report) : reject(new Error(`worker exited with ${code}`))));
  });
}

test('a shared cache is one cache for every worker thread (native) or per thread (JS twin)', async (t) => {
  const name = `workers-${process.pid}`;
  const cache = OffHeapCache.shared(name, { maxEntries: 10_000 });
  cache.set('from-main', 'hello');
  const reports = await Promise.all([runWorker(name, 'w1-', 100), runWorker(name, 'w2-', 100), runWorker(name, 'w3-', 100)]);
  for (const r of reports) t.is(r.implementation, OffHeapCache.implementation);
  if (OffHeapCache.implementation === 'native') {
    t.is(cache.shared, 'process');
    for (const r of reports) {
      t.is(r.sharing, 'process');
      t.is(r.fromMain, 'hello', 'workers see the main thread write');
    }
    t.is(cache.size, 301, 'the main thread sees every worker write');
    t.is(cache.getString('w2-99'), 'w2-:99');
  } else {
    t.is(cache.shared, 'thread');
    for (const r of reports) {
      t.is(r.sharing, 'thread');
      t.is(r.fromMain, null, 'a JS-twin shared cache is per thread');
      t.is(r.size, 100);
    }
    t.is(cache.size, 1);
  }
  t.true(OffHeapCache.deleteShared(name));
});

test('workers that come and go keep using the same native cache', async (t) => {
  const name = `churn-${process.pid}`;
  for (let round = 0; round < 5; round++) await runWorker(name, `r${round}-`, 20);
  const cache = OffHeapCache.shared(name, { maxEntries: 10_000 });
  t.is(cache.size, OffHeapCache.implementation === 'native' ? 100 : 0);
  OffHeapCache.deleteShared(name);
});

test('a private cache is not shared', (t) => {
  t.is(new OffHeapCache({ maxEntries: 1 }).shared, false);
});
