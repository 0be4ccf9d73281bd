'use strict';
// The cost of metrics, for the < 5% budget on the LocalCache hit path:
// LocalCache's get with and without a registry it reports to (it reports at
// scrape time, so the difference should be noise), and what recording on a
// hit would cost if it were done per operation (on lru-cache's get, the peer).
const { LRUCache } = require('lru-cache');
const { runSuite, report, toRows, loadTiercache, machine } = require('./lib/harness.js');

const { MetricsRegistry, CacheMetrics, Histogram, Attr, LocalCache } = loadTiercache();

async function main() {
  process.stdout.write(`\nMachine: ${machine()}\n`);
  const registry = new MetricsRegistry();
  const hits = registry.counter(CacheMetrics.requests, { [Attr.cacheResult]: 'hit' });
  const latency = registry.histogram(CacheMetrics.operationDuration, { [Attr.cacheOperation]: 'get' });
  const stats = new Float64Array(8);
  const cache = new LRUCache({ max: 10_000 });
  const keys = [];
  for (let i = 0; i < 1024; i++) {
    keys.push(`key:${i}`);
    cache.set(`key:${i}`, Buffer.alloc(100, i));
  }
  let i = 0;
  let sink = 0;
  // Benchmark.js inlines the body of a function written with braces into its own
  // loop, losing the closure; brace-less arrows calling named functions are kept as calls.
  const get = () => (sink ^= cache.get(keys[i++ & 1023]).length);
  const getBump = () => (get(), stats[0]++);
  const getCounter = () => (get(), hits.add());
  const getRecord = () => (get(), latency.record(150 + (i & 63)));
  const getTimed = () => {
    const t0 = performance.now();
    get();
    latency.record((performance.now() - t0) * 1e6);
  };
  const hitPath = [
    { name: 'hit path (lru-cache get)', fn: () => get() },
    { name: 'hit path + typed-array stat bump', fn: () => getBump() },
    { name: 'hit path + Counter.add()', fn: () => getCounter() },
    { name: 'hit path + Histogram.record(value)', fn: () => getRecord() },
    { name: 'hit path + timed (2x performance.now + record)', fn: () => getTimed() },
  ];
  const reporting = new LocalCache({ maxEntries: 10_000, metrics: registry, name: 'bench' });
  const silent = new LocalCache({ maxEntries: 10_000, metrics: false });
  for (const k of keys) {
    reporting.set(k, Buffer.alloc(100));
    silent.set(k, Buffer.alloc(100));
  }
  const getReporting = () => (sink ^= reporting.get(keys[i++ & 1023]).length);
  const getSilent = () => (sink ^= silent.get(keys[i++ & 1023]).length);
  const local = toRows(
    await runSuite('LocalCache hit path', [
      { name: `LocalCache (${LocalCache.implementation}) get, metrics: false`, fn: () => getSilent() },
      { name: `LocalCache (${LocalCache.implementation}) get, reporting to a registry`, fn: () => getReporting() },
    ]),
  );
  report('metrics', 'local-cache', local, {
    title: 'Metrics cost on the LocalCache hit path (higher is better)',
    peer: `LocalCache (${LocalCache.implementation}) get, metrics: false`,
  });

  const rows = toRows(await runSuite('metrics on the hit path', hitPath));
  report('metrics', 'hit-path', rows, { title: 'Metrics cost on a cache hit path (higher is better)', peer: 'hit path (lru-cache get)' });

  const h = new Histogram();
  let v = 1;
  const bump = () => stats[1]++;
  const recordOne = () => ((v = (v * 1103515245 + 12345) & 0x7fffffff), h.record(v & 0xfffff));
  const now = () => (sink += performance.now());
  const raw = [
    { name: 'Counter.add()', fn: () => hits.add() },
    { name: 'Float64Array slot ++', fn: () => bump() },
    { name: 'Histogram.record (ns-scale values)', fn: () => recordOne() },
    { name: 'performance.now()', fn: () => now() },
  ];
  const rawRows = toRows(await runSuite('recording primitives', raw));
  report('metrics', 'primitives', rawRows, { title: 'Recording primitives (ops/s)', peer: 'Counter.add()' });

  // Scrape cost: a registry with the codec-sized set of series plus 20 collectors.
  for (let c = 0; c < 20; c++) {
    const source = { n: c, h: new Histogram() };
    for (let k = 0; k < 1000; k++) source.h.record(k * 1000);
    registry.register(source, (s, out) => {
      out.observe(CacheMetrics.entries, s.n);
      out.observe(CacheMetrics.operationDuration, s.h, { [Attr.cacheOperation]: 'set' });
    }, { [Attr.cacheName]: `cache${c}` });
  }
  const snap = () => (sink += registry.snapshot().metrics.length);
  const text = () => (sink += registry.prometheus().length);
  const scrape = toRows(
    await runSuite('scrape', [
      { name: 'snapshot()', fn: () => snap() },
      { name: 'prometheus()', fn: () => text() },
    ]),
  );
  report('metrics', 'scrape', scrape, { title: 'Scrape cost, 20 collectors with a histogram each (scrapes/s)', peer: 'snapshot()', unit: 'scrapes/s' });
  if (sink === 0.5) process.stdout.write('');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
