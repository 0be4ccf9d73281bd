/** LocalCache reports into the metrics registry (both implementations). */
import test from 'ava';
import { LocalCache } from '../ts/index.js';
import { metrics as defaultRegistry, MetricsRegistry } from '../ts/metrics/index.js';
import { metricValue, registerCacheMetricsTest } from './helpers/metrics.js';

registerCacheMetricsTest(test, (options) => new LocalCache(options), 'x'.repeat(20_000));

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
