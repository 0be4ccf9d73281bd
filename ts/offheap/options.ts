/**
 * Options of OffHeapCache and their validation, shared by both
 * implementations so that bad input gets the same error from each.
 */
import {
  checkInteger,
  checkKnownKeys,
  checkOneOf,
  checkOptionalInteger,
  checkOptionsObject,
} from '../common/validate.js';
import { Attr, instanceAttributes, resolveMetricsOption, type Attributes, type MetricsOption, type MetricsRegistry } from '../metrics/index.js';
import { MAX_BYTES, MAX_ENTRIES, MAX_SHARDS, MAX_TTL_MS } from '../local/limits.js';
import type { LocalCachePolicy } from '../local/options.js';

export { resolveTtl, type SetOptions } from '../local/options.js';

/** Options of `new OffHeapCache(options)` and `OffHeapCache.shared(name, options)`. */
export interface OffHeapCacheOptions {
  /** Entry budget (at most 16,777,216). At least one of maxEntries and maxBytes is required. */
  maxEntries?: number;
  /**
   * Byte budget over key bytes (UTF-8) + value bytes + 96 bytes of fixed
   * per-entry overhead. Split evenly over the shards: a value larger than
   * maxBytes / shards is rejected.
   */
  maxBytes?: number;
  /** Default time to live in milliseconds; 0 (the default) means entries do not expire. */
  ttlMs?: number;
  /** `'tinylfu'` (default): adaptive W-TinyLFU; `'lru'`: least recently used. */
  policy?: LocalCachePolicy;
  /**
   * Number of shards, a power of two (default 1; 16 for `OffHeapCache.shared`,
   * capped by maxEntries). Budgets are split evenly over the shards; more
   * shards mean less lock contention between threads sharing a cache.
   */
  shards?: number;
  /** `'system'` (default) or `'manual'`: time moves only through `advance(ms)`, for tests. */
  clock?: 'system' | 'manual';
  /**
   * Where the cache reports `cache.*` metrics: the process-wide `metrics`
   * registry (default, or `true`), another MetricsRegistry, or `false`. The
   * counters are read when the registry is scraped; nothing is added to a get.
   */
  metrics?: MetricsOption;
  /** The `cache.name` metric attribute; unnamed caches add up. */
  name?: string;
}

/** Validated options. Budgets that are not set are 0. */
export interface NormalizedOptions {
  maxEntries: number;
  maxBytes: number;
  ttlMs: number;
  policy: LocalCachePolicy;
  shards: number;
  manualClock: boolean;
  /** Registry to report to, or null. */
  registry: MetricsRegistry | null;
  /** Metric attributes of this cache (its name). */
  attributes: Attributes;
}

const KNOWN = ['maxEntries', 'maxBytes', 'ttlMs', 'policy', 'shards', 'clock', 'metrics', 'name'] as const;
const DEFAULT_SHARED_SHARDS = 16;

/** Validates options; `shared` picks the default shard count of shared caches. */
export function normalizeOptions(value: unknown, shared: boolean): NormalizedOptions {
  const options = checkOptionsObject(value, 'options');
  checkKnownKeys(options, 'options', KNOWN);
  const maxEntries = checkOptionalInteger(options.maxEntries, 'options.maxEntries', 1, MAX_ENTRIES, 0);
  const maxBytes = checkOptionalInteger(options.maxBytes, 'options.maxBytes', 1, MAX_BYTES, 0);
  if (maxEntries === 0 && maxBytes === 0) {
    throw new TypeError('options must set maxEntries, maxBytes or both');
  }
  const ttlMs = checkOptionalInteger(options.ttlMs, 'options.ttlMs', 0, MAX_TTL_MS, 0);
  const policy = options.policy === undefined ? 'tinylfu' : checkOneOf(options.policy, 'options.policy', ['tinylfu', 'lru']);
  let shards: number;
  if (options.shards === undefined) {
    shards = shared ? DEFAULT_SHARED_SHARDS : 1;
    if (maxEntries !== 0) while (shards > maxEntries) shards /= 2;
  } else {
    shards = checkInteger(options.shards, 'options.shards', 1, MAX_SHARDS);
    if ((shards & (shards - 1)) !== 0) {
      throw new RangeError(`options.shards must be a power of two, got ${shards}`);
    }
    if (maxEntries !== 0 && shards > maxEntries) {
      throw new RangeError(`options.shards must not exceed options.maxEntries (${maxEntries}), got ${shards}`);
    }
  }
  const clock = options.clock === undefined ? 'system' : checkOneOf(options.clock, 'options.clock', ['system', 'manual']);
  const registry = resolveMetricsOption(options.metrics);
  const attributes = instanceAttributes(options.name, 'options.name', Attr.cacheName);
  return { maxEntries, maxBytes, ttlMs, policy, shards, manualClock: clock === 'manual', registry, attributes };
}

