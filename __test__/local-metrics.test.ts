/** LocalCache reports into the metrics registry (both implementations). */
import test from 'ava';
import { LocalCache } from '../ts/index.js';
import { metrics as defaultRegistry, MetricsRegistry } from '../ts/metrics/index.js';
import { metricValue } from './helpers/metrics.js';

test('cache metrics match the operations performed', (t) => {
  const registry = new MetricsRegistry();
  // LRU, so which entry the budget evicts is plain: the least recently used.
  const c = new LocalCache({ maxEntries: 3, maxBytes: 10_000, policy: 'lru', clock: 'manual', metrics: registry, name: 'users' });
  c.set('a', 'x');
  c.set('b', 'y', { ttlMs: 5 });
  c.get('a');
  c.get('a');
  c.get('nope');
  c.set('c', 'z');
  c.advance(5_000); // past b's TTL and the timer wheel's first tick
  t.is(c.purgeExpired(), 1, 'b expired');
  c.set('d', 'w');
  c.set('e', 'v'); // a fourth entry: a, the least recently used, is evicted
  c.set('big', 'x'.repeat(20_000)); // over maxBytes: rejected
  t.deepEqual([...c.keys()].sort(), ['c', 'd', 'e']);
  const snap = registry.snapshot();
  const name = { 'cache.name': 'users' };
  t.is(metricValue(snap, 'cache.requests', { ...name, 'cache.result': 'hit' }), 2);
  t.is(metricValue(snap, 'cache.requests', { ...name, 'cache.result': 'miss' }), 1);
  t.is(metricValue(snap, 'cache.sets', name), 5);
  t.is(metricValue(snap, 'cache.rejections', name), 1);
  // Each reason on its own, not only their sum.
  t.is(metricValue(snap, 'cache.evictions', { ...name, 'cache.eviction.reason': 'size' }), 1);
  t.is(metricValue(snap, 'cache.evictions', { ...name, 'cache.eviction.reason': 'expired' }), 1);
  t.like(c.stats(), { evictions: 1, expirations: 1 });
  t.is(metricValue(snap, 'cache.entries', name), 3);
  t.is(metricValue(snap, 'cache.memory.usage', name), c.bytes);
  t.is(metricValue(snap, 'cache.entries.limit', name), 3);
  t.is(metricValue(snap, 'cache.memory.limit', name), 10_000);
});

test('metrics keep counting across resetStats()', (t) => {
  const registry = new MetricsRegistry();
  const c = new LocalCache({ maxEntries: 10, metrics: registry });
  c.set('a', 'x');
  c.get('a');
  c.resetStats();
  c.get('a');
  t.is(c.stats().hits, 1);
  t.is(metricValue(registry.snapshot(), 'cache.requests', { 'cache.result': 'hit' }), 2);
});

test('caches report to the process-wide registry by default; metrics: false and unregisterMetrics() opt out', (t) => {
  const name = `default-${process.pid}`;
  const c = new LocalCache({ maxEntries: 10, name });
  c.get('x');
  t.is(metricValue(defaultRegistry.snapshot(), 'cache.requests', { 'cache.name': name, 'cache.result': 'miss' }), 1);
  c.unregisterMetrics();
  t.is(metricValue(defaultRegistry.snapshot(), 'cache.requests', { 'cache.name': name, 'cache.result': 'miss' }), undefined);
  // metrics: false keeps the cache out of the default registry, which the
  // same cache would otherwise report to (checked with a twin that does).
  const off = `off-${process.pid}`;
  const reporting = `on-${process.pid}`;
  const silent = new LocalCache({ maxEntries: 10, metrics: false, name: off });
  const loud = new LocalCache({ maxEntries: 10, name: reporting });
  silent.get('x');
  loud.get('x');
  const snap = defaultRegistry.snapshot();
  t.is(metricValue(snap, 'cache.requests', { 'cache.name': reporting, 'cache.result': 'miss' }), 1);
  t.is(metricValue(snap, 'cache.requests', { 'cache.name': off, 'cache.result': 'miss' }), undefined);
  loud.unregisterMetrics();
});

test('bad metrics options are rejected by name', (t) => {
  t.throws(() => new LocalCache({ maxEntries: 1, metrics: 'yes' as unknown as boolean }), { instanceOf: TypeError, message: /^options\.metrics must be a MetricsRegistry or a boolean/ });
  t.throws(() => new LocalCache({ maxEntries: 1, name: '' }), { instanceOf: TypeError, message: /^options\.name must be a non-empty string/ });
});
