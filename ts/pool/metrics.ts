/**
 * ConnectionPool's report to the metrics registry (OpenTelemetry
 * `db.client.connection.*`). Pull model: the collector reads the pool's
 * existing counters at scrape time; acquire and release do nothing extra.
 */
import { Attr, PoolMetrics, type MetricSink } from '../metrics/index.js';
import { WAIT_BUCKETS_MS, type PoolCounters } from './stats.js';
import type { PoolStats } from './types.js';

/** What the collector reads from a pool at scrape time. */
export interface PoolReading {
  stats: PoolStats;
  counters: PoolCounters;
  min: number;
  max: number;
}

const IDLE = Object.freeze({ [Attr.poolState]: 'idle' });
const USED = Object.freeze({ [Attr.poolState]: 'used' });
const WAIT_BOUNDS_NS = WAIT_BUCKETS_MS.map((ms) => ms * 1e6);

/** Reports one pool (a module-level function: the registry holds the pool weakly). */
export function reportPool(r: PoolReading, sink: MetricSink): void {
  const s = r.stats;
  sink.observe(PoolMetrics.count, s.idle, IDLE);
  sink.observe(PoolMetrics.count, s.borrowed + s.validating, USED);
  sink.observe(PoolMetrics.pendingRequests, s.waiting);
  sink.observe(PoolMetrics.max, r.max);
  sink.observe(PoolMetrics.idleMin, r.min);
  sink.observe(PoolMetrics.idleMax, r.max);
  sink.observe(PoolMetrics.timeouts, s.timeouts);
  sink.observe(PoolMetrics.creates, s.created);
  sink.observe(PoolMetrics.createErrors, s.createFailures);
  sink.observe(PoolMetrics.destroys, s.destroyed);
  sink.observe(PoolMetrics.leaks, s.leaks);
  const c = r.counters;
  sink.observe(PoolMetrics.waitTime, {
    bounds: WAIT_BOUNDS_NS,
    counts: c.waitBuckets,
    sum: c.waitSumMs * 1e6,
    max: c.waitMaxMs * 1e6,
  });
}
