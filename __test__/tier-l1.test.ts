/**
 * TierCache with the L1 tier only (no Redis): TTL, grace, jitter, long TTLs,
 * stampede protection, soft and hard timeouts, stale serving, refresh-ahead,
 * tags, clear, both L1 stores, bad input and close. Time is a ManualClock.
 */
import test from 'ava';
import { ErrorCode, ManualClock, MetricsRegistry, TierCache, createCache, type TierCacheError, type TierCacheOptions, type StaleEvent } from '../ts/index.js';
import { metricValue } from './helpers/metrics.js';
import { guardUnhandledRejections } from './helpers/tier.js';
import { deferred } from './helpers/deferred.js';

function local<V = unknown>(extra: TierCacheOptions = {}): { cache: TierCache<V>; clock: ManualClock } {
  const clock = new ManualClock(1_000_000);
  const cache = new TierCache<V>({ metrics: false, clock, ...extra });
  return { cache, clock };
}

test('concurrent getOrSet of one key calls the loader once and every caller gets its value', async (t) => {
  guardUnhandledRejections(t);
  const { cache } = local<string>();
  let calls = 0;
  const gate = deferred<string>();
  const callers = Array.from({ length: 20 }, () =>
    cache.getOrSet('k', () => {
      calls++;
      return gate.promise;
    }),
  );
  gate.resolve('v');
  t.deepEqual(await Promise.all(callers), Array(20).fill('v'));
  t.is(calls, 1);
  t.is(await cache.getOrSet('k', () => 'other'), 'v', 'cached');
  t.is(cache.stats().loads.ok, 1);
  await cache.close();
});

test('TTL: fresh before ttlMs, a miss after (lazy expiry on the injected clock)', async (t) => {
  const { cache, clock } = local<number>({ ttlMs: 1000 });
  await cache.set('k', 1);
  await clock.advance(999);
  t.is(await cache.get('k'), 1);
  await clock.advance(1);
  t.is(await cache.get('k'), undefined);
  await cache.set('k2', 2, { ttlMs: 0 });
  await clock.advance(10 ** 12);
  t.is(await cache.get('k2'), 2, 'ttlMs 0 never expires');
  await cache.close();
});

test('a TTL over 2^31 ms neither fires at once nor ever uses a timer', async (t) => {
  const { cache, clock } = local<string>();
  const long = 2 ** 31 + 10_000;
  await cache.set('k', 'v', { ttlMs: long, staleMs: 2 ** 32 });
  t.is(await cache.get('k'), 'v');
  t.is(clock.pendingTimers, 0, 'no per-entry timer');
  await clock.advance(2 ** 31);
  t.is(await cache.get('k'), 'v', 'still fresh past 2^31 ms');
  await clock.advance(10_001);
  t.is(await cache.get('k'), undefined, 'expired at its TTL');
  t.is(await cache.getOrSet('k', () => Promise.reject(new Error('down'))), 'v', 'and servable in its (long) grace');
  await cache.close();
});

test('grace: past the TTL a value is served only when the loader fails, until staleMs, with a stale event', async (t) => {
  guardUnhandledRejections(t);
  const { cache, clock } = local<string>({ ttlMs: 1000, staleMs: 5000 });
  const stale: StaleEvent[] = [];
  cache.on('stale', (e) => stale.push(e));
  await cache.set('k', 'old');
  await clock.advance(1500);
  t.is(await cache.get('k'), undefined, 'get has no loader: expired is a miss');
  t.is(await cache.getOrSet('k', () => Promise.reject(new Error('db down'))), 'old');
  t.deepEqual(stale, [{ key: 'k', reason: 'loader_error' }]);
  t.is(await cache.getOrSet('k', () => 'new'), 'new', 'a working loader wins over grace');
  await clock.advance(7000);
  await t.throwsAsync(cache.getOrSet('k', () => Promise.reject(new Error('db down'))), { message: 'db down' }, 'past grace: the error');
  t.is(cache.stats().staleServed.loader_error, 1);
  await cache.close();
});

test('jitter shortens each TTL by up to the fraction, drawn from the injected random source', async (t) => {
  const draws = [0, 0.5, 0.999];
  let i = 0;
  const { cache, clock } = local<number>({ ttlMs: 1000, jitter: 0.2, random: () => draws[i++ % draws.length] });
  await cache.set('a', 1); // 1000
  await cache.set('b', 2); // 1000 - 100 = 900
  await cache.set('c', 3); // 1000 - 199 = 801
  await clock.advance(800);
  t.deepEqual(await cache.getMany(['a', 'b', 'c']), [1, 2, 3]);
  await clock.advance(1);
  t.deepEqual(await cache.getMany(['a', 'b', 'c']), [1, 2, undefined]);
  await clock.advance(99);
  t.deepEqual(await cache.getMany(['a', 'b', 'c']), [1, undefined, undefined]);
  await clock.advance(100);
  t.deepEqual(await cache.getMany(['a', 'b', 'c']), [undefined, undefined, undefined]);
  await cache.close();
});

