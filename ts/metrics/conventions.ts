/**
 * The metrics every tiercache component reports, in one place, named after
 * OpenTelemetry semantic conventions where they exist (`db.client.connection.*`
 * for pools) and in their style where they do not (`cache.*`, `batch.*`,
 * `codec.*`). docs/metrics.md lists them with their attributes and says which
 * component reports each and how.
 *
 * Durations are recorded in nanoseconds (`scale: 1e-9`) and exported in
 * seconds, the OpenTelemetry and Prometheus base unit.
 */
import { COUNT_BUCKETS, defineMetric, SIZE_BUCKETS } from './definition.js';

const NS = 1e-9;

/** Attribute names used across components. */
export const Attr = {
  /** Instance name of a LocalCache/TierCache (`name` option). */
  cacheName: 'cache.name',
  /** Tier of a tiered cache: `l1` (LocalCache) or `l2` (Redis). */
  cacheTier: 'cache.tier',
  /** Result of a cache lookup: `hit`, `miss` or `stale`. */
  cacheResult: 'cache.result',
  /** Why an entry left the cache: `size` (capacity or byte budget) or `expired` (TTL). */
  cacheEvictionReason: 'cache.eviction.reason',
  /** Cache operation timed by cache.operation.duration: `get`, `set`, `delete`, `get_many`, ... */
  cacheOperation: 'cache.operation',
  /** OpenTelemetry: name of a connection pool. */
  poolName: 'db.client.connection.pool.name',
  /** OpenTelemetry: `idle` or `used`. */
  poolState: 'db.client.connection.state',
  /** Why a pooled resource was destroyed: `lifetime`, `idle`, `validation`, `broken`, `create_timeout`, `drain`. */
  poolDestroyReason: 'db.client.connection.destroy.reason',
  /** Instance name of a BatchProcessor. */
  batchName: 'batch.name',
  /** What flushed a batch: `size`, `bytes`, `time`, `tick`, `manual`, `close`. */
  batchFlushReason: 'batch.flush.reason',
  /** Why a load was rejected without running: `queue_full`, `closed`, `aborted`, `too_large`. */
  batchRejectionReason: 'batch.rejection.reason',
  /** Instance name of a Codec. */
  codecName: 'codec.name',
  /** `encode` or `decode`. */
  codecOperation: 'codec.operation',
  /** Encode: `compressed`, `raw_small`, `raw_incompressible`; decode: `compressed`, `raw`; both: `error`. */
  codecOutcome: 'codec.outcome',
  /** Where the work ran: `inline` (calling thread) or `worker` (piscina). */
  codecExecution: 'codec.execution',
  /** `in` (bytes given) or `out` (bytes produced). */
  ioDirection: 'codec.io.direction',
  /** OpenTelemetry: the stable error code of a failure, e.g. `ERR_CODEC_CORRUPT`. */
  errorType: 'error.type',
  /** OpenTelemetry: the route template of an HTTP request, e.g. `/products/:id`. */
  httpRoute: 'http.route',
  /** Instance name of an httpCache. */
  httpCacheName: 'http.cache.name',
  /** What httpCache did: `hit`, `stale`, `miss`, `collapsed` (served by another request's origin call), `bypass`. */
  httpCacheResult: 'http.cache.result',
  /** Bytes of response bodies: `identity` (before content coding) or `sent` (as sent). */
  httpCacheBytes: 'http.cache.bytes.kind',
  /** A content coding: `zstd`, `br`, `gzip`, `identity`. */
  httpCacheCoding: 'http.cache.coding',
  /** TierCache: `sent` or `received` (invalidations). */
  tierDirection: 'tier.direction',
  /** TierCache: what an invalidation covers: `key`, `tag` or `clear`. */
  tierScope: 'tier.scope',
  /** TierCache: why something happened (an L1 flush, a stale value served). */
  tierReason: 'tier.reason',
  /** TierCache: how a loader call ended: `ok`, `error`, `timeout`. */
  tierOutcome: 'tier.outcome',
} as const;

