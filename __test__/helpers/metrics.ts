import type { TestFn } from 'ava';
import { MetricsRegistry, type HistogramPointSnapshot, type MetricsSnapshot, type ValuePointSnapshot } from '../../ts/metrics/index.js';

/** The value (or histogram count) of the series of `name` with exactly these attributes. */
export function metricValue(snapshot: MetricsSnapshot, name: string, attributes: Record<string, string>): number | undefined {
  const metric = snapshot.metrics.find((m) => m.name === name);
  const p = metric?.points.find(
    (x) =>
      Object.entries(attributes).every(([k, v]) => x.attributes[k] === v) &&
      Object.keys(x.attributes).length === Object.keys(attributes).length,
  );
  if (p === undefined) return undefined;
  return 'value' in p ? (p as ValuePointSnapshot).value : (p as HistogramPointSnapshot).count;
}

/** What the shared cache-metrics test calls; LocalCache and OffHeapCache both have it. */
interface MeteredCache {
  readonly bytes: number;
  get(key: string): unknown;
  set(key: string, value: string | Buffer, options?: { ttlMs?: number }): boolean;
  advance(ms: number): void;
  purgeExpired(): number;
  keys(): IterableIterator<string>;
  stats(): { evictions: number; expirations: number };
}

/** Options the shared cache-metrics test builds its cache with. */
interface MeteredOptions {
  maxEntries: number;
  maxBytes: number;
  policy: 'lru';
  clock: 'manual';
  metrics: MetricsRegistry;
  name: string;
}

/**
 * Registers the test that a cache's metrics match the operations performed.
 * `tooBig` is a value over the 10 000-byte budget, of a type the cache takes.
 */
export function registerCacheMetricsTest(test: TestFn, create: (options: MeteredOptions) => MeteredCache, tooBig: string | Buffer): void {
  test('cache metrics match the operations performed', (t) => {
    const registry = new MetricsRegistry();
    // LRU, so which entry the budget evicts is plain: the least recently used.
    const c = create({ maxEntries: 3, maxBytes: 10_000, policy: 'lru', clock: 'manual', metrics: registry, name: 'users' });
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
    c.set('big', tooBig); // over maxBytes: rejected
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
}