test('soft timeout: the stale value comes back at softTimeoutMs and the loader still commits in the background', async (t) => {
  guardUnhandledRejections(t);
  const { cache, clock } = local<string>({ ttlMs: 1000, staleMs: 60_000 });
  await cache.set('k', 'old');
  await clock.advance(2000);
  const slow = deferred<string>();
  const call = cache.getOrSet('k', () => slow.promise, { softTimeoutMs: 100 });
  await clock.advance(100);
  t.is(await call, 'old');
  t.is(cache.stats().staleServed.soft_timeout, 1);
  slow.resolve('new');
  await clock.advance(0);
  await new Promise((r) => setImmediate(r));
  t.is(await cache.get('k'), 'new', 'the background load was committed');
  await cache.close();
});

test('hard timeout: the loader is aborted and the call rejects with ERR_TIER_LOADER_TIMEOUT when nothing is stale', async (t) => {
  guardUnhandledRejections(t);
  const { cache, clock } = local<string>({ hardTimeoutMs: 500 });
  let signal: AbortSignal | undefined;
  const never = deferred<string>();
  const call = cache.getOrSet('k', (_key, ctx) => {
    signal = ctx.signal;
    return never.promise;
  });
  const rejected = t.throwsAsync(call);
  await clock.advance(500);
  const error = (await rejected) as TierCacheError;
  t.is(error.code, ErrorCode.TIER_LOADER_TIMEOUT);
  t.true(signal?.aborted);
  never.resolve('late'); // a late result is absorbed, never cached
  await new Promise((r) => setImmediate(r));
  t.is(await cache.get('k'), undefined);
  t.is(cache.stats().loads.timeout, 1);
  await cache.close();
});

test('hard timeout with a stale value serves it', async (t) => {
  guardUnhandledRejections(t);
  const { cache, clock } = local<string>({ ttlMs: 100, staleMs: 10_000, hardTimeoutMs: 300 });
  await cache.set('k', 'old');
  await clock.advance(200);
  const call = cache.getOrSet('k', () => new Promise<string>(() => {}));
  await clock.advance(300);
  t.is(await call, 'old');
  t.is(cache.stats().staleServed.hard_timeout, 1);
  await cache.close();
});

test('a loader returning undefined caches nothing; a loader throwing with nothing stale rejects every waiter', async (t) => {
  guardUnhandledRejections(t);
  const { cache } = local<string>();
  t.is(await cache.getOrSet('k', () => undefined), undefined);
  t.is(await cache.get('k'), undefined);
  const calls = [cache.getOrSet('e', () => Promise.reject(new Error('boom'))), cache.getOrSet('e', () => 'never used')];
  const results = await Promise.allSettled(calls);
  t.deepEqual(
    results.map((r) => r.status === 'rejected' && (r.reason as Error).message),
    ['boom', 'boom'],
  );
  await cache.close();
});

test('refresh-ahead: a hit in the last part of the TTL refreshes once in the background, so the key never expires', async (t) => {
  guardUnhandledRejections(t);
  const { cache, clock } = local<number>({ ttlMs: 1000, refreshAhead: 0.8 });
  let version = 0;
  const loader = (): number => ++version;
  t.is(await cache.getOrSet('hot', loader), 1);
  await clock.advance(700);
  t.is(await cache.getOrSet('hot', loader), 1);
  t.is(version, 1, 'before 80% of the TTL: no refresh');
  await clock.advance(150);
  const hits = await Promise.all([cache.getOrSet('hot', loader), cache.getOrSet('hot', loader), cache.getOrSet('hot', loader)]);
  t.deepEqual(hits, [1, 1, 1], 'callers are served the current value at once');
  await new Promise((r) => setImmediate(r));
  t.is(version, 2, 'refreshed once, coalesced');
  await clock.advance(500); // past the first TTL
  t.is(await cache.getOrSet('hot', loader), 2, 'the refreshed value, never a miss');
  t.is(cache.stats().refreshes, 1);
  await cache.close();
});

test('tags: deleteByTag drops every tagged entry and only those; clear() drops everything', async (t) => {
  const { cache } = local<number>();
  await cache.set('a', 1, { tags: ['red'] });
  await cache.set('b', 2, { tags: ['red', 'blue'] });
  await cache.set('c', 3, { tags: ['blue'] });
  await cache.set('d', 4);
  await cache.deleteByTag('red');
  t.deepEqual(await cache.getMany(['a', 'b', 'c', 'd']), [undefined, undefined, 3, 4]);
  await cache.set('a', 10, { tags: ['red'] });
  t.is(await cache.get('a'), 10, 'a write after the invalidation is valid');
  await cache.clear();
  t.deepEqual(await cache.getMany(['a', 'c', 'd']), [undefined, undefined, undefined]);
  await cache.close();
});