/** LocalCache and the tiered cache. */
export const CacheMetrics = {
  /** Lookups by `cache.result` (hit/miss/stale). */
  requests: defineMetric({
    name: 'cache.requests',
    type: 'counter',
    unit: '{request}',
    description: 'Cache lookups, by result (hit, miss, stale).',
  }),
  /** Writes accepted. */
  sets: defineMetric({ name: 'cache.sets', type: 'counter', unit: '{entry}', description: 'Entries written to the cache.' }),
  /** Writes refused (value larger than the budget). */
  rejections: defineMetric({
    name: 'cache.rejections',
    type: 'counter',
    unit: '{entry}',
    description: 'Writes the cache refused, e.g. a value larger than its byte budget.',
  }),
  /** Entries removed by the policy (`size`) or by TTL (`expired`). */
  evictions: defineMetric({
    name: 'cache.evictions',
    type: 'counter',
    unit: '{entry}',
    description: 'Entries removed by the cache itself, by reason (size, expired).',
  }),
  /** Entries currently held. */
  entries: defineMetric({ name: 'cache.entries', type: 'updowncounter', unit: '{entry}', description: 'Entries currently in the cache.' }),
  /** Bytes currently accounted (keys + values + per-entry overhead). */
  memoryUsage: defineMetric({
    name: 'cache.memory.usage',
    type: 'updowncounter',
    unit: 'By',
    description: 'Bytes the cache accounts for its entries (keys, values and per-entry overhead).',
  }),
  /** Configured byte budget. */
  memoryLimit: defineMetric({ name: 'cache.memory.limit', type: 'updowncounter', unit: 'By', description: 'Byte budget of the cache.' }),
  /** Configured entry budget. */
  entriesLimit: defineMetric({ name: 'cache.entries.limit', type: 'updowncounter', unit: '{entry}', description: 'Entry budget of the cache.' }),
  /** Opt-in latency of cache operations (`cache.operation`). */
  operationDuration: defineMetric({
    name: 'cache.operation.duration',
    type: 'histogram',
    unit: 's',
    scale: NS,
    description: 'Duration of cache operations, by operation (opt-in: timing costs more than the hit path).',
  }),
} as const;

/** ConnectionPool: OpenTelemetry `db.client.connection.*` plus tiercache extensions (marked). */
export const PoolMetrics = {
  /** OTel: connections by state (idle/used). */
  count: defineMetric({
    name: 'db.client.connection.count',
    type: 'updowncounter',
    unit: '{connection}',
    description: 'Resources currently in the pool, by state (idle, used).',
  }),
  /** OTel: maximum idle resources allowed. */
  idleMax: defineMetric({
    name: 'db.client.connection.idle.max',
    type: 'updowncounter',
    unit: '{connection}',
    description: 'Maximum number of idle resources allowed.',
  }),
  /** OTel: minimum idle resources kept (the pool's min). */
  idleMin: defineMetric({
    name: 'db.client.connection.idle.min',
    type: 'updowncounter',
    unit: '{connection}',
    description: 'Minimum number of idle resources kept.',
  }),
  /** OTel: maximum resources allowed. */
  max: defineMetric({
    name: 'db.client.connection.max',
    type: 'updowncounter',
    unit: '{connection}',
    description: 'Maximum number of resources allowed.',
  }),
  /** OTel: acquires waiting for a resource. */
  pendingRequests: defineMetric({
    name: 'db.client.connection.pending_requests',
    type: 'updowncounter',
    unit: '{request}',
    description: 'Acquires waiting for a resource.',
  }),
  /** OTel: acquires that timed out. */
  timeouts: defineMetric({
    name: 'db.client.connection.timeouts',
    type: 'counter',
    unit: '{timeout}',
    description: 'Acquires that timed out before a resource became available.',
  }),
  /** OTel: time to create a resource. */
  createTime: defineMetric({
    name: 'db.client.connection.create_time',
    type: 'histogram',
    unit: 's',
    scale: NS,
    description: 'Time it took to create a new resource.',
  }),
  /** OTel: time an acquire waited. */
  waitTime: defineMetric({
    name: 'db.client.connection.wait_time',
    type: 'histogram',
    unit: 's',
    scale: NS,
    description: 'Time an acquire waited for a resource.',
  }),
  /** OTel: time between acquire and release. */
  useTime: defineMetric({
    name: 'db.client.connection.use_time',
    type: 'histogram',
    unit: 's',
    scale: NS,
    description: 'Time between acquiring a resource and releasing it.',
  }),
  /** tiercache extension: resources created. */
  creates: defineMetric({
    name: 'db.client.connection.creates',
    type: 'counter',
    unit: '{connection}',
    description: 'Resources created (tiercache extension).',
  }),
  /** tiercache extension: create attempts that failed or timed out (`error.type`). */
  createErrors: defineMetric({
    name: 'db.client.connection.create_errors',
    type: 'counter',
    unit: '{error}',
    description: 'Create attempts that failed or timed out (tiercache extension).',
  }),
  /** tiercache extension: resources destroyed, by `db.client.connection.destroy.reason`. */
  destroys: defineMetric({
    name: 'db.client.connection.destroys',
    type: 'counter',
    unit: '{connection}',
    description: 'Resources destroyed, by reason (tiercache extension).',
  }),
  /** tiercache extension: leak events emitted. */
  leaks: defineMetric({
    name: 'db.client.connection.leaks',
    type: 'counter',
    unit: '{connection}',
    description: 'Resources held longer than leakDetectionMs (tiercache extension).',
  }),
} as const;

