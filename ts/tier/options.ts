/**
 * TierCache options, their defaults and their validation: every bad option
 * is a TypeError or RangeError naming it, before anything connects.
 */
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { Codec } from '../codec/codec.js';
import type { CodecOptions } from '../codec/options.js';
import {
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptionalBoolean,
  checkOptionalInteger,
  checkOptionsObject,
  describe,
} from '../common/validate.js';
import { instanceAttributes, resolveMetricsOption, Attr, type MetricsOption } from '../metrics/index.js';
import type { BreakerOptions } from './breaker.js';
import type { CoherenceMode } from './bus.js';
import { wallClock, type TierClock } from './clock.js';
import type { RedisSource } from './connections.js';
import { checkNamespace, checkTags } from './keys.js';
import { isCluster, isRedis } from './redis-module.js';
import type { Serializer } from './serializer.js';

/** Largest duration accepted (ms): 2^53 - 1, far past setTimeout's 2^31 (no per-entry timers). */
export const MAX_DURATION_MS = Number.MAX_SAFE_INTEGER;

/** The `l1` option. */
export interface L1Options {
  /** 'value' (default): decoded values held by reference; 'offheap': serialized bytes, decoded on every hit. */
  store?: 'value' | 'offheap';
  /** Entry budget (default 10,000 when neither budget is given). */
  maxEntries?: number;
  /** Byte budget over serialized sizes. */
  maxBytes?: number;
  /** Eviction policy of the underlying LocalCache. */
  policy?: 'tinylfu' | 'lru';
  /** Shards of the offheap store. */
  shards?: number;
}

/** The `l2` option. */
export interface L2Options {
  /** A redis:// URL, ioredis options, or an ioredis Redis or Cluster client (used as given, never closed by TierCache). */
  redis?: string | RedisOptions | Redis | Cluster;
  /** A cluster TierCache creates: its startup nodes and ioredis Cluster options. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /** Hard deadline of every Redis call, acquiring a connection included (default 50 ms). */
  commandTimeoutMs?: number;
  /** Command connections TierCache creates (default 2); the subscriber is one more. */
  pool?: { size?: number };
  /** Circuit breaker of Redis calls. */
  breaker?: BreakerOptions;
  /** How long a delete's tombstone fences loads that started before it (default 60,000 ms). */
  tombstoneMs?: number;
}

/** The `coherence` option. */
export interface CoherenceOptions {
  /** 'publish' (default): versioned, sequenced messages from the write scripts; 'tracking': Redis server-assisted invalidation (BCAST); 'both'. */
  mode?: CoherenceMode;
  /** How often the subscriber is pinged (default 250 ms). */
  heartbeatMs?: number;
  /** L1 is served only while a heartbeat sent less than this long ago was answered (default 1000 ms): the staleness bound. */
  maxStalenessMs?: number;
}

/** The `lock` option (distributed stampede protection across instances). */
export interface LockOptions {
  /** Lease of the lock (default 10,000 ms), independent of how long the loader runs. */
  ttlMs?: number;
  /** How long an instance that did not get the lock waits for the holder's value before loading itself (default 1,000 ms). */
  waitMs?: number;
  /** How often a waiting instance looks for the value (default 25 ms). */
  retryMs?: number;
}

