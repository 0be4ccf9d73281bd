import test from 'ava';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Attr, CacheMetrics, CodecMetrics, defineMetric, Histogram, MetricsRegistry, PoolMetrics } from '../ts/metrics/index.js';
import type { HistogramPointSnapshot, MetricsSnapshot, ValuePointSnapshot } from '../ts/metrics/index.js';
import { waitFor } from './helpers/wait.js';

function point(snapshot: MetricsSnapshot, name: string, attributes: Record<string, unknown> = {}) {
  const metric = snapshot.metrics.find((m) => m.name === name);
  return metric?.points.find((p) => JSON.stringify(Object.entries(p.attributes).sort()) === JSON.stringify(Object.entries(attributes).sort()));
}

test('push counters, gauges and histograms show up in the snapshot with their values', (t) => {
  const registry = new MetricsRegistry();
  const hits = registry.counter(CacheMetrics.requests, { [Attr.cacheResult]: 'hit' });
  const misses = registry.counter(CacheMetrics.requests, { [Attr.cacheResult]: 'miss' });
  for (let i = 0; i < 7; i++) hits.add();
  misses.add(3);
  t.is(registry.counter(CacheMetrics.requests, { [Attr.cacheResult]: 'hit' }), hits, 'same definition and attributes give the same counter');
  const entries = registry.gauge(CacheMetrics.entries);
  entries.set(10);
  entries.add(-4);
  const latency = registry.histogram(CacheMetrics.operationDuration, { [Attr.cacheOperation]: 'get' });
  latency.record(1500);
  latency.record(2_000_000);
  const snap = registry.snapshot();
  t.is((point(snap, 'cache.requests', { 'cache.result': 'hit' }) as ValuePointSnapshot).value, 7);
  t.is((point(snap, 'cache.requests', { 'cache.result': 'miss' }) as ValuePointSnapshot).value, 3);
  t.is((point(snap, 'cache.entries') as ValuePointSnapshot).value, 6);
  const h = point(snap, 'cache.operation.duration', { 'cache.operation': 'get' }) as HistogramPointSnapshot;
  t.is(h.count, 2);
  t.is(h.sum, 2_001_500e-9);
  t.is(h.min, 1500e-9);
  t.is(h.max, 2e-3);
  t.is(h.counts.reduce((a, b) => a + b, 0), 2);
  t.is(h.counts.length, h.bounds.length + 1);
  // 1.5 µs falls in (1 µs, 2.5 µs], 2 ms in (1 ms, 2.5 ms].
  t.is(h.counts[h.bounds.indexOf(2.5e-6)], 1);
  t.is(h.counts[h.bounds.indexOf(2.5e-3)], 1);
  t.deepEqual(JSON.parse(JSON.stringify(snap)), snap, 'the snapshot is plain JSON');
});

test('counters refuse negative increments', (t) => {
  const c = new MetricsRegistry().counter(CacheMetrics.sets);
  t.throws(() => c.add(-1), { instanceOf: RangeError });
  t.throws(() => c.add(Number.NaN), { instanceOf: RangeError });
  t.is(c.value, 0);
});

test('a name cannot be registered with two meanings', (t) => {
  const registry = new MetricsRegistry();
  registry.counter(CacheMetrics.requests);
  t.throws(() => registry.gauge({ ...CacheMetrics.requests, type: 'gauge' }), { instanceOf: TypeError, message: /already registered as a counter/ });
  t.throws(() => registry.gauge(CacheMetrics.requests), { instanceOf: TypeError, message: /is a counter, not a gauge/ });
});

test('definitions are validated', (t) => {
  t.throws(() => defineMetric({ name: '1bad', type: 'counter', unit: '1', description: '' }), { instanceOf: TypeError });
  t.throws(() => defineMetric({ name: 'x', type: 'meter' as never, unit: '1', description: '' }), { instanceOf: RangeError });
  t.throws(() => defineMetric({ name: 'x', type: 'histogram', unit: 'By', description: '', buckets: [1024] }), {
    instanceOf: RangeError,
    message: /two significant digits/,
  });
  t.throws(() => defineMetric({ name: 'x', type: 'histogram', unit: 'By', description: '', buckets: [100, 50] }), { instanceOf: RangeError });
  t.throws(() => defineMetric({ name: 'x', type: 'counter', unit: '1', description: '', buckets: [1] }), { instanceOf: TypeError });
});