test('grace never returns a value after delete, deleteByTag or clear (invalidation is not expiry)', async (t) => {
  guardUnhandledRejections(t);
  const { cache, clock } = local<string>({ ttlMs: 100, staleMs: 60_000 });
  const failing = (): Promise<string> => Promise.reject(new Error('down'));
  await cache.set('a', 'A');
  await cache.set('b', 'B', { tags: ['x'] });
  await cache.set('c', 'C');
  await cache.delete('a');
  await cache.deleteByTag('x');
  await clock.advance(200);
  await t.throwsAsync(cache.getOrSet('a', failing), { message: 'down' });
  await t.throwsAsync(cache.getOrSet('b', failing), { message: 'down' });
  t.is(await cache.getOrSet('c', failing), 'C', 'a merely expired value is still graceable');
  await cache.clear();
  await t.throwsAsync(cache.getOrSet('c', failing), { message: 'down' });
  await cache.close();
});

test('the value store returns the cached object itself; the offheap store returns a fresh copy on every hit', async (t) => {
  const value = { n: 1, list: [1, 2] };
  const byRef = local<typeof value>({ l1: { maxEntries: 10 } }).cache;
  await byRef.set('k', value);
  t.is(await byRef.get('k'), value);
  const offheap = local<typeof value>({ l1: { store: 'offheap', maxEntries: 10 } }).cache;
  await offheap.set('k', value);
  const a = (await offheap.get('k'))!;
  t.deepEqual(a, value);
  t.not(a, value);
  a.list.push(3);
  t.deepEqual(await offheap.get('k'), { n: 1, list: [1, 2] }, 'mutating a returned copy changes nothing');
  await offheap.set('buf', Buffer.from('bytes') as never);
  t.deepEqual(await offheap.get('buf'), Buffer.from('bytes') as never, 'Buffers pass through');
  await offheap.set('s', 'text' as never);
  t.is(await offheap.get('s'), 'text' as never);
  await byRef.close();
  await offheap.close();
});

test('L1 budgets: maxEntries bounds the value store', async (t) => {
  const { cache } = local<number>({ l1: { maxEntries: 3 } });
  for (let i = 0; i < 10; i++) await cache.set(`k${i}`, i);
  const present = (await cache.getMany(Array.from({ length: 10 }, (_, i) => `k${i}`))).filter((v) => v !== undefined);
  t.is(present.length, 3);
  await cache.close();
});

test('bad input: TypeError or RangeError naming the argument', async (t) => {
  t.throws(() => createCache({ ttlMs: -1 }), { instanceOf: RangeError, message: /options\.ttlMs/ });
  t.throws(() => createCache({ ttlMs: 1.5 }), { instanceOf: RangeError, message: /options\.ttlMs/ });
  t.throws(() => createCache({ namespace: 'a b' }), { instanceOf: RangeError, message: /options\.namespace/ });
  t.throws(() => createCache({ jitter: 2 }), { instanceOf: RangeError, message: /options\.jitter/ });
  t.throws(() => createCache({ l1: false }), { instanceOf: TypeError, message: /cannot both be false/ });
  t.throws(() => createCache({ l1: { store: 'disk' as never } }), { instanceOf: RangeError, message: /options\.l1\.store/ });
  t.throws(() => createCache({ bogus: 1 } as never), { instanceOf: TypeError, message: /options\.bogus/ });
  t.throws(() => createCache({ l2: { redis: 'http://x' } }), { instanceOf: RangeError, message: /options\.l2\.redis/ });
  t.throws(() => createCache({ l2: { redis: 'redis://x', commandTimeoutMs: 0 } }), { instanceOf: RangeError, message: /commandTimeoutMs/ });
  t.throws(() => createCache({ signing: { secret: 'short' } }), { instanceOf: RangeError, message: /options\.signing\.secret/ });
  t.throws(() => createCache({ coherence: { mode: 'tracking' } }), { instanceOf: TypeError, message: /both tiers/ });
  t.throws(() => createCache({ l2: { redis: 'redis://x' }, coherence: { heartbeatMs: 500, maxStalenessMs: 600 } }), {
    instanceOf: RangeError,
    message: /maxStalenessMs/,
  });
  const { cache } = local<unknown>();
  await t.throwsAsync(cache.get(42 as never), { instanceOf: TypeError, message: /key must be a string/ });
  await t.throwsAsync(cache.get(''), { instanceOf: RangeError, message: /key must not be empty/ });
  await t.throwsAsync(cache.set('k', undefined), { instanceOf: TypeError, message: /must not be undefined/ });
  await t.throwsAsync(cache.set('k', 1, { ttlMs: -5 }), { instanceOf: RangeError, message: /options\.ttlMs/ });
  await t.throwsAsync(cache.set('k', 1, { tags: ['ok', ''] }), { instanceOf: RangeError, message: /options\.tags\[1\]/ });
  await t.throwsAsync(cache.set('\ud800', 1), { instanceOf: TypeError, message: /well-formed/ });
  await t.throwsAsync(cache.getOrSet('k', 'nope' as never), { instanceOf: TypeError, message: /loader must be a function/ });
  await t.throwsAsync(cache.getMany(['a', 7 as never]), { instanceOf: TypeError, message: /keys\[1\]/ });
  await t.throwsAsync(cache.deleteByTag(''), { instanceOf: RangeError, message: /tag must not be empty/ });
  await t.throwsAsync(cache.setMany([['a', 1], ['b']] as never), { instanceOf: TypeError, message: /entries\[1\]/ });
  await cache.close();
});