/** Options of `createCache(options)` / `new TierCache(options)`. */
export interface TierCacheOptions {
  /** Key prefix and invalidation scope (default 'default'). */
  namespace?: string;
  /** The in-process tier, or false. Default `{ maxEntries: 10000 }`. */
  l1?: L1Options | false;
  /** The Redis tier, or false (default). */
  l2?: L2Options | false;
  /** Invalidation between instances: on by default when both tiers exist. */
  coherence?: boolean | CoherenceOptions;
  /** Default time to live (default 60,000 ms; 0 = no expiry). */
  ttlMs?: number;
  /** Default grace after the TTL during which a value may still be served when the loader or Redis fails (default 0). */
  staleMs?: number;
  /** TTL jitter: each write's TTL is shortened by up to this fraction, at random (default 0). */
  jitter?: number;
  /** Refresh-ahead: a getOrSet hit past this fraction of its TTL refreshes it once in the background (0 = off, default). */
  refreshAhead?: number;
  /** Custom serializer; default JSON, with Buffers and strings passed through. */
  serializer?: Serializer;
  /** zstd compression of L2 values: true (default, when zstd is available), false, a Codec, or Codec options. */
  codec?: boolean | Codec | CodecOptions;
  /** Loader soft timeout: past it a stale value is returned while the loader finishes in the background (default off). */
  softTimeoutMs?: number;
  /** Loader hard timeout: past it the loader is aborted and the call fails, unless a stale value can be served (default 30,000 ms). */
  hardTimeoutMs?: number;
  /** Distributed lock for getOrSet across instances: true for defaults, or its options (default off). */
  lock?: boolean | LockOptions;
  /** HMAC-SHA256 signing of L2 envelopes (secret of at least 16 bytes). */
  signing?: { secret: string | Uint8Array };
  /** Clock for TTLs, grace and loader timeouts (default Date.now() and Node timers). */
  clock?: TierClock;
  /** Random source in [0, 1) for jitter (default Math.random). */
  random?: () => number;
  /** Metrics registry (default: the process-wide one), or false. */
  metrics?: MetricsOption;
  /** Instance name for metrics (`cache.name`). */
  name?: string;
}

/** Per-call options of set/setMany. */
export interface TierSetOptions {
  ttlMs?: number;
  staleMs?: number;
  tags?: string[];
}

/** Per-call options of getOrSet/getOrSetMany/prefetch. */
export interface TierLoadOptions extends TierSetOptions {
  softTimeoutMs?: number;
  hardTimeoutMs?: number;
  /** Override the cache's `lock` option for this call. */
  lock?: boolean;
}

export interface ResolvedLock {
  ttlMs: number;
  waitMs: number;
  retryMs: number;
}

export interface ResolvedOptions {
  namespace: string;
  l1: (Required<Pick<L1Options, 'store'>> & Omit<L1Options, 'store'>) | null;
  l2: {
    source: RedisSource;
    commandTimeoutMs: number;
    poolSize: number;
    breaker: Required<BreakerOptions>;
    tombstoneMs: number;
  } | null;
  coherence: Required<CoherenceOptions> | null;
  ttlMs: number;
  staleMs: number;
  jitter: number;
  refreshAhead: number;
  serializer: Serializer | null;
  codec: boolean | Codec | CodecOptions;
  softTimeoutMs: number;
  hardTimeoutMs: number;
  lock: ResolvedLock | null;
  secret: Buffer | null;
  clock: TierClock;
  random: () => number;
  metrics: MetricsOption | undefined;
  name: string | undefined;
}

const KNOWN = [
  'namespace', 'l1', 'l2', 'coherence', 'ttlMs', 'staleMs', 'jitter', 'refreshAhead', 'serializer', 'codec',
  'softTimeoutMs', 'hardTimeoutMs', 'lock', 'signing', 'clock', 'random', 'metrics', 'name',
] as const;
const L1_KNOWN = ['store', 'maxEntries', 'maxBytes', 'policy', 'shards'] as const;
const L2_KNOWN = ['redis', 'cluster', 'commandTimeoutMs', 'pool', 'breaker', 'tombstoneMs'] as const;
const COHERENCE_KNOWN = ['mode', 'heartbeatMs', 'maxStalenessMs'] as const;
const LOCK_KNOWN = ['ttlMs', 'waitMs', 'retryMs'] as const;

