/**
 * TierCache counters, read by stats() and by the metrics registry at scrape
 * time (nothing is recorded per call beyond incrementing a number).
 */
import { Attr, CacheMetrics, TierMetrics, type MetricSink } from '../metrics/index.js';

/** Counters of one TierCache since it was created. */
export interface TierCacheStats {
  l1: { hits: number; misses: number; stale: number };
  l2: { hits: number; misses: number; errors: number };
  loads: { ok: number; error: number; timeout: number };
  /** Read or loaded values returned but not cached because an invalidation raced them. */
  fenced: number;
  /** Loader commits that lost to a concurrent write (compare-and-set failed). */
  conflicts: number;
  invalidations: { sent: number; received: number };
  flushes: { gap: number; reconnect: number; clear: number; overflow: number; flushall: number };
  staleServed: { loader_error: number; soft_timeout: number; hard_timeout: number; l2_unavailable: number; lock_wait: number };
  invalidEnvelopes: number;
  badSignatures: number;
  refreshes: number;
  locks: { acquired: number; waited: number };
  /** Current state. */
  breaker: 'closed' | 'open' | 'half-open';
  coherent: boolean;
}

/** Fresh zeroed counters. */
export function zeroStats(): TierCacheStats {
  return {
    l1: { hits: 0, misses: 0, stale: 0 },
    l2: { hits: 0, misses: 0, errors: 0 },
    loads: { ok: 0, error: 0, timeout: 0 },
    fenced: 0,
    conflicts: 0,
    invalidations: { sent: 0, received: 0 },
    flushes: { gap: 0, reconnect: 0, clear: 0, overflow: 0, flushall: 0 },
    staleServed: { loader_error: 0, soft_timeout: 0, hard_timeout: 0, l2_unavailable: 0, lock_wait: 0 },
    invalidEnvelopes: 0,
    badSignatures: 0,
    refreshes: 0,
    locks: { acquired: 0, waited: 0 },
    breaker: 'closed',
    coherent: true,
  };
}

function attrs(pairs: Record<string, string>): Record<string, string> {
  return pairs;
}

/** Reports one TierCache's counters. */
export function reportTier(s: TierCacheStats, sink: MetricSink): void {
  const req = CacheMetrics.requests;
  sink.observe(req, s.l1.hits, attrs({ [Attr.cacheTier]: 'l1', [Attr.cacheResult]: 'hit' }));
  sink.observe(req, s.l1.misses, attrs({ [Attr.cacheTier]: 'l1', [Attr.cacheResult]: 'miss' }));
  sink.observe(req, s.l1.stale, attrs({ [Attr.cacheTier]: 'l1', [Attr.cacheResult]: 'stale' }));
  sink.observe(req, s.l2.hits, attrs({ [Attr.cacheTier]: 'l2', [Attr.cacheResult]: 'hit' }));
  sink.observe(req, s.l2.misses, attrs({ [Attr.cacheTier]: 'l2', [Attr.cacheResult]: 'miss' }));
  sink.observe(TierMetrics.invalidations, s.invalidations.sent, attrs({ [Attr.tierDirection]: 'sent' }));
  sink.observe(TierMetrics.invalidations, s.invalidations.received, attrs({ [Attr.tierDirection]: 'received' }));
  for (const [reason, n] of Object.entries(s.flushes)) sink.observe(TierMetrics.flushes, n, attrs({ [Attr.tierReason]: reason }));
  for (const [reason, n] of Object.entries(s.staleServed)) sink.observe(TierMetrics.staleServed, n, attrs({ [Attr.tierReason]: reason }));
  sink.observe(TierMetrics.l2Errors, s.l2.errors);
  sink.observe(TierMetrics.invalidEnvelopes, s.invalidEnvelopes, attrs({ [Attr.errorType]: 'ERR_TIER_INVALID_ENVELOPE' }));
  sink.observe(TierMetrics.invalidEnvelopes, s.badSignatures, attrs({ [Attr.errorType]: 'ERR_TIER_BAD_SIGNATURE' }));
  for (const [outcome, n] of Object.entries(s.loads)) sink.observe(TierMetrics.loads, n, attrs({ [Attr.tierOutcome]: outcome }));
  sink.observe(TierMetrics.fenced, s.fenced);
  sink.observe(TierMetrics.breakerOpen, s.breaker === 'closed' ? 0 : 1);
  sink.observe(TierMetrics.coherent, s.coherent ? 1 : 0);
}