/** BatchProcessor. */
export const BatchMetrics = {
  /** Batches executed, by `batch.flush.reason`. */
  flushes: defineMetric({ name: 'batch.flushes', type: 'counter', unit: '{batch}', description: 'Batches flushed, by reason.' }),
  /** Items (unique keys) sent in batches. */
  items: defineMetric({ name: 'batch.items', type: 'counter', unit: '{item}', description: 'Items sent to execute, after dedupe.' }),
  /** Loads that shared a slot with an identical key. */
  deduplicated: defineMetric({
    name: 'batch.deduplicated',
    type: 'counter',
    unit: '{item}',
    description: 'Loads that joined an identical key already in the open batch.',
  }),
  /** Loads rejected without running, by `batch.rejection.reason`. */
  rejections: defineMetric({
    name: 'batch.rejections',
    type: 'counter',
    unit: '{item}',
    description: 'Loads rejected without being executed, by reason.',
  }),
  /** Items per executed batch. */
  size: defineMetric({
    name: 'batch.size',
    type: 'histogram',
    unit: '{item}',
    buckets: COUNT_BUCKETS,
    description: 'Items per executed batch.',
  }),
  /** Items accumulated and not yet executed. */
  queued: defineMetric({ name: 'batch.queued', type: 'updowncounter', unit: '{item}', description: 'Items waiting to be executed.' }),
  /** Bytes accumulated and not yet executed. */
  queuedBytes: defineMetric({
    name: 'batch.queued.size',
    type: 'updowncounter',
    unit: 'By',
    description: 'Bytes (sizeOf) of the items waiting to be executed.',
  }),
  /** execute() calls running. */
  inFlight: defineMetric({ name: 'batch.in_flight', type: 'updowncounter', unit: '{batch}', description: 'execute() calls running.' }),
  /** Duration of execute(), with `error.type` on failure. */
  executeDuration: defineMetric({
    name: 'batch.execute.duration',
    type: 'histogram',
    unit: 's',
    scale: NS,
    description: 'Duration of execute() calls.',
  }),
} as const;

/** Codec. */
export const CodecMetrics = {
  /** Operations by `codec.operation` and `codec.outcome` (raw-stored values are counted here). */
  operations: defineMetric({
    name: 'codec.operations',
    type: 'counter',
    unit: '{operation}',
    description: 'Encode and decode calls, by outcome (compressed, raw_small, raw_incompressible, raw, error).',
  }),
  /** Bytes in and out, by `codec.operation` and `codec.io.direction`. */
  io: defineMetric({
    name: 'codec.io',
    type: 'counter',
    unit: 'By',
    description: 'Bytes given to (in) and produced by (out) the codec, by operation.',
  }),
  /** Duration of encode/decode, by `codec.operation` and `codec.execution`. */
  duration: defineMetric({
    name: 'codec.duration',
    type: 'histogram',
    unit: 's',
    scale: NS,
    description: 'Time spent encoding or decoding one value, where it ran (inline or worker).',
  }),
  /** Size of values given to encode (to choose minBytes and offload thresholds). */
  inputSize: defineMetric({
    name: 'codec.input.size',
    type: 'histogram',
    unit: 'By',
    buckets: SIZE_BUCKETS,
    description: 'Size of the values given to encode.',
  }),
  /** Offloaded tasks queued or running on the worker pool. */
  offloadPending: defineMetric({
    name: 'codec.offload.pending',
    type: 'updowncounter',
    unit: '{task}',
    description: 'Offloaded encode/decode tasks queued or running.',
  }),
  /** Worker threads alive in the offload pool. */
  offloadThreads: defineMetric({
    name: 'codec.offload.threads',
    type: 'updowncounter',
    unit: '{thread}',
    description: 'Worker threads alive in the codec offload pool.',
  }),
} as const;