/** Default L1 entry budget. */
export const DEFAULT_L1_ENTRIES = 10_000;
/** Default commandTimeoutMs: tens of ms, far above a loopback or same-zone round trip. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 50;

function duration(value: unknown, name: string, fallback: number, min = 0): number {
  return value === undefined ? fallback : checkInteger(value, name, min, MAX_DURATION_MS);
}

function resolveL1(value: unknown): ResolvedOptions['l1'] {
  if (value === false) return null;
  const o = checkOptionsObject(value, 'options.l1');
  checkKnownKeys(o, 'options.l1', L1_KNOWN);
  const store = o.store === undefined ? 'value' : checkOneOf(o.store, 'options.l1.store', ['value', 'offheap']);
  let maxEntries = checkOptionalInteger(o.maxEntries, 'options.l1.maxEntries', 1, 2 ** 24, 0);
  const maxBytes = checkOptionalInteger(o.maxBytes, 'options.l1.maxBytes', 1, 2 ** 48, 0);
  if (maxEntries === 0 && maxBytes === 0) maxEntries = DEFAULT_L1_ENTRIES;
  const policy = o.policy === undefined ? undefined : checkOneOf(o.policy, 'options.l1.policy', ['tinylfu', 'lru']);
  const shards = o.shards === undefined ? undefined : checkInteger(o.shards, 'options.l1.shards', 1, 1024);
  return {
    store,
    maxEntries: maxEntries === 0 ? undefined : maxEntries,
    maxBytes: maxBytes === 0 ? undefined : maxBytes,
    policy,
    shards,
  };
}

function resolveSource(o: Record<string, unknown>): RedisSource {
  if (o.cluster !== undefined) {
    if (o.redis !== undefined) throw new TypeError('options.l2 must set redis or cluster, not both');
    const c = checkOptionsObject(o.cluster, 'options.l2.cluster');
    checkKnownKeys(c, 'options.l2.cluster', ['nodes', 'options']);
    if (!Array.isArray(c.nodes) || c.nodes.length === 0) {
      throw new TypeError(`options.l2.cluster.nodes must be a non-empty array, got ${describe(c.nodes)}`);
    }
    return { kind: 'cluster', nodes: c.nodes as ClusterNode[], options: checkOptionsObject(c.options, 'options.l2.cluster.options') as ClusterOptions };
  }
  const redis = o.redis;
  if (typeof redis === 'string') {
    if (!/^rediss?:\/\//.test(redis)) throw new RangeError(`options.l2.redis must be a redis:// or rediss:// URL, got ${describe(redis)}`);
    return { kind: 'url', url: redis, options: {} };
  }
  if (isCluster(redis) || isRedis(redis)) return { kind: 'client', client: redis };
  if (redis === undefined) throw new TypeError('options.l2.redis (a URL, ioredis options or client) or options.l2.cluster is required');
  const options = checkOptionsObject(redis, 'options.l2.redis');
  return { kind: 'options', options: options as RedisOptions };
}

function resolveL2(value: unknown): ResolvedOptions['l2'] {
  if (value === undefined || value === false) return null;
  const o = checkOptionsObject(value, 'options.l2');
  checkKnownKeys(o, 'options.l2', L2_KNOWN);
  const source = resolveSource(o);
  const commandTimeoutMs = duration(o.commandTimeoutMs, 'options.l2.commandTimeoutMs', DEFAULT_COMMAND_TIMEOUT_MS, 1);
  if (commandTimeoutMs > 2 ** 31 - 1) throw new RangeError(`options.l2.commandTimeoutMs must be at most ${2 ** 31 - 1}, got ${commandTimeoutMs}`);
  const pool = checkOptionsObject(o.pool, 'options.l2.pool');
  checkKnownKeys(pool, 'options.l2.pool', ['size']);
  const poolSize = checkOptionalInteger(pool.size, 'options.l2.pool.size', 1, 64, 2);
  const b = checkOptionsObject(o.breaker, 'options.l2.breaker');
  checkKnownKeys(b, 'options.l2.breaker', ['failureThreshold', 'openMs', 'maxOpenMs']);
  const failureThreshold = checkOptionalInteger(b.failureThreshold, 'options.l2.breaker.failureThreshold', 1, 1_000_000, 3);
  const openMs = duration(b.openMs, 'options.l2.breaker.openMs', 500, 1);
  const maxOpenMs = duration(b.maxOpenMs, 'options.l2.breaker.maxOpenMs', Math.max(5000, openMs), openMs);
  const tombstoneMs = duration(o.tombstoneMs, 'options.l2.tombstoneMs', 60_000, 1);
  return { source, commandTimeoutMs, poolSize, breaker: { failureThreshold, openMs, maxOpenMs }, tombstoneMs };
}

function resolveCoherence(value: unknown, enabled: boolean): ResolvedOptions['coherence'] {
  if (value === false || !enabled) {
    if (value !== undefined && value !== false && !enabled) {
      throw new TypeError('options.coherence needs both tiers (options.l1 and options.l2)');
    }
    return null;
  }
  const o = value === true ? {} : checkOptionsObject(value, 'options.coherence');
  checkKnownKeys(o, 'options.coherence', COHERENCE_KNOWN);
  const mode = o.mode === undefined ? 'publish' : checkOneOf(o.mode, 'options.coherence.mode', ['publish', 'tracking', 'both']);
  const heartbeatMs = duration(o.heartbeatMs, 'options.coherence.heartbeatMs', 250, 1);
  const maxStalenessMs = duration(o.maxStalenessMs, 'options.coherence.maxStalenessMs', Math.max(1000, heartbeatMs * 2), 1);
  if (maxStalenessMs < heartbeatMs * 2) {
    throw new RangeError(`options.coherence.maxStalenessMs must be at least twice heartbeatMs (${heartbeatMs * 2}), got ${maxStalenessMs}`);
  }
  if (heartbeatMs > 2 ** 31 - 1 || maxStalenessMs > 2 ** 31 - 1) throw new RangeError('options.coherence durations must be at most 2^31-1 ms');
  return { mode, heartbeatMs, maxStalenessMs };
}

function resolveLock(value: unknown): ResolvedLock | null {
  if (value === undefined || value === false) return null;
  const o = value === true ? {} : checkOptionsObject(value, 'options.lock');
  checkKnownKeys(o, 'options.lock', LOCK_KNOWN);
  return {
    ttlMs: duration(o.ttlMs, 'options.lock.ttlMs', 10_000, 1),
    waitMs: duration(o.waitMs, 'options.lock.waitMs', 1000),
    retryMs: duration(o.retryMs, 'options.lock.retryMs', 25, 1),
  };
}

function resolveSerializer(value: unknown): Serializer | null {
  if (value === undefined) return null;
  const o = checkOptionsObject(value, 'options.serializer');
  checkFunction(o.encode, 'options.serializer.encode');
  checkFunction(o.decode, 'options.serializer.decode');
  return value as Serializer;
}

function resolveSecret(value: unknown): Buffer | null {
  if (value === undefined) return null;
  const o = checkOptionsObject(value, 'options.signing');
  checkKnownKeys(o, 'options.signing', ['secret']);
  const secret = o.secret;
  let bytes: Buffer;
  if (typeof secret === 'string') bytes = Buffer.from(secret, 'utf8');
  else if (secret instanceof Uint8Array) bytes = Buffer.from(secret);
  else throw new TypeError(`options.signing.secret must be a string or a Uint8Array, got ${describe(secret)}`);
  if (bytes.length < 16) throw new RangeError(`options.signing.secret must be at least 16 bytes, got ${bytes.length}`);
  return bytes;
}

function resolveClock(value: unknown): TierClock {
  if (value === undefined) return wallClock;
  const clock = checkOptionsObject(value, 'options.clock');
  for (const method of ['now', 'setTimer', 'clearTimer']) checkFunction(clock[method], `options.clock.${method}`);
  return value as TierClock;
}

function resolveCodecOption(value: unknown): boolean | Codec | CodecOptions {
  if (value === undefined) return true;
  if (typeof value === 'boolean' || value instanceof Codec) return value;
  return checkOptionsObject(value, 'options.codec') as CodecOptions;
}

/** Validates `options` and applies the defaults. */
export function resolveTierOptions(options: unknown): ResolvedOptions {
  const o = checkOptionsObject(options, 'options');
  checkKnownKeys(o, 'options', KNOWN);
  const namespace = checkNamespace(o.namespace, 'options.namespace');
  const l1 = resolveL1(o.l1);
  const l2 = resolveL2(o.l2);
  if (l1 === null && l2 === null) throw new TypeError('options.l1 and options.l2 cannot both be false');
  const coherence = resolveCoherence(o.coherence, l1 !== null && l2 !== null);
  const jitter = o.jitter === undefined ? 0 : checkNumber(o.jitter, 'options.jitter', 0, 1);
  const refreshAhead = o.refreshAhead === undefined ? 0 : checkNumber(o.refreshAhead, 'options.refreshAhead', 0, 1);
  if (refreshAhead === 1) throw new RangeError('options.refreshAhead must be below 1 (a fraction of the TTL), got 1');
  resolveMetricsOption(o.metrics);
  instanceAttributes(o.name, 'options.name', Attr.cacheName);
  return {
    namespace,
    l1,
    l2,
    coherence,
    ttlMs: duration(o.ttlMs, 'options.ttlMs', 60_000),
    staleMs: duration(o.staleMs, 'options.staleMs', 0),
    jitter,
    refreshAhead,
    serializer: resolveSerializer(o.serializer),
    codec: resolveCodecOption(o.codec),
    softTimeoutMs: duration(o.softTimeoutMs, 'options.softTimeoutMs', Number.MAX_SAFE_INTEGER, 0),
    hardTimeoutMs: duration(o.hardTimeoutMs, 'options.hardTimeoutMs', 30_000, 1),
    lock: resolveLock(o.lock),
    secret: resolveSecret(o.signing),
    clock: resolveClock(o.clock),
    random: o.random === undefined ? Math.random : checkFunction<() => number>(o.random, 'options.random'),
    metrics: o.metrics as MetricsOption | undefined,
    name: o.name as string | undefined,
  };
}

