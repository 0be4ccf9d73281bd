/**
 * LocalCache.getOrSet: one loader call per key however many callers wait,
 * errors reach every waiter and cache nothing. Runs under both
 * implementations.
 */
import test from 'ava';
import { manualCache } from './helpers/local.js';
import { deferred } from './helpers/deferred.js';

test('concurrent getOrSet calls for one key share one loader call, and the value is cached', async (t) => {
  const c = manualCache<{ id: string }>({ maxEntries: 10 });
  const gate = deferred<{ id: string }>();
  let calls = 0;
  const loader = (key: string) => {
    calls++;
    t.is(key, 'user:1');
    return gate.promise;
  };
  const waiters = [c.getOrSet('user:1', loader), c.getOrSet('user:1', loader), c.getOrSet('user:1', loader)];
  const value = { id: 'user:1' };
  gate.resolve(value);
  const results = await Promise.all(waiters);
  t.is(calls, 1);
  for (const r of results) t.is(r, value);
  t.is(c.get('user:1'), value);
  t.is(await c.getOrSet('user:1', loader), value, 'a hit does not call the loader');
  t.is(calls, 1);
});

test('different keys load independently; a synchronous loader works too', async (t) => {
  const c = manualCache<number>({ maxEntries: 10 });
  const [a, b] = await Promise.all([c.getOrSet('a', () => 1), c.getOrSet('b', async () => 2)]);
  t.deepEqual([a, b, c.get('a'), c.get('b')], [1, 2, 1, 2]);
});

test('a rejected load reaches every waiter, caches nothing, and the next call loads again', async (t) => {
  const c = manualCache<string>({ maxEntries: 10 });
  const gate = deferred<string>();
  let calls = 0;
  const loader = () => {
    calls++;
    return gate.promise;
  };
  const waiters = [c.getOrSet('k', loader), c.getOrSet('k', loader)];
  gate.reject(new Error('backend down'));
  for (const w of waiters) await t.throwsAsync(w, { message: 'backend down' });
  t.false(c.has('k'));
  t.is(await c.getOrSet('k', () => 'recovered'), 'recovered');
  t.is(calls, 1);
  t.is(c.get('k'), 'recovered');
});

test('a loader that throws synchronously rejects, and does not wedge the key', async (t) => {
  const c = manualCache<string>({ maxEntries: 10 });
  await t.throwsAsync(
    c.getOrSet('k', () => {
      throw new TypeError('bad');
    }),
    { instanceOf: TypeError, message: 'bad' },
  );
  t.is(await c.getOrSet('k', () => 'ok'), 'ok');
});

test('a load resolving to undefined caches nothing', async (t) => {
  const c = manualCache<string | undefined>({ maxEntries: 10 });
  t.is(await c.getOrSet('k', () => undefined), undefined);
  t.false(c.has('k'));
});

test('the ttlMs of getOrSet applies to the loaded value', async (t) => {
  const c = manualCache<string>({ maxEntries: 10 });
  await c.getOrSet('k', () => 'v', { ttlMs: 100 });
  t.is(c.ttl('k'), 100);
});

test('a set or delete while a load is in flight wins over the load', async (t) => {
  const c = manualCache<string>({ maxEntries: 10 });
  const gate = deferred<string>();
  const loading = c.getOrSet('k', () => gate.promise);
  c.set('k', 'newer');
  gate.resolve('older');
  t.is(await loading, 'older', 'the waiter gets what its load returned');
  t.is(c.get('k'), 'newer', 'the cache keeps the newer write');
  const gate2 = deferred<string>();
  const loading2 = c.getOrSet('j', () => gate2.promise);
  c.delete('j');
  gate2.resolve('stale');
  await loading2;
  t.false(c.has('j'));
});

test('bad arguments throw at once', (t) => {
  const c = manualCache<string>({ maxEntries: 10 });
  t.throws(() => c.getOrSet('k', 'nope' as unknown as () => string), { instanceOf: TypeError, message: /^loader must be a function/ });
  t.throws(() => c.getOrSet('', () => 'v'), { instanceOf: RangeError, message: /^key must not be empty/ });
  t.throws(() => c.getOrSet('k', () => 'v', { ttlMs: -1 }), { instanceOf: RangeError, message: /^options\.ttlMs must be between/ });
  t.deepEqual(c.stats().misses, 0);
});