test('collectors are read at scrape time with the instance attributes added', (t) => {
  const registry = new MetricsRegistry();
  const pool = { idle: 3, used: 2, waiting: 1, timeouts: 4 };
  registry.register(
    pool,
    (p, sink) => {
      sink.observe(PoolMetrics.count, p.idle, { [Attr.poolState]: 'idle' });
      sink.observe(PoolMetrics.count, p.used, { [Attr.poolState]: 'used' });
      sink.observe(PoolMetrics.pendingRequests, p.waiting);
      sink.observe(PoolMetrics.timeouts, p.timeouts);
    },
    { [Attr.poolName]: 'redis' },
  );
  let snap = registry.snapshot();
  t.is((point(snap, 'db.client.connection.count', { 'db.client.connection.state': 'idle', 'db.client.connection.pool.name': 'redis' }) as ValuePointSnapshot).value, 3);
  pool.used = 9;
  snap = registry.snapshot();
  t.is((point(snap, 'db.client.connection.count', { 'db.client.connection.state': 'used', 'db.client.connection.pool.name': 'redis' }) as ValuePointSnapshot).value, 9);
  t.is((point(snap, 'db.client.connection.timeouts', { 'db.client.connection.pool.name': 'redis' }) as ValuePointSnapshot).value, 4);
});

test('series with equal attributes from several sources are added together (unnamed instances)', (t) => {
  const registry = new MetricsRegistry();
  const h1 = new Histogram();
  const h2 = new Histogram();
  h1.record(1000);
  h2.record(3000);
  h2.record(5000);
  for (const [n, h] of [[2, h1], [5, h2]] as const) {
    registry.register({ n, h }, (s, sink) => {
      sink.observe(CacheMetrics.entries, s.n);
      sink.observe(CodecMetrics.duration, s.h, { [Attr.codecOperation]: 'encode' });
    });
  }
  const snap = registry.snapshot();
  t.is((point(snap, 'cache.entries') as ValuePointSnapshot).value, 7);
  const merged = point(snap, 'codec.duration', { 'codec.operation': 'encode' }) as HistogramPointSnapshot;
  t.is(merged.count, 3);
  t.is(merged.min, 1000e-9);
  t.is(merged.max, 5000e-9);
  t.is(h1.count, 1, 'sources are not modified by merging');
});

test('a collector that throws or reports inconsistently is counted and skipped, the scrape goes on', (t) => {
  const registry = new MetricsRegistry();
  registry.register({}, () => {
    throw new Error('boom');
  });
  registry.register({}, (_s, sink) => {
    sink.observe(CacheMetrics.entries, new Histogram()); // a histogram for a gauge
    sink.observe(CacheMetrics.sets, Number.NaN);
    sink.observe(CacheMetrics.evictions, 5);
  });
  const snap = registry.snapshot();
  t.is((point(snap, 'cache.evictions') as ValuePointSnapshot).value, 5);
  t.is((point(snap, 'tiercache.metrics.collector_errors') as ValuePointSnapshot).value, 3);
  t.is(point(snap, 'cache.entries'), undefined);
});

test('a name reported with two meanings in one scrape is dropped rather than reported wrongly', (t) => {
  const registry = new MetricsRegistry();
  const impostor = defineMetric({ name: 'cache.entries', type: 'counter', unit: '{entry}', description: 'not the gauge' });
  registry.register({}, (_s, sink) => {
    sink.observe(CacheMetrics.entries, 1);
    sink.observe(impostor, 2);
  });
  const snap = registry.snapshot();
  t.is(snap.metrics.find((m) => m.name === 'cache.entries'), undefined);
  t.is((point(snap, 'tiercache.metrics.collector_errors') as ValuePointSnapshot).value, 1);
});