/** Per-call TTL, grace and tags. */
export interface CallOptions {
  ttlMs: number;
  staleMs: number;
  tags: readonly string[] | null;
}

const SET_KNOWN = ['ttlMs', 'staleMs', 'tags'] as const;
const LOAD_KNOWN = ['ttlMs', 'staleMs', 'tags', 'softTimeoutMs', 'hardTimeoutMs', 'lock'] as const;

/** Validates set options. */
export function resolveSetOptions(value: unknown, defaults: ResolvedOptions, name = 'options'): CallOptions {
  if (value === undefined) return { ttlMs: defaults.ttlMs, staleMs: defaults.staleMs, tags: null };
  const o = checkOptionsObject(value, name);
  checkKnownKeys(o, name, SET_KNOWN);
  return {
    ttlMs: duration(o.ttlMs, `${name}.ttlMs`, defaults.ttlMs),
    staleMs: duration(o.staleMs, `${name}.staleMs`, defaults.staleMs),
    tags: checkTags(o.tags, `${name}.tags`),
  };
}

/** Loader call options, resolved. */
export interface LoadCallOptions extends CallOptions {
  softTimeoutMs: number;
  hardTimeoutMs: number;
  lock: boolean;
}

/** Validates getOrSet options. */
export function resolveLoadOptions(value: unknown, defaults: ResolvedOptions, name = 'options'): LoadCallOptions {
  const o = checkOptionsObject(value, name);
  checkKnownKeys(o, name, LOAD_KNOWN);
  return {
    ttlMs: duration(o.ttlMs, `${name}.ttlMs`, defaults.ttlMs),
    staleMs: duration(o.staleMs, `${name}.staleMs`, defaults.staleMs),
    tags: checkTags(o.tags, `${name}.tags`),
    softTimeoutMs: duration(o.softTimeoutMs, `${name}.softTimeoutMs`, defaults.softTimeoutMs),
    hardTimeoutMs: duration(o.hardTimeoutMs, `${name}.hardTimeoutMs`, defaults.hardTimeoutMs, 1),
    lock: checkOptionalBoolean(o.lock, `${name}.lock`, defaults.lock !== null),
  };
}
