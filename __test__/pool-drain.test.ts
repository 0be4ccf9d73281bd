import test from 'ava';
import { ConnectionPool, ErrorCode, ManualClock, type PoolOptions, TierCacheError } from '../ts/index.js';
import { drainAndCheck, FakeFactory, type FakeResource } from './helpers/fake-factory.js';

function setup(extra: Partial<PoolOptions<FakeResource>> = {}) {
  const clock = new ManualClock();
  const factory = new FakeFactory(clock);
  const pool = new ConnectionPool<FakeResource>(factory.options(extra));
  const errors: Error[] = [];
  pool.on('error', (e) => errors.push(e));
  return { clock, factory, pool, errors };
}

const codeOf = (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (e: TierCacheError) => e.code,
  );

test('drain with borrowed, idle, pending and waiting: waiters reject, idle go now, borrowed on release, late creates destroyed', async (t) => {
  const { clock, factory, pool } = setup({ max: 4 });
  const held = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
  pool.release(held[2]); // one idle
  factory.createDelayMs = 100;
  const a = pool.acquire(); // takes the idle one
  const w1 = codeOf(pool.acquire()); // waits, a create starts
  const w2 = codeOf(pool.acquire());
  await clock.advance(10);
  t.like(pool.stats(), { borrowed: 3, idle: 0, waiting: 2, pendingCreates: 1 });
  const third = await a;

  let drainedResult: unknown;
  const drained = pool.drain({ timeoutMs: 10_000 }).then((r) => (drainedResult = r));
  t.is(await w1, ErrorCode.POOL_DRAINING);
  t.is(await w2, ErrorCode.POOL_DRAINING);
  t.is(await codeOf(pool.acquire()), ErrorCode.POOL_DRAINING);
  t.is(pool.stats().state, 'draining');
  t.is(pool.drain(), pool.drain(), 'drain() is idempotent');

  await clock.advance(100); // the pending create lands and is destroyed
  t.is(factory.created.length, 4);
  t.true(factory.created[3].destroyed);
  t.is(drainedResult, undefined, 'still waiting for the borrowed ones');
  pool.release(held[0]);
  pool.release(held[1]);
  t.true(held[0].destroyed && held[1].destroyed, 'released resources are destroyed during a drain');
  pool.release(third);
  await clock.advance(0);
  await drained;
  t.deepEqual(drainedResult, { forcedDestroys: 0, abandonedCreates: 0, hungDestroys: 0 });
  t.is(await codeOf(pool.acquire()), ErrorCode.CLOSED);
  t.is(clock.pendingTimers, 0, 'no timer left behind');
  await drainAndCheck(t, pool, factory);
});

test('drain destroys resources still borrowed at its timeout; their later release is ignored', async (t) => {
  const { clock, factory, pool } = setup({ max: 2 });
  const kept = await pool.acquire();
  const drained = pool.drain({ timeoutMs: 1000 });
  await clock.advance(999);
  t.false(kept.destroyed);
  await clock.advance(1);
  t.deepEqual(await drained, { forcedDestroys: 1, abandonedCreates: 0, hungDestroys: 0 });
  t.true(kept.destroyed);
  t.notThrows(() => pool.release(kept));
  t.like(pool.stats(), { borrowed: 0, size: 0 });
  await drainAndCheck(t, pool, factory);
});

test('drain aborts in-flight creates and finishes even if a create never settles', async (t) => {
  const { clock, factory, pool } = setup({ max: 2, min: 1 });
  factory.hangCreates = true;
  const pending = new ConnectionPool<FakeResource>(factory.options({ min: 1, max: 1 }));
  await clock.advance(0);
  t.is(pending.stats().pendingCreates, 1);
  const drained = pending.drain({ timeoutMs: 500 });
  await clock.advance(500);
  t.deepEqual(await drained, { forcedDestroys: 0, abandonedCreates: 1, hungDestroys: 0 });
  factory.releaseHungCreates();
  await clock.advance(0);
  t.is(pending.stats().created, pending.stats().destroyed, 'the late resource was still destroyed');
  t.true(factory.created[factory.created.length - 1].destroyed);
  factory.hangCreates = false;
  await drainAndCheck(t, pool, factory);
});

test('a destroy that throws or hangs is reported and does not corrupt the counts or block drain', async (t) => {
  const { clock, factory, pool, errors } = setup({ max: 3, destroyTimeoutMs: 200 });
  const [a, b, c] = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
  factory.destroyThrows = true;
  pool.destroy(a);
  await clock.advance(0);
  t.is(errors.length, 1);
  t.is(errors[0].message, 'destroy failed');
  factory.destroyThrows = false;
  factory.destroyHangs = true;
  pool.destroy(b);
  t.is(pool.stats().destroying, 1);
  await clock.advance(200);
  t.is(errors.length, 2);
  t.is((errors[1] as TierCacheError).code, ErrorCode.POOL_DESTROY_TIMEOUT);
  t.like(pool.stats(), { destroying: 0, destroyFailures: 2, size: 1, borrowed: 1, created: 3, destroyed: 2 });
  factory.destroyHangs = false;
  pool.release(c);
  await drainAndCheck(t, pool, factory);
});

test('without an error listener, background failures do not crash the process', async (t) => {
  const clock = new ManualClock();
  const factory = new FakeFactory(clock);
  factory.failNextCreates = 1;
  const pool = new ConnectionPool<FakeResource>(factory.options({ max: 1, createRetry: { initialDelayMs: 10, jitter: 0 } }));
  const acquiring = pool.acquire();
  await clock.advance(10);
  const r = await acquiring;
  t.like(pool.stats(), { createFailures: 1 });
  pool.release(r);
  await drainAndCheck(t, pool, factory);
});