test('unregister stops collection; clear removes everything', (t) => {
  const registry = new MetricsRegistry();
  const registration = registry.register({ v: 1 }, (s, sink) => sink.observe(CacheMetrics.entries, s.v));
  t.true(registration.active);
  t.is(registry.collectorCount, 1);
  registration.unregister();
  registration.unregister();
  t.false(registration.active);
  t.is(registry.collectorCount, 0);
  t.is(point(registry.snapshot(), 'cache.entries'), undefined);
  registry.counter(CacheMetrics.sets).add(2);
  registry.clear();
  t.is(point(registry.snapshot(), 'cache.sets'), undefined);
});

test('a component that is garbage-collected without close() drops out of the registry', async (t) => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const registry = new MetricsRegistry();
  (() => {
    registry.register({ v: 42 }, (s, sink) => sink.observe(CacheMetrics.entries, s.v));
  })();
  t.is(registry.collectorCount, 1);
  // When the collector goes is up to V8: wait for the state (hang guard only).
  // WeakRef targets stay alive until the end of the job that created or
  // dereferenced them, so collect and scrape in separate jobs.
  await waitFor('the dropped component to leave the registry', async () => {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    registry.snapshot();
    return registry.collectorCount === 0;
  });
  t.is(registry.collectorCount, 0);
});

test('register validates its arguments', (t) => {
  const registry = new MetricsRegistry();
  t.throws(() => registry.register(null as never, () => {}), { instanceOf: TypeError, message: /source must be an object/ });
  t.throws(() => registry.register({}, 'x' as never), { instanceOf: TypeError, message: /collect must be a function/ });
  t.throws(() => registry.register({}, () => {}, { 'bad key': 1 }), { instanceOf: TypeError, message: /invalid attribute name/ });
  t.throws(() => registry.counter(CacheMetrics.sets, { a: {} as never }), { instanceOf: TypeError, message: /attributes\.a must be/ });
});

test('explicit-bucket histograms a component already keeps are exported with their own bounds', (t) => {
  const registry = new MetricsRegistry();
  // A pool that counts acquire waits in millisecond buckets (1, 5, 25 ms, +Inf), like ConnectionPool.
  const pool = { boundsMs: [1, 5, 25], counts: new Float64Array([6, 3, 0, 1]), sumMs: 60, maxMs: 40 };
  registry.register(
    pool,
    (p, sink) =>
      sink.observe(PoolMetrics.waitTime, {
        bounds: p.boundsMs.map((ms) => ms * 1e6),
        counts: p.counts,
        sum: p.sumMs * 1e6,
        max: p.maxMs * 1e6,
      }),
    { [Attr.poolName]: 'db' },
  );
  const snap = registry.snapshot();
  const h = point(snap, 'db.client.connection.wait_time', { 'db.client.connection.pool.name': 'db' }) as HistogramPointSnapshot;
  t.deepEqual(h.bounds, [0.001, 0.005, 0.025]);
  t.deepEqual(h.counts, [6, 3, 0, 1]);
  t.is(h.count, 10);
  t.is(h.sum, 0.06);
  t.is(h.max, 0.04);
  t.is(h.min, null);
  t.true(h.quantiles.p50! <= 0.001);
  t.true(h.quantiles.p999! > 0.025 && h.quantiles.p999! <= 0.04);
  t.regex(registry.prometheus(), /db_client_connection_wait_time_seconds_bucket\{db_client_connection_pool_name="db",le="0\.005"\} 9/);
});

test('explicit-bucket series add up when their bounds match and are refused when they do not', (t) => {
  const registry = new MetricsRegistry();
  const report = (bounds: number[], counts: number[]) =>
    registry.register({ bounds, counts }, (s, sink) => sink.observe(PoolMetrics.waitTime, { bounds: s.bounds, counts: s.counts, sum: 1 }));
  report([10, 20], [1, 2, 3]);
  report([10, 20], [4, 5, 6]);
  let h = point(registry.snapshot(), 'db.client.connection.wait_time') as HistogramPointSnapshot;
  t.deepEqual(h.counts, [5, 7, 9]);
  report([10, 30], [1, 1, 1]);
  report([10], [1, 1, 1]); // counts do not fit the bounds
  const snap = registry.snapshot();
  h = point(snap, 'db.client.connection.wait_time') as HistogramPointSnapshot;
  t.deepEqual(h.counts, [5, 7, 9]);
  t.is((point(snap, 'tiercache.metrics.collector_errors') as ValuePointSnapshot).value, 2);
});