/** httpCache (ts/http). */
export const HttpCacheMetrics = {
  /** Requests by `http.cache.result` and `http.route`. */
  requests: defineMetric({
    name: 'http.cache.requests',
    type: 'counter',
    unit: '{request}',
    description: 'Requests seen by httpCache, by result (hit, stale, miss, collapsed, bypass) and route.',
  }),
  /** Hits (fresh and stale) over hits + misses + collapsed, per route. */
  hitRatio: defineMetric({
    name: 'http.cache.hit_ratio',
    type: 'gauge',
    unit: '1',
    description: 'Share of cacheable requests answered from the cache (fresh or stale), per route.',
  }),
  /** Calls of the wrapped handler, per route (misses, refreshes and bypasses). */
  originCalls: defineMetric({
    name: 'http.cache.origin.calls',
    type: 'counter',
    unit: '{call}',
    description: 'Times the wrapped handler ran, per route.',
  }),
  /** Response body bytes before content coding and as sent; their ratio is the compression ratio. */
  bytes: defineMetric({
    name: 'http.cache.bytes',
    type: 'counter',
    unit: 'By',
    description: 'Response body bytes, identity (before content coding) and sent, from the cache.',
  }),
  /** Responses stored. */
  stores: defineMetric({ name: 'http.cache.stores', type: 'counter', unit: '{response}', description: 'Responses httpCache stored.' }),
  /** Representations produced from stored responses, by coding. */
  encodings: defineMetric({
    name: 'http.cache.encodings',
    type: 'counter',
    unit: '{representation}',
    description: 'Representations (br, gzip, identity) produced once from a stored response, by coding.',
  }),
} as const;

/** TierCache: what the tiered cache adds on top of `cache.requests` (by `cache.tier` and `cache.result`). */
export const TierMetrics = {
  /** Invalidations, by `tier.direction` (`sent`, `received`) and `tier.scope` (`key`, `tag`, `clear`). */
  invalidations: defineMetric({
    name: 'tiercache.tier.invalidations',
    type: 'counter',
    unit: '{message}',
    description: 'Coherence invalidations sent and received, by scope (key, tag, clear).',
  }),
  /** Whole-L1 flushes, by `tier.reason` (`gap`, `reconnect`, `clear`, `overflow`). */
  flushes: defineMetric({
    name: 'tiercache.tier.l1_flushes',
    type: 'counter',
    unit: '{flush}',
    description: 'Times the L1 of the namespace was dropped because invalidations may have been missed (gap, reconnect) or by clear().',
  }),
  /** Values served past their TTL, by `tier.reason` (`loader_error`, `soft_timeout`, `hard_timeout`, `l2_unavailable`). */
  staleServed: defineMetric({
    name: 'tiercache.tier.stale_served',
    type: 'counter',
    unit: '{request}',
    description: 'Stale (grace) values served because the loader or Redis failed or was slow.',
  }),
  /** Redis failures, by `error.type` (ERR_TIER_COMMAND_TIMEOUT, ERR_TIER_L2_UNAVAILABLE, ERR_TIER_COMMAND_FAILED). */
  l2Errors: defineMetric({
    name: 'tiercache.tier.l2_errors',
    type: 'counter',
    unit: '{error}',
    description: 'Redis commands that failed, timed out or were refused by the open circuit breaker.',
  }),
  /** Values in Redis that were not valid envelopes, by `error.type` (ERR_TIER_INVALID_ENVELOPE, ERR_TIER_BAD_SIGNATURE). */
  invalidEnvelopes: defineMetric({
    name: 'tiercache.tier.invalid_envelopes',
    type: 'counter',
    unit: '{value}',
    description: 'Values read from Redis that were corrupt, foreign, of a future format or wrongly signed (each read as a miss).',
  }),
  /** Loader calls, by `tier.outcome` (`ok`, `error`, `timeout`). */
  loads: defineMetric({
    name: 'tiercache.tier.loads',
    type: 'counter',
    unit: '{call}',
    description: 'Loader calls made by getOrSet, getOrSetMany, prefetch and refresh-ahead, by outcome.',
  }),
  /** Loaded values not cached because an invalidation or a newer write raced the load (in-flight fencing). */
  fenced: defineMetric({
    name: 'tiercache.tier.fenced',
    type: 'counter',
    unit: '{value}',
    description: 'Loaded or read values returned to their caller but not cached, because an invalidation raced them.',
  }),
  /** 1 while the circuit breaker is open (Redis calls fail fast), 0 otherwise. */
  breakerOpen: defineMetric({
    name: 'tiercache.tier.breaker_open',
    type: 'gauge',
    unit: '1',
    description: '1 while the Redis circuit breaker is open or half-open, 0 when closed.',
  }),
  /** 1 while L1 is trusted (subscriber live and heartbeats answered within maxStalenessMs), 0 otherwise. */
  coherent: defineMetric({
    name: 'tiercache.tier.coherent',
    type: 'gauge',
    unit: '1',
    description: '1 while the invalidation bus is live and L1 hits are served; 0 while L1 is revalidated against Redis.',
  }),
} as const;
