import { getEventListeners } from 'node:events';
import test from 'ava';
import { ConnectionPool, ErrorCode, ManualClock, TierCacheError } from '../ts/index.js';
import { assertConsistent, drainAndCheck, FakeFactory, type FakeResource } from './helpers/fake-factory.js';

function setup(extra: ConstructorParameters<typeof ConnectionPool<FakeResource>>[0] extends infer O ? Partial<O> : never = {}) {
  const clock = new ManualClock();
  const factory = new FakeFactory(clock);
  const pool = new ConnectionPool<FakeResource>(factory.options(extra));
  return { clock, factory, pool };
}

test('acquire creates on demand, release makes the resource idle, and the next acquire reuses it', async (t) => {
  const { factory, pool } = setup({ max: 2 });
  const a = await pool.acquire();
  t.is(factory.created.length, 1);
  t.like(pool.stats(), { size: 1, borrowed: 1, idle: 0, acquired: 1 });
  pool.release(a);
  t.like(pool.stats(), { size: 1, borrowed: 0, idle: 1, released: 1 });
  const b = await pool.acquire();
  t.is(b, a);
  t.is(factory.created.length, 1);
  pool.release(b);
  assertConsistent(t, pool, 2, factory);
  await drainAndCheck(t, pool, factory);
});

test('the pool fills to min by itself', async (t) => {
  const { clock, factory, pool } = setup({ min: 3, max: 5 });
  await clock.advance(0);
  t.like(pool.stats(), { size: 3, idle: 3, created: 3 });
  assertConsistent(t, pool, 5, factory);
  await drainAndCheck(t, pool, factory);
});

test('waiters are served in FIFO order', async (t) => {
  const { clock, factory, pool } = setup({ max: 1 });
  const first = await pool.acquire();
  const order: number[] = [];
  const waiting = [1, 2, 3, 4].map((n) =>
    pool.acquire().then((r) => {
      order.push(n);
      return r;
    }),
  );
  await clock.advance(0);
  t.is(pool.stats().waiting, 4);
  let held = first;
  for (let i = 0; i < 4; i++) {
    pool.release(held);
    held = await waiting[i];
  }
  pool.release(held);
  t.deepEqual(order, [1, 2, 3, 4]);
  t.is(factory.created.length, 1);
  await drainAndCheck(t, pool, factory);
});

test('an aborted acquire leaves the queue, rejects with ERR_ABORTED and never receives a resource', async (t) => {
  const { clock, factory, pool } = setup({ max: 1 });
  const held = await pool.acquire();
  const controller = new AbortController();
  const aborted = pool.acquire({ signal: controller.signal });
  const next = pool.acquire();
  await clock.advance(0);
  t.is(pool.stats().waiting, 2);
  controller.abort(new Error('user gave up'));
  const error = await t.throwsAsync(aborted, { instanceOf: TierCacheError });
  t.is((error as TierCacheError).code, ErrorCode.ABORTED);
  t.is(((error as TierCacheError).cause as Error).message, 'user gave up');
  t.like(pool.stats(), { waiting: 1, aborted: 1 });
  pool.release(held);
  t.is(await next, held, 'the resource skips the aborted waiter');
  pool.release(held);
  t.like(pool.stats(), { idle: 1, borrowed: 0 });
  await drainAndCheck(t, pool, factory);
});

test('an already aborted signal rejects at once without queueing', async (t) => {
  const { factory, pool } = setup({ max: 1 });
  const error = await t.throwsAsync(pool.acquire({ signal: AbortSignal.abort() }));
  t.is((error as TierCacheError).code, ErrorCode.ABORTED);
  t.like(pool.stats(), { waiting: 0, size: 0 });
  await drainAndCheck(t, pool, factory);
});

test('maxWaiters overflow rejects at once with ERR_POOL_FULL', async (t) => {
  const { clock, factory, pool } = setup({ max: 1, maxWaiters: 2 });
  const held = await pool.acquire();
  const w1 = pool.acquire();
  const w2 = pool.acquire();
  const error = await t.throwsAsync(pool.acquire());
  t.is((error as TierCacheError).code, ErrorCode.POOL_FULL);
  t.like(pool.stats(), { waiting: 2, rejected: 1 });
  pool.release(held);
  pool.release(await w1);
  pool.release(await w2);
  await clock.advance(0);
  await drainAndCheck(t, pool, factory);
});

