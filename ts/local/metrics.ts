/**
 * LocalCache's report to the metrics registry. Pull model: nothing is
 * recorded per operation (the counters behind stats() already exist); this
 * collector reads them when the registry is scraped.
 */
import { Attr, CacheMetrics, type MetricSink } from '../metrics/index.js';
import type { LocalCacheStats } from './local-cache.js';

/** What the collector reads from a cache at scrape time. */
export interface CacheReading {
  /** Counters since creation (resetStats() does not move them back). */
  lifetime: LocalCacheStats;
  size: number;
  bytes: number;
  /** Budgets; 0 when not set. */
  maxEntries: number;
  maxBytes: number;
}

const HIT = Object.freeze({ [Attr.cacheResult]: 'hit' });
const MISS = Object.freeze({ [Attr.cacheResult]: 'miss' });
const BY_SIZE = Object.freeze({ [Attr.cacheEvictionReason]: 'size' });
const EXPIRED = Object.freeze({ [Attr.cacheEvictionReason]: 'expired' });

/** Reports one cache (a module-level function: the registry holds the cache weakly). */
export function reportCache(r: CacheReading, sink: MetricSink): void {
  const s = r.lifetime;
  sink.observe(CacheMetrics.requests, s.hits, HIT);
  sink.observe(CacheMetrics.requests, s.misses, MISS);
  sink.observe(CacheMetrics.sets, s.sets);
  sink.observe(CacheMetrics.rejections, s.rejections);
  sink.observe(CacheMetrics.evictions, s.evictions, BY_SIZE);
  sink.observe(CacheMetrics.evictions, s.expirations, EXPIRED);
  sink.observe(CacheMetrics.entries, r.size);
  sink.observe(CacheMetrics.memoryUsage, r.bytes);
  if (r.maxEntries !== 0) sink.observe(CacheMetrics.entriesLimit, r.maxEntries);
  if (r.maxBytes !== 0) sink.observe(CacheMetrics.memoryLimit, r.maxBytes);
}
