import test from 'ava';
import { Codec } from '../ts/codec/index.js';
import { Attr, BatchMetrics, CacheMetrics, defineMetric, formatPrometheus, MetricsRegistry, PoolMetrics, prometheusName } from '../ts/metrics/index.js';
import { checkExposition } from './helpers/prometheus.js';
import { jsonPayload } from './helpers/payloads.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheus = require('parse-prometheus-text-format') as (text: string) => {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }[];
}[];

function populated(): MetricsRegistry {
  const registry = new MetricsRegistry();
  registry.counter(CacheMetrics.requests, { [Attr.cacheResult]: 'hit', [Attr.cacheName]: 'users' }).add(41);
  registry.counter(CacheMetrics.requests, { [Attr.cacheResult]: 'miss', [Attr.cacheName]: 'users' }).add(9);
  registry.gauge(CacheMetrics.memoryUsage, { [Attr.cacheName]: 'users' }).set(123456);
  const sizes = registry.histogram(BatchMetrics.size, { [Attr.batchName]: 'loader' });
  for (const n of [1, 3, 100, 100, 7000]) sizes.record(n);
  const waits = registry.histogram(PoolMetrics.waitTime, { [Attr.poolName]: 'redis' });
  for (let i = 1; i <= 200; i++) waits.record(i * 731);
  // Awkward label values: quotes, backslashes, newlines, unicode.
  registry.counter(CacheMetrics.sets, { [Attr.cacheName]: 'we"ird\\name\nline2 ✓' }).add(1);
  // A description with a backslash and a newline.
  registry.gauge(defineMetric({ name: 'test.odd-name/with.chars', type: 'gauge', unit: '1', description: 'ratio \\ of\nthings' })).set(0.25);
  registry.gauge(defineMetric({ name: 'test.empty', type: 'gauge', unit: '{x}', description: '' })).set(-0);
  const codec = new Codec({ metrics: registry, name: 'bodies' });
  codec.decode(codec.encode(jsonPayload(10_000, 1)));
  codec.encode(Buffer.from('tiny'));
  try {
    codec.decode(Buffer.from('not encoded'));
  } catch {
    // counted as an error outcome
  }
  return registry;
}

test('every line of the exposition is valid Prometheus text format', (t) => {
  const text = populated().prometheus();
  const { errors, samples } = checkExposition(text);
  t.deepEqual(errors, []);
  t.true(samples.length > 50, `${samples.length} samples`);
});

test('names follow the OpenTelemetry to Prometheus rules', (t) => {
  t.is(prometheusName('cache.requests', 'counter', '{request}'), 'cache_requests_total');
  t.is(prometheusName('codec.duration', 'histogram', 's'), 'codec_duration_seconds');
  t.is(prometheusName('codec.io', 'counter', 'By'), 'codec_io_bytes_total');
  t.is(prometheusName('cache.memory.usage', 'updowncounter', 'By'), 'cache_memory_usage_bytes');
  t.is(prometheusName('db.client.connection.count', 'updowncounter', '{connection}'), 'db_client_connection_count');
  t.is(prometheusName('test.ratio', 'gauge', '1'), 'test_ratio');
  t.is(prometheusName('x.used', 'gauge', '1'), 'x_used_ratio');
  t.is(prometheusName('batch.queued.size', 'updowncounter', 'By'), 'batch_queued_size_bytes');
  t.is(prometheusName('a.b', 'counter', '1', 'app_'), 'app_a_b_total');
  t.throws(() => formatPrometheus({ timestamp: 0, metrics: [] }, { prefix: '1x' }), { instanceOf: RangeError, message: /options\.prefix/ });
});

test('an independent parser reads back the same values', (t) => {
  const registry = populated();
  const text = registry.prometheus({ prefix: 'app_' });
  const families = parsePrometheus(text);
  const byName = new Map(families.map((f) => [f.name, f]));
  const requests = byName.get('app_cache_requests_total')!;
  t.is(requests.type, 'COUNTER');
  const hit = requests.metrics.find((m) => m.labels?.cache_result === 'hit');
  t.is(Number(hit!.value), 41);
  const sizes = byName.get('app_batch_size')!;
  t.is(sizes.type, 'HISTOGRAM');
  const h = sizes.metrics[0];
  // (This parser drops _sum/_count of labelled histograms; the grammar checker covers them.)
  t.is(Number(h.buckets!['+Inf']), 5);
  t.is(Number(h.buckets!['1']), 1);
  t.is(Number(h.buckets!['5']), 2);
  t.is(Number(h.buckets!['100']), 4);
  t.is(Number(h.buckets!['5000']), 4);
  t.is(Number(h.buckets!['10000']), 5);
  const sets = byName.get('app_cache_sets_total')!;
  t.is(sets.metrics[0].labels!.cache_name, 'we"ird\\name\nline2 ✓');
  const codecOps = byName.get('app_codec_operations_total')!;
  const compressed = codecOps.metrics.find((m) => m.labels?.codec_operation === 'encode' && m.labels?.codec_outcome === 'compressed');
  t.is(Number(compressed!.value), 1);
  t.is(compressed!.labels!.codec_name, 'bodies');
  const errors = codecOps.metrics.find((m) => m.labels?.codec_outcome === 'error');
  t.is(errors!.labels!.error_type, 'ERR_CODEC_CORRUPT');
});

test('histogram buckets in the text are cumulative and match the snapshot', (t) => {
  const registry = populated();
  const snapshot = registry.snapshot();
  const text = formatPrometheus(snapshot);
  const { samples } = checkExposition(text);
  const wait = snapshot.metrics.find((m) => m.name === 'db.client.connection.wait_time')!.points[0];
  if (!('counts' in wait)) return t.fail('not a histogram');
  let cumulative = 0;
  wait.bounds.forEach((bound, i) => {
    cumulative += wait.counts[i];
    const sample = samples.find((s) => s.name === 'db_client_connection_wait_time_seconds_bucket' && Number(s.labels.le) === bound);
    t.is(sample?.value, cumulative, `le=${bound}`);
  });
  t.is(cumulative + wait.counts[wait.counts.length - 1], 200);
});

test('an empty registry still exposes valid text', (t) => {
  const text = new MetricsRegistry().prometheus();
  t.deepEqual(checkExposition(text).errors, []);
  t.regex(text, /tiercache_metrics_collector_errors_total 0/);
});

test('the checker itself rejects malformed lines (it can fail)', (t) => {
  const bad = [
    '# TYPE x counter\nx{a="1"} one\n',
    '# TYPE x counter\nx{a=1} 1\n',
    '# TYPE x counter\nx{a="unterminated} 1\n',
    '# TYPE x gauge\ny 1\n',
    '# TYPE x counter\nx 1\nx 2\n',
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 1\n',
    '# TYPE x counter\nx 1',
  ];
  for (const text of bad) t.true(checkExposition(text).errors.length > 0, text);
});
