/**
 * The options of a BatchProcessor, their defaults and their validation
 * (identical for both implementations: it runs before either is chosen).
 */
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
import { checkClock, type Clock } from '../common/clock.js';
import { Attr, instanceAttributes, resolveMetricsOption, type Attributes, type MetricsOption, type MetricsRegistry } from '../metrics/index.js';
import type { AccumulatorLimits } from './accumulator.js';
import { MAX_BATCH_SIZE } from './protocol.js';

/** What `execute` may resolve to: results in key order, or keyed by key. */
export type BatchResults<K, V> = ReadonlyArray<V | Error> | ReadonlyMap<K, V | Error>;

/** Options of `new BatchProcessor(options)`. */
export interface BatchProcessorOptions<K, V> {
  /**
   * Runs one batch. Resolve to an array with one result per key, in key
   * order, or to a Map by key (rows may be missing: their callers get
   * ERR_BATCH_NOT_RETURNED). An `Error` as a result rejects only that key's
   * callers; throwing or rejecting rejects the whole batch. `keys` is a fresh
   * array the function may keep or mutate.
   */
  execute: (keys: K[]) => PromiseLike<BatchResults<K, V>> | BatchResults<K, V>;
  /** Unique keys that make a batch full and send it. Default 1000 (at most 2^24). */
  maxBatchSize?: number;
  /** Bytes (per `sizeOf`) that make a batch full; an item that would overflow starts the next batch. Default Infinity. */
  maxBatchBytes?: number;
  /** An item larger than `maxBatchBytes` is sent in a batch of its own ('alone', default) or rejected with ERR_BATCH_ITEM_TOO_LARGE ('reject'). */
  oversize?: 'alone' | 'reject';
  /**
   * A fixed window from the first item of a batch: the batch is sent at the
   * latest `maxWaitMs` after its first load (never a debounce). Without it
   * (default), a batch is sent at the end of the tick in which it opened.
   */
  maxWaitMs?: number;
  /** Loads (duplicates included) accumulated and not yet executing; beyond it `load` rejects with ERR_BATCH_QUEUE_FULL. Default 100000; Infinity disables. */
  maxQueued?: number;
  /** Bytes of the distinct keys accumulated and not yet executing; beyond it `load` rejects with ERR_BATCH_QUEUE_FULL. Default Infinity. */
  maxQueuedBytes?: number;
  /** Concurrent `execute` calls; further sealed batches wait (and count as queued). Default 64; Infinity disables. */
  maxInFlight?: number;
  /** Identical keys in the open batch share one slot and fan out to every caller. Default true. */
  dedupe?: boolean;
  /**
   * The dedupe identity of a key: a string or a number other than NaN,
   * compared exactly (as Map keys: -0 equals 0). Default: the key itself,
   * which must then be a string or a number; NaN is a RangeError (see
   * docs/batch.md). Also used to match the keys of a Map returned by `execute`.
   */
  keyOf?: (key: K) => string | number;
  /**
   * The size of a key in bytes (a safe integer >= 0), for the byte caps.
   * Default when a byte cap is set: UTF-8 length of a string, 8 for a
   * number, `byteLength` of an ArrayBuffer view.
   */
  sizeOf?: (key: K) => number;
  /** Where this processor reports its `batch.*` metrics: a registry, `true` for the process-wide `metrics` (default), `false` for none. */
  metrics?: MetricsOption;
  /** Instance name, reported as the `batch.name` attribute. */
  name?: string;
  /**
   * Time for the `maxWaitMs` window and the `close()` deadline: `now()` and
   * one-shot timers. Default {@link systemClock} (performance.now() and Node
   * timers); tests pass a {@link ManualClock} to drive time deterministically.
   */
  clock?: Clock;
}

/** Options after validation, with defaults applied. */
export interface ResolvedOptions<K, V> {
  readonly execute: BatchProcessorOptions<K, V>['execute'];
  readonly limits: AccumulatorLimits;
  readonly maxWaitMs: number | undefined;
  readonly keyOf: ((key: K) => string | number) | undefined;
  readonly sizeOf: ((key: K) => number) | undefined;
  readonly registry: MetricsRegistry | null;
  readonly attributes: Attributes;
  readonly clock: Clock;
}

