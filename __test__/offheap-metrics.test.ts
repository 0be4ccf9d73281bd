/** OffHeapCache reports into the metrics registry (both implementations). */
import test from 'ava';
import { OffHeapCache } from '../ts/index.js';
import { MetricsRegistry } from '../ts/metrics/index.js';
import { metricValue } from './helpers/metrics.js';

test('cache metrics match the operations performed', (t) => {
  const registry = new MetricsRegistry();
  // LRU, so which entry the budget evicts is plain: the least recently used.
  const c = new OffHeapCache({ maxEntries: 3, maxBytes: 10_000, policy: 'lru', clock: 'manual', metrics: registry, name: 'users' });
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
  c.set('big', Buffer.alloc(20_000)); // over maxBytes: rejected
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
