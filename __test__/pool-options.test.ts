import test from 'ava';
import { ConnectionPool, ManualClock } from '../ts/index.js';
import { FakeFactory } from './helpers/fake-factory.js';

function factory(): FakeFactory {
  return new FakeFactory(new ManualClock());
}

test('missing or non-function create/destroy/validate are TypeErrors naming the option', (t) => {
  const f = factory();
  t.throws(() => new ConnectionPool(undefined as never), { instanceOf: TypeError, message: /options must be an object/ });
  t.throws(() => new ConnectionPool({ destroy: f.destroy } as never), { instanceOf: TypeError, message: /options\.create must be a function/ });
  t.throws(() => new ConnectionPool({ create: f.create } as never), { instanceOf: TypeError, message: /options\.destroy must be a function/ });
  t.throws(() => new ConnectionPool(f.options({ validate: 5 as never })), { instanceOf: TypeError, message: /options\.validate must be a function/ });
  t.throws(() => new ConnectionPool(f.options({ validateOnBorrow: true })), { instanceOf: TypeError, message: /options\.validateOnBorrow requires options\.validate/ });
  t.throws(() => new ConnectionPool(f.options({ healthCheckIntervalMs: 10 })), { instanceOf: TypeError, message: /options\.healthCheckIntervalMs requires/ });
  t.throws(() => new ConnectionPool(f.options({ clock: {} as never })), { instanceOf: TypeError, message: /options\.clock\.now must be a function/ });
});

test('min > max, non-integer and out-of-range sizes are RangeErrors naming the option', (t) => {
  const f = factory();
  t.throws(() => new ConnectionPool(f.options({ min: 5, max: 2 })), { instanceOf: RangeError, message: /options\.min must be at most options\.max \(2\), got 5/ });
  t.throws(() => new ConnectionPool(f.options({ max: 0 })), { instanceOf: RangeError, message: /options\.max must be between 1/ });
  t.throws(() => new ConnectionPool(f.options({ max: 2.5 })), { instanceOf: RangeError, message: /options\.max must be an integer/ });
  t.throws(() => new ConnectionPool(f.options({ min: -1 })), { instanceOf: RangeError, message: /options\.min/ });
  t.throws(() => new ConnectionPool(f.options({ maxWaiters: -1 })), { instanceOf: RangeError, message: /options\.maxWaiters/ });
  t.throws(() => new ConnectionPool(f.options({ maxConcurrentCreates: 0 })), { instanceOf: RangeError, message: /options\.maxConcurrentCreates/ });
  t.throws(() => new ConnectionPool(f.options({ max: '3' as never })), { instanceOf: TypeError, message: /options\.max must be a number/ });
});

test('negative, NaN and zero-where-a-deadline-is-required times are RangeErrors naming the option', (t) => {
  const f = factory();
  for (const key of [
    'acquireTimeoutMs',
    'createTimeoutMs',
    'validateTimeoutMs',
    'destroyTimeoutMs',
    'idleTimeoutMs',
    'maxLifetimeMs',
    'validationBypassMs',
    'leakDetectionMs',
  ] as const) {
    t.throws(() => new ConnectionPool(f.options({ [key]: -1 })), { instanceOf: RangeError, message: new RegExp(`options\\.${key} must be between`) }, key);
    t.throws(() => new ConnectionPool(f.options({ [key]: Number.NaN })), { instanceOf: RangeError, message: new RegExp(`options\\.${key}`) }, key);
    t.throws(() => new ConnectionPool(f.options({ [key]: Number.POSITIVE_INFINITY })), { instanceOf: RangeError, message: new RegExp(`options\\.${key}`) }, key);
  }
  for (const key of ['acquireTimeoutMs', 'createTimeoutMs', 'validateTimeoutMs', 'destroyTimeoutMs'] as const) {
    t.throws(() => new ConnectionPool(f.options({ [key]: 0 })), { instanceOf: RangeError, message: new RegExp(`options\\.${key} must be between 1`) }, key);
  }
  t.throws(() => new ConnectionPool(f.options({ maxLifetimeMs: 1000, maxLifetimeJitterMs: 1001 })), {
    instanceOf: RangeError,
    message: /options\.maxLifetimeJitterMs must be between 0 and 1000/,
  });
  t.throws(() => new ConnectionPool(f.options({ createRetry: { initialDelayMs: 0 } })), { instanceOf: RangeError, message: /options\.createRetry\.initialDelayMs/ });
  t.throws(() => new ConnectionPool(f.options({ createRetry: { initialDelayMs: 100, maxDelayMs: 50 } })), {
    instanceOf: RangeError,
    message: /options\.createRetry\.maxDelayMs must be between 100/,
  });
  t.throws(() => new ConnectionPool(f.options({ createRetry: { jitter: 2 } })), { instanceOf: RangeError, message: /options\.createRetry\.jitter/ });
});

test('unknown option keys and bad enum values are rejected by name', (t) => {
  const f = factory();
  t.throws(() => new ConnectionPool(f.options({ maxSize: 3 } as never)), { instanceOf: TypeError, message: /options\.maxSize is not a known option/ });
  t.throws(() => new ConnectionPool(f.options({ createRetry: { delay: 1 } as never })), { instanceOf: TypeError, message: /options\.createRetry\.delay is not a known option/ });
  t.throws(() => new ConnectionPool(f.options({ leakStack: 'some' as never })), { instanceOf: RangeError, message: /options\.leakStack must be one of 'every', 'adaptive', 'none'/ });
});

test('a rejected configuration creates nothing', async (t) => {
  const f = factory();
  t.throws(() => new ConnectionPool(f.options({ min: 3, max: 2 })));
  await f.clock.advance(1000);
  t.is(f.createAttempts.length, 0);
});

test('acquire, drain and use check their arguments', async (t) => {
  const f = factory();
  const pool = new ConnectionPool(f.options({ max: 1 }));
  await t.throwsAsync(() => pool.acquire({ signal: 'x' as never }), { instanceOf: TypeError, message: /options\.signal must be an AbortSignal/ });
  await t.throwsAsync(() => pool.acquire({ timeout: 5 } as never), { instanceOf: TypeError, message: /options\.timeout is not a known option/ });
  await t.throwsAsync(() => pool.use(5 as never), { instanceOf: TypeError, message: /fn must be a function/ });
  t.throws(() => pool.drain({ timeoutMs: -1 }), { instanceOf: RangeError, message: /options\.timeoutMs/ });
  t.is(pool.stats().state, 'open');
  const drained = pool.drain();
  await f.clock.advance(10);
  await drained;
  t.is(pool.stats().created, pool.stats().destroyed);
});
