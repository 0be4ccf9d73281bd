/**
 * Validation and defaults for the ConnectionPool options: every bad option is
 * a TypeError/RangeError naming it, before anything is created.
 */
import { Attr, instanceAttributes, resolveMetricsOption, type Attributes, type MetricsRegistry } from '../metrics/index.js';
import {
  checkFunction,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptionalBoolean,
  checkOptionalInteger,
  checkOptionsObject,
} from '../common/validate.js';
import { checkClock } from '../common/clock.js';
import type { PoolClock } from './clock.js';
import type { CreateContext, LeakStackMode, PoolOptions } from './types.js';

/** The options with every default applied. */
export interface ResolvedPoolOptions<T> {
  /** Registry the pool reports to, or null. */
  registry: MetricsRegistry | null;
  /** Metric attributes of the pool (its name). */
  attributes: Attributes;
  create: (context: CreateContext) => T | Promise<T>;
  destroy: (resource: T) => void | Promise<void>;
  validate: ((resource: T) => boolean | Promise<boolean>) | undefined;
  min: number;
  max: number;
  acquireTimeoutMs: number;
  createTimeoutMs: number;
  validateTimeoutMs: number;
  destroyTimeoutMs: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  maxLifetimeJitterMs: number;
  validateOnBorrow: boolean;
  validationBypassMs: number;
  healthCheckIntervalMs: number;
  leakDetectionMs: number;
  leakStack: LeakStackMode;
  maxWaiters: number;
  maxConcurrentCreates: number;
  createRetry: { initialDelayMs: number; maxDelayMs: number; factor: number; jitter: number };
  clock: PoolClock;
  random: () => number;
}

const KNOWN_KEYS = [
  'create',
  'destroy',
  'validate',
  'min',
  'max',
  'acquireTimeoutMs',
  'createTimeoutMs',
  'validateTimeoutMs',
  'destroyTimeoutMs',
  'idleTimeoutMs',
  'maxLifetimeMs',
  'maxLifetimeJitterMs',
  'validateOnBorrow',
  'validationBypassMs',
  'healthCheckIntervalMs',
  'leakDetectionMs',
  'leakStack',
  'maxWaiters',
  'maxConcurrentCreates',
  'createRetry',
  'clock',
  'random',
  'metrics',
  'name',
] as const;

const RETRY_KEYS = ['initialDelayMs', 'maxDelayMs', 'factor', 'jitter'] as const;

/** Largest duration accepted (about 285 years): keeps every sum of times exact. */
export const MAX_DURATION_MS = Number.MAX_SAFE_INTEGER / 1024;
/** Largest pool size accepted. */
export const MAX_POOL_SIZE = 2 ** 24;

function duration(value: unknown, name: string, min: number, fallback: number): number {
  return value === undefined ? fallback : checkNumber(value, name, min, MAX_DURATION_MS);
}

/** Validates `options` and applies the defaults. */
export function resolvePoolOptions<T>(options: PoolOptions<T>): ResolvedPoolOptions<T> {
  if (options === undefined) throw new TypeError('options must be an object, got undefined');
  const o = checkOptionsObject(options, 'options');
  checkKnownKeys(o, 'options', KNOWN_KEYS);
  const create = checkFunction<ResolvedPoolOptions<T>['create']>(o.create, 'options.create');
  const destroy = checkFunction<ResolvedPoolOptions<T>['destroy']>(o.destroy, 'options.destroy');
  const validate =
    o.validate === undefined ? undefined : checkFunction<NonNullable<ResolvedPoolOptions<T>['validate']>>(o.validate, 'options.validate');

  const max = checkOptionalInteger(o.max, 'options.max', 1, MAX_POOL_SIZE, 10);
  const min = checkOptionalInteger(o.min, 'options.min', 0, MAX_POOL_SIZE, 0);
  if (min > max) throw new RangeError(`options.min must be at most options.max (${max}), got ${min}`);

  const validateOnBorrow = checkOptionalBoolean(o.validateOnBorrow, 'options.validateOnBorrow', validate !== undefined);
  if (validateOnBorrow && validate === undefined) {
    throw new TypeError('options.validateOnBorrow requires options.validate to be a function');
  }
  const healthCheckIntervalMs = duration(o.healthCheckIntervalMs, 'options.healthCheckIntervalMs', 0, validate === undefined ? 0 : 30_000);
  if (healthCheckIntervalMs > 0 && validate === undefined) {
    throw new TypeError('options.healthCheckIntervalMs requires options.validate to be a function');
  }

  const maxLifetimeMs = duration(o.maxLifetimeMs, 'options.maxLifetimeMs', 0, 1_800_000);
  const maxLifetimeJitterMs =
    o.maxLifetimeJitterMs === undefined
      ? maxLifetimeMs / 10
      : checkNumber(o.maxLifetimeJitterMs, 'options.maxLifetimeJitterMs', 0, maxLifetimeMs);

  const retry = checkOptionsObject(o.createRetry, 'options.createRetry');
  checkKnownKeys(retry, 'options.createRetry', RETRY_KEYS);
  const initialDelayMs = duration(retry.initialDelayMs, 'options.createRetry.initialDelayMs', 1, 100);
  const maxDelayMs = duration(retry.maxDelayMs, 'options.createRetry.maxDelayMs', initialDelayMs, Math.max(10_000, initialDelayMs));
  const factor = retry.factor === undefined ? 2 : checkNumber(retry.factor, 'options.createRetry.factor', 1, 1000);
  const jitter = retry.jitter === undefined ? 0.2 : checkNumber(retry.jitter, 'options.createRetry.jitter', 0, 1);

  const random = o.random === undefined ? Math.random : checkFunction<() => number>(o.random, 'options.random');

  return {
    create,
    destroy,
    validate,
    min,
    max,
    acquireTimeoutMs: duration(o.acquireTimeoutMs, 'options.acquireTimeoutMs', 1, 30_000),
    createTimeoutMs: duration(o.createTimeoutMs, 'options.createTimeoutMs', 1, 10_000),
    validateTimeoutMs: duration(o.validateTimeoutMs, 'options.validateTimeoutMs', 1, 5_000),
    destroyTimeoutMs: duration(o.destroyTimeoutMs, 'options.destroyTimeoutMs', 1, 5_000),
    idleTimeoutMs: duration(o.idleTimeoutMs, 'options.idleTimeoutMs', 0, 30_000),
    maxLifetimeMs,
    maxLifetimeJitterMs,
    validateOnBorrow,
    validationBypassMs: duration(o.validationBypassMs, 'options.validationBypassMs', 0, 500),
    healthCheckIntervalMs,
    leakDetectionMs: duration(o.leakDetectionMs, 'options.leakDetectionMs', 0, 0),
    leakStack: o.leakStack === undefined ? 'every' : checkOneOf(o.leakStack, 'options.leakStack', ['every', 'adaptive', 'none']),
    maxWaiters: checkOptionalInteger(o.maxWaiters, 'options.maxWaiters', 0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    maxConcurrentCreates: checkOptionalInteger(o.maxConcurrentCreates, 'options.maxConcurrentCreates', 1, MAX_POOL_SIZE, 2),
    createRetry: { initialDelayMs, maxDelayMs, factor, jitter },
    clock: checkClock(o.clock),
    random,
    registry: resolveMetricsOption(o.metrics),
    attributes: instanceAttributes(o.name, 'options.name', Attr.poolName),
  };
}