test('a value that cannot be serialized gets ERR_TIER_SERIALIZE and nothing is stored', async (t) => {
  const { cache } = local<unknown>({ l1: { store: 'offheap', maxEntries: 10 } });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const e1 = (await t.throwsAsync(cache.set('k', cyclic))) as TierCacheError;
  t.is(e1.code, ErrorCode.TIER_SERIALIZE);
  const e2 = (await t.throwsAsync(cache.set('k', 10n))) as TierCacheError;
  t.is(e2.code, ErrorCode.TIER_SERIALIZE);
  const e3 = (await t.throwsAsync(cache.getOrSet('k', () => () => 1))) as TierCacheError;
  t.is(e3.code, ErrorCode.TIER_SERIALIZE);
  t.is(await cache.get('k'), undefined);
  await cache.close();
});

test('a custom serializer round-trips through the offheap store', async (t) => {
  const serializer = {
    encode: (v: unknown) => Buffer.from(`X${JSON.stringify(v)}`),
    decode: (b: Buffer) => JSON.parse(b.toString().slice(1)) as unknown,
  };
  const { cache } = local<unknown>({ l1: { store: 'offheap', maxEntries: 10 }, serializer });
  await cache.set('k', { a: [1, 'two'] });
  t.deepEqual(await cache.get('k'), { a: [1, 'two'] });
  await cache.close();
});

test('close: calls reject with ERR_CLOSED and a loader in flight is aborted', async (t) => {
  guardUnhandledRejections(t);
  const { cache } = local<string>();
  let signal: AbortSignal | undefined;
  const inflight = cache.getOrSet('k', (_k, ctx) => {
    signal = ctx.signal;
    return new Promise<string>(() => {});
  });
  await new Promise((r) => setImmediate(r)); // the loader has started
  t.truthy(signal);
  const closed = cache.close();
  const error = (await t.throwsAsync(inflight)) as TierCacheError;
  t.is(error.code, ErrorCode.CLOSED);
  await closed;
  t.true(signal?.aborted);
  t.is(((await t.throwsAsync(cache.get('k'))) as TierCacheError).code, ErrorCode.CLOSED);
  t.is(((await t.throwsAsync(cache.set('k', 'v'))) as TierCacheError).code, ErrorCode.CLOSED);
});

test('metrics: TierCache reports cache.requests by tier and result and its tier.* counters, named', async (t) => {
  const registry = new MetricsRegistry();
  const clock = new ManualClock(0);
  const cache = new TierCache<string>({ metrics: registry, name: 'users', clock, ttlMs: 10, staleMs: 100 });
  await cache.set('k', 'v');
  await cache.get('k');
  await cache.get('missing');
  await clock.advance(20);
  await cache.getOrSet('k', () => Promise.reject(new Error('down')));
  const snap = registry.snapshot();
  const named = { 'cache.name': 'users' };
  t.is(metricValue(snap, 'cache.requests', { ...named, 'cache.tier': 'l1', 'cache.result': 'hit' }), 1);
  t.is(metricValue(snap, 'cache.requests', { ...named, 'cache.tier': 'l1', 'cache.result': 'stale' }), 1);
  t.is(metricValue(snap, 'tiercache.tier.stale_served', { ...named, 'tier.reason': 'loader_error' }), 1);
  t.is(metricValue(snap, 'tiercache.tier.loads', { ...named, 'tier.outcome': 'error' }), 1);
  t.is(metricValue(snap, 'cache.entries', named), 1, 'its L1 (LocalCache) reports under the same name');
  await cache.close();
  t.is(metricValue(registry.snapshot(), 'tiercache.tier.loads', { ...named, 'tier.outcome': 'error' }), undefined, 'unregistered at close');
});