const KNOWN = [
  'execute',
  'maxBatchSize',
  'maxBatchBytes',
  'oversize',
  'maxWaitMs',
  'maxQueued',
  'maxQueuedBytes',
  'maxInFlight',
  'dedupe',
  'keyOf',
  'sizeOf',
  'metrics',
  'name',
  'clock',
] as const;

/** Default `maxBatchSize`. */
export const DEFAULT_MAX_BATCH_SIZE = 1000;
/** Default `maxQueued`. */
export const DEFAULT_MAX_QUEUED = 100_000;
/** Default `maxInFlight`. */
export const DEFAULT_MAX_IN_FLIGHT = 64;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A positive safe integer or Infinity; undefined yields `fallback`. */
function checkLimit(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  return checkInteger(value, name, 1);
}

function defaultSizeOf(key: unknown): number {
  if (typeof key === 'string') return Buffer.byteLength(key, 'utf8');
  if (typeof key === 'number') return 8;
  if (ArrayBuffer.isView(key)) return key.byteLength;
  throw new TypeError(`options.sizeOf is required for keys like ${describe(key)} when a byte cap is set`);
}

/** Validates `options` (TypeError/RangeError naming the option) and applies defaults. */
export function resolveOptions<K, V>(options: unknown): ResolvedOptions<K, V> {
  if (options === undefined) throw new TypeError('options must be an object, got undefined');
  const o = checkOptionsObject(options, 'options');
  checkKnownKeys(o, 'options', KNOWN);
  const execute = checkFunction<BatchProcessorOptions<K, V>['execute']>(o.execute, 'options.execute');
  const maxBatchSize = checkOptionalInteger(o.maxBatchSize, 'options.maxBatchSize', 1, MAX_BATCH_SIZE, DEFAULT_MAX_BATCH_SIZE);
  const maxBatchBytes = checkLimit(o.maxBatchBytes, 'options.maxBatchBytes', Number.POSITIVE_INFINITY);
  const oversize = o.oversize === undefined ? 'alone' : checkOneOf(o.oversize, 'options.oversize', ['alone', 'reject']);
  const maxWaitMs = o.maxWaitMs === undefined ? undefined : checkNumber(o.maxWaitMs, 'options.maxWaitMs', 0, MAX_TIMER_MS);
  const maxQueued = checkLimit(o.maxQueued, 'options.maxQueued', DEFAULT_MAX_QUEUED);
  const maxQueuedBytes = checkLimit(o.maxQueuedBytes, 'options.maxQueuedBytes', Number.POSITIVE_INFINITY);
  const maxInFlight = checkLimit(o.maxInFlight, 'options.maxInFlight', DEFAULT_MAX_IN_FLIGHT);
  const dedupe = checkOptionalBoolean(o.dedupe, 'options.dedupe', true);
  const keyOf = o.keyOf === undefined ? undefined : checkFunction<(key: K) => string | number>(o.keyOf, 'options.keyOf');
  let sizeOf = o.sizeOf === undefined ? undefined : checkFunction<(key: K) => number>(o.sizeOf, 'options.sizeOf');
  const byteCapped = maxBatchBytes !== Number.POSITIVE_INFINITY || maxQueuedBytes !== Number.POSITIVE_INFINITY;
  if (sizeOf === undefined && byteCapped) sizeOf = defaultSizeOf;
  const registry = resolveMetricsOption(o.metrics);
  const attributes = instanceAttributes(o.name, 'options.name', Attr.batchName);
  return {
    execute,
    limits: { maxBatchSize, maxBatchBytes, maxQueued, maxQueuedBytes, maxInFlight, dedupe, rejectOversize: oversize === 'reject' },
    maxWaitMs,
    keyOf,
    sizeOf,
    registry,
    attributes,
    clock: checkClock(o.clock),
  };
}