test('maxWaiters 0 fails fast when nothing is idle', async (t) => {
  const { factory, pool } = setup({ max: 1, maxWaiters: 0, min: 1 });
  await factory.clock.advance(0);
  const held = await pool.acquire();
  t.is(((await t.throwsAsync(pool.acquire())) as TierCacheError).code, ErrorCode.POOL_FULL);
  pool.release(held);
  await drainAndCheck(t, pool, factory);
});

test('releasing twice or releasing a foreign value is a typed error and leaves the pool unchanged', async (t) => {
  const { factory, pool } = setup({ max: 2 });
  const r = await pool.acquire();
  pool.release(r);
  const before = pool.stats();
  const twice = t.throws(() => pool.release(r), { instanceOf: TierCacheError });
  t.is((twice as TierCacheError).code, ErrorCode.POOL_DOUBLE_RELEASE);
  const destroyIdle = t.throws(() => pool.destroy(r), { instanceOf: TierCacheError });
  t.is((destroyIdle as TierCacheError).code, ErrorCode.POOL_DOUBLE_RELEASE);
  const foreign = t.throws(() => pool.release({ id: -1 } as unknown as FakeResource), { instanceOf: TierCacheError });
  t.is((foreign as TierCacheError).code, ErrorCode.POOL_NOT_OWNED);
  t.deepEqual(pool.stats(), before);
  t.is(factory.destroyed.length, 0);
  await drainAndCheck(t, pool, factory);
});

test('releasing a resource after the pool retired it is a double release, not a foreign value', async (t) => {
  const { factory, pool } = setup({ max: 1 });
  const r = await pool.acquire();
  pool.destroy(r);
  t.is(((t.throws(() => pool.release(r)) as TierCacheError).code), ErrorCode.POOL_DOUBLE_RELEASE);
  await drainAndCheck(t, pool, factory);
});

test('destroy(resource) retires a borrowed resource and a waiter gets a new one', async (t) => {
  const { clock, factory, pool } = setup({ max: 1 });
  const destroyed: string[] = [];
  pool.on('destroy', (_r, reason) => destroyed.push(reason));
  const r = await pool.acquire();
  const waiting = pool.acquire();
  await clock.advance(0);
  pool.destroy(r);
  const fresh = await waiting;
  t.not(fresh, r);
  t.true(r.destroyed);
  t.deepEqual(destroyed, ['broken']);
  pool.release(fresh);
  await drainAndCheck(t, pool, factory);
});

test('use() releases after success and returns the result', async (t) => {
  const { factory, pool } = setup({ max: 1 });
  const result = await pool.use((r) => r.id * 10);
  t.is(result, 10);
  t.like(pool.stats(), { borrowed: 0, idle: 1 });
  await drainAndCheck(t, pool, factory);
});

test('use() destroys the resource when fn throws and validation fails, and releases it when validation passes', async (t) => {
  const { factory, pool } = setup({ max: 1, validate: undefined });
  const validating = new ConnectionPool<FakeResource>(factory.options({ max: 1, validate: factory.validate, healthCheckIntervalMs: 0 }));
  await t.throwsAsync(
    validating.use(() => {
      throw new Error('query failed');
    }),
    { message: 'query failed' },
  );
  t.like(validating.stats(), { idle: 1, destroyed: 0 }, 'still valid: released');
  await t.throwsAsync(
    validating.use(async (r) => {
      r.alive = false;
      throw new Error('connection reset');
    }),
    { message: 'connection reset' },
  );
  t.like(validating.stats(), { idle: 0, size: 0, destroyed: 1, validationFailures: 1 }, 'invalid: destroyed');
  const drained = validating.drain();
  await factory.clock.advance(10);
  await drained;
  t.is(validating.stats().created, validating.stats().destroyed);
  await drainAndCheck(t, pool, factory);
});

