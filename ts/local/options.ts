/**
 * Options of LocalCache and their validation (one place, so both
 * implementations throw the same errors).
 */
import {
  checkFunction,
  checkKnownKeys,
  checkOneOf,
  checkOptionalInteger,
  checkOptionsObject,
} from '../common/validate.js';
import { Attr, instanceAttributes, resolveMetricsOption, type Attributes, type MetricsOption, type MetricsRegistry } from '../metrics/index.js';
import { MAX_BYTES, MAX_ENTRIES, MAX_TTL_MS } from './limits.js';

/** Eviction policy of a cache. */
export type LocalCachePolicy = 'tinylfu' | 'lru';

/** Why an entry left the cache, as `onEvict` is told. */
export type EvictionReason = 'evict' | 'expire' | 'delete' | 'set';

/** Options of `new LocalCache(options)`. */
export interface LocalCacheOptions<V = unknown> {
  /** Entry budget (at most 16,777,216). At least one of maxEntries and maxBytes is required. */
  maxEntries?: number;
  /**
   * Byte budget over, per entry: the key's UTF-8 length + `sizeOf(value,
   * key)` + 96 bytes of fixed overhead. A value larger than the budget is
   * not stored.
   */
  maxBytes?: number;
  /**
   * The size of a value in bytes (a non-negative integer). Default: the
   * UTF-8 length of a string, the byteLength of a Buffer, typed array or
   * DataView; required for any other value when maxBytes is set.
   */
  sizeOf?: (value: V, key: string) => number;
  /** Default time to live in milliseconds; 0 (the default) means entries do not expire. */
  ttlMs?: number;
  /** `'tinylfu'` (default): adaptive W-TinyLFU; `'lru'`: least recently used. */
  policy?: LocalCachePolicy;
  /** `'system'` (default) or `'manual'`: time moves only through `advance(ms)`, for tests. */
  clock?: 'system' | 'manual';
  /**
   * Called for every value that leaves the cache, after the cache's state
   * is consistent: `'evict'` (budget), `'expire'` (TTL), `'delete'`
   * (delete, deleteMany, clear, set to undefined), `'set'` (replaced by a
   * set of the same key, or removed by a set that was refused).
   */
  onEvict?: (value: V, key: string, reason: EvictionReason) => void;
  /**
   * Where the cache reports `cache.*` metrics: the process-wide `metrics`
   * registry (default, or `true`), another MetricsRegistry, or `false`.
   */
  metrics?: MetricsOption;
  /** The `cache.name` metric attribute; unnamed caches add up. */
  name?: string;
}

/** Options of one `set` or `getOrSet`. */
export interface SetOptions {
  /** Time to live of this entry in milliseconds; 0 means no expiry. Defaults to the cache's ttlMs. */
  ttlMs?: number;
}

/** Validated options. Budgets that are not set are 0. */
export interface NormalizedOptions<V> {
  maxEntries: number;
  maxBytes: number;
  sizeOf: ((value: V, key: string) => number) | undefined;
  ttlMs: number;
  policy: LocalCachePolicy;
  manualClock: boolean;
  onEvict: ((value: V, key: string, reason: EvictionReason) => void) | undefined;
  registry: MetricsRegistry | null;
  attributes: Attributes;
}

const KNOWN = ['maxEntries', 'maxBytes', 'sizeOf', 'ttlMs', 'policy', 'clock', 'onEvict', 'metrics', 'name'] as const;

/** Validates LocalCache options. */
export function normalizeOptions<V>(value: unknown): NormalizedOptions<V> {
  const options = checkOptionsObject(value, 'options');
  checkKnownKeys(options, 'options', KNOWN);
  const maxEntries = checkOptionalInteger(options.maxEntries, 'options.maxEntries', 1, MAX_ENTRIES, 0);
  const maxBytes = checkOptionalInteger(options.maxBytes, 'options.maxBytes', 1, MAX_BYTES, 0);
  if (maxEntries === 0 && maxBytes === 0) {
    throw new TypeError('options must set maxEntries, maxBytes or both');
  }
  const sizeOf =
    options.sizeOf === undefined ? undefined : checkFunction<(value: V, key: string) => number>(options.sizeOf, 'options.sizeOf');
  const ttlMs = checkOptionalInteger(options.ttlMs, 'options.ttlMs', 0, MAX_TTL_MS, 0);
  const policy = options.policy === undefined ? 'tinylfu' : checkOneOf(options.policy, 'options.policy', ['tinylfu', 'lru']);
  const clock = options.clock === undefined ? 'system' : checkOneOf(options.clock, 'options.clock', ['system', 'manual']);
  const onEvict =
    options.onEvict === undefined
      ? undefined
      : checkFunction<(value: V, key: string, reason: EvictionReason) => void>(options.onEvict, 'options.onEvict');
  const registry = resolveMetricsOption(options.metrics);
  const attributes = instanceAttributes(options.name, 'options.name', Attr.cacheName);
  return { maxEntries, maxBytes, sizeOf, ttlMs, policy, manualClock: clock === 'manual', onEvict, registry, attributes };
}

/** The TTL of one set: the cache default unless `options.ttlMs` is given. */
export function resolveTtl(options: unknown, fallback: number): number {
  if (options === undefined) return fallback;
  const o = checkOptionsObject(options, 'options');
  checkKnownKeys(o, 'options', ['ttlMs']);
  return checkOptionalInteger(o.ttlMs, 'options.ttlMs', 0, MAX_TTL_MS, fallback);
}
