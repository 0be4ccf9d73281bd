/** Metrics: one registry for every component, JSON snapshots and Prometheus text. */
export { MetricsRegistry, metrics } from './registry.js';
export type { Collector, MetricSink, Registration } from './registry.js';
export { Counter, Gauge } from './instruments.js';
export { Histogram } from './histogram.js';
export type { BucketedHistogram } from './bucketed.js';
export { defineMetric, DURATION_BUCKETS, SIZE_BUCKETS, COUNT_BUCKETS } from './definition.js';
export type { AttributeValue, Attributes, MetricDefinition, MetricType } from './definition.js';
export { Attr, BatchMetrics, CacheMetrics, CodecMetrics, HttpCacheMetrics, PoolMetrics, TierMetrics } from './conventions.js';
export { formatPrometheus, prometheusName } from './prometheus.js';
export type { PrometheusOptions } from './prometheus.js';
export { instanceAttributes, nowNs, resolveMetricsOption } from './options.js';
export type { MetricsOption } from './options.js';
export type { HistogramPointSnapshot, MetricSnapshot, MetricsSnapshot, PointSnapshot, ValuePointSnapshot } from './snapshot.js';