test('use() tolerates fn releasing the resource itself', async (t) => {
  const { factory, pool } = setup({ max: 1 });
  await pool.use((r) => pool.release(r));
  t.like(pool.stats(), { borrowed: 0, idle: 1, released: 1 });
  await drainAndCheck(t, pool, factory);
});

test('invalidate() destroys an idle resource now and a borrowed one on release', async (t) => {
  const { factory, pool } = setup({ max: 2 });
  const a = await pool.acquire();
  const b = await pool.acquire();
  pool.release(a);
  t.true(pool.invalidate(a));
  t.true(a.destroyed);
  t.true(pool.invalidate(b));
  t.false(b.destroyed, 'never destroyed under its user');
  pool.release(b);
  t.true(b.destroyed);
  t.false(pool.invalidate(b));
  t.like(pool.stats(), { size: 0, destroyed: 2 });
  await drainAndCheck(t, pool, factory);
});

test('events: create, acquire, destroy carry the resource', async (t) => {
  const { factory, pool } = setup({ max: 1 });
  const seen: string[] = [];
  pool.on('create', (r) => seen.push(`create ${r.id}`));
  pool.on('acquire', (r) => seen.push(`acquire ${r.id}`));
  pool.on('destroy', (r, reason) => seen.push(`destroy ${r.id} ${reason}`));
  const r = await pool.acquire();
  pool.release(r);
  await drainAndCheck(t, pool, factory);
  t.deepEqual(seen, ['create 1', 'acquire 1', 'destroy 1 drain']);
});

test('acquire wait times are summarised in a cumulative histogram', async (t) => {
  const { clock, factory, pool } = setup({ max: 1 });
  const held = await pool.acquire();
  const waiting = pool.acquire();
  await clock.advance(40);
  pool.release(held);
  pool.release(await waiting);
  const wait = pool.stats().acquireWait;
  t.is(wait.count, 2);
  t.is(wait.sumMs, 40);
  t.is(wait.maxMs, 40);
  t.is(wait.buckets.find((b) => b.leMs === 1)?.count, 1);
  t.is(wait.buckets.find((b) => b.leMs === 25)?.count, 1);
  t.is(wait.buckets.find((b) => b.leMs === 50)?.count, 2);
  t.is(wait.buckets[wait.buckets.length - 1].count, 2);
  await drainAndCheck(t, pool, factory);
});

test('primitive resources work as keys', async (t) => {
  const clock = new ManualClock();
  let next = 1;
  const destroyed: number[] = [];
  const pool = new ConnectionPool<number>({ create: () => next++, destroy: (n) => void destroyed.push(n), clock, max: 2 });
  const a = await pool.acquire();
  const b = await pool.acquire();
  t.not(a, b);
  pool.release(a);
  t.is((t.throws(() => pool.release(a)) as TierCacheError).code, ErrorCode.POOL_DOUBLE_RELEASE);
  t.is((t.throws(() => pool.release(99)) as TierCacheError).code, ErrorCode.POOL_NOT_OWNED);
  pool.release(b);
  const drained = pool.drain();
  await clock.advance(1);
  await drained;
  t.deepEqual(destroyed.sort(), [1, 2]);
});

test('a long-lived signal does not accumulate abort listeners across served and timed-out acquires', async (t) => {
  const { clock, factory, pool } = setup({ max: 1, acquireTimeoutMs: 100 });
  const controller = new AbortController();
  const { signal } = controller;
  for (let i = 0; i < 50; i++) pool.release(await pool.acquire({ signal }));
  const held = await pool.acquire({ signal });
  const timingOut = pool.acquire({ signal }).catch((e: TierCacheError) => e.code);
  await clock.advance(0);
  t.is(getEventListeners(signal, 'abort').length, 1, 'only the waiting acquire listens');
  await clock.advance(100);
  t.is(await timingOut, ErrorCode.TIMEOUT);
  t.is(getEventListeners(signal, 'abort').length, 0);
  pool.release(held);
  await drainAndCheck(t, pool, factory);
});
