import test from 'ava';
import { ConnectionPool, ErrorCode, ManualClock, type PoolOptions, TierCacheError } from '../ts/index.js';
import { assertConsistent, drainAndCheck, FakeFactory, type FakeResource } from './helpers/fake-factory.js';

function setup(extra: Partial<PoolOptions<FakeResource>> = {}, prepare: (factory: FakeFactory) => void = () => {}) {
  const clock = new ManualClock();
  const factory = new FakeFactory(clock);
  prepare(factory);
  const pool = new ConnectionPool<FakeResource>(factory.options(extra));
  const errors: Error[] = [];
  pool.on('error', (e) => errors.push(e));
  return { clock, factory, pool, errors };
}

test('while creates fail, acquire rejects at acquireTimeoutMs with the last create error as cause', async (t) => {
  const { clock, factory, pool, errors } = setup({ max: 2, acquireTimeoutMs: 1000 });
  factory.failCreates = true;
  const timeouts: unknown[] = [];
  pool.on('timeout', (r) => timeouts.push(r.cause));
  let settled = false;
  const acquiring = pool.acquire().finally(() => {
    settled = true;
  });
  await clock.advance(999);
  t.false(settled, 'still waiting before the deadline');
  await clock.advance(1);
  const error = (await t.throwsAsync(acquiring, { instanceOf: TierCacheError })) as TierCacheError;
  t.is(error.code, ErrorCode.TIMEOUT);
  t.is((error.cause as Error).message, 'connection refused');
  t.regex(error.message, /creates are failing: connection refused/);
  t.is(timeouts.length, 1);
  t.true(errors.length >= 1);
  t.true(errors.every((e) => e.message === 'connection refused'));
  t.like(pool.stats(), { timeouts: 1, waiting: 0, size: 0 });
  await drainAndCheck(t, pool, factory);
});

test('create attempts against a dead backend are bounded by the backoff (no hot loop)', async (t) => {
  const { clock, factory, pool } = setup(
    {
      max: 10,
      min: 2,
      acquireTimeoutMs: 500,
      createRetry: { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0 },
    },
    (f) => {
      f.failCreates = true;
    },
  );
  // Constant demand: 20 callers re-acquiring as soon as they time out, for 20 s.
  let stop = false;
  const callers = Array.from({ length: 20 }, async () => {
    while (!stop) await pool.acquire().then((r) => pool.release(r), () => undefined);
  });
  await clock.advance(20_000);
  stop = true;
  await clock.advance(1000);
  await Promise.all(callers);
  const attempts = factory.createAttempts;
  // Delays 100, 200, 400, 800, then 1000 ms: at most 4 + 20 attempts in 20 s, one at a time.
  t.true(attempts.length >= 10, `kept probing (${attempts.length} attempts)`);
  t.true(attempts.length <= 25, `bounded (${attempts.length} attempts in 21 s)`);
  for (let i = 5; i < attempts.length; i++) {
    t.true(attempts[i] - attempts[i - 1] >= 1000, `attempt ${i} came ${attempts[i] - attempts[i - 1]} ms after the previous`);
  }
  t.is(pool.stats().size, 0);

  factory.failCreates = false;
  const served = pool.acquire();
  await clock.advance(1000);
  const r = await served;
  t.true(r.alive, 'recovers once the backend is back');
  pool.release(r);
  await clock.advance(0);
  t.is(pool.stats().size, 2, 'refilled to min');
  await drainAndCheck(t, pool, factory);
});

test('creates stop when demand is gone', async (t) => {
  const { clock, factory, pool } = setup({ max: 5, createRetry: { initialDelayMs: 100, maxDelayMs: 100, jitter: 0 } });
  factory.failCreates = true;
  const controller = new AbortController();
  const acquiring = pool.acquire({ signal: controller.signal }).catch((e: TierCacheError) => e.code);
  await clock.advance(350);
  const attemptsWhileWanted = factory.createAttempts.length;
  t.true(attemptsWhileWanted >= 3);
  controller.abort();
  t.is(await acquiring, ErrorCode.ABORTED);
  await clock.advance(5000);
  t.true(factory.createAttempts.length <= attemptsWhileWanted + 1, 'at most the probe already scheduled');
  await drainAndCheck(t, pool, factory);
});

test('a create that hangs past createTimeoutMs is abandoned, and destroyed when it finishes later', async (t) => {
  const { clock, factory, pool, errors } = setup({
    max: 1,
    createTimeoutMs: 1000,
    acquireTimeoutMs: 10_000,
    createRetry: { initialDelayMs: 100, jitter: 0 },
  });
  const reasons: string[] = [];
  pool.on('destroy', (_r, reason) => reasons.push(reason));
  factory.hangCreates = true;
  const acquiring = pool.acquire();
  await clock.advance(1000);
  t.is(errors.length, 1);
  t.is((errors[0] as TierCacheError).code, ErrorCode.POOL_CREATE_TIMEOUT);
  t.like(pool.stats(), { pendingCreates: 0, createFailures: 1 });
  factory.hangCreates = false;
  await clock.advance(100);
  const r = await acquiring;
  t.is(factory.createAttempts.length, 2);
  factory.releaseHungCreates();
  await clock.advance(0);
  t.is(factory.created.length, 2);
  const late = factory.created.find((x) => x !== r) as FakeResource;
  t.true(late.destroyed, 'the late resource was destroyed');
  t.false(r.destroyed);
  t.deepEqual(reasons, ['late-create']);
  t.like(pool.stats(), { size: 1, created: 2, destroyed: 1 });
  assertConsistent(t, pool, 1, factory);
  pool.release(r);
  await drainAndCheck(t, pool, factory);
});

test('create resolving to undefined or to a resource already held counts as a failure', async (t) => {
  const clock = new ManualClock();
  const shared = { id: 1 };
  let calls = 0;
  const pool = new ConnectionPool<{ id: number } | undefined>({
    create: () => (++calls === 1 ? undefined : shared),
    destroy: () => {},
    clock,
    max: 2,
    createRetry: { initialDelayMs: 10, jitter: 0 },
  });
  const errors: TierCacheError[] = [];
  pool.on('error', (e) => errors.push(e as TierCacheError));
  const first = pool.acquire();
  await clock.advance(10);
  t.is(await first, shared);
  const second = pool.acquire().catch((e: TierCacheError) => e.code);
  await clock.advance(100);
  t.true(errors.length >= 2);
  t.true(errors.every((e) => e.code === ErrorCode.POOL_INVALID_RESOURCE));
  t.like(pool.stats(), { size: 1, created: 1 });
  pool.release(shared);
  t.is(await second, shared);
  pool.release(shared);
  const drained = pool.drain();
  await clock.advance(1);
  await drained;
  t.is(pool.stats().created, pool.stats().destroyed);
});

test('spike: min 5, max 50, create 150 ms, use 2 ms, 50 simultaneous acquires are all served with only a few creates', async (t) => {
  const { clock, factory, pool } = setup({ min: 5, max: 50, idleTimeoutMs: 10_000 });
  factory.createDelayMs = 150;
  await clock.advance(1000);
  t.is(pool.stats().idle, 5);
  const served: number[] = [];
  const users = Array.from({ length: 50 }, async (_, i) => {
    const r = await pool.acquire();
    await new Promise<void>((resolve) => clock.setTimer(resolve, 2, true));
    pool.release(r);
    served.push(i);
  });
  await clock.advance(1000);
  await Promise.all(users);
  t.is(served.length, 50);
  const extra = factory.created.length - 5;
  t.true(extra <= 2, `${extra} creates beyond min`);
  t.true(pool.stats().acquireWait.maxMs < 150, 'nobody waited for a create');
  await clock.advance(20_000);
  t.is(pool.stats().size, 5, 'shrinks back to min when idle');
  assertConsistent(t, pool, 50, factory);
  await drainAndCheck(t, pool, factory);
});

test('the pool grows to max under sustained demand, never more than maxConcurrentCreates at a time', async (t) => {
  const { clock, factory, pool } = setup({ max: 8, maxConcurrentCreates: 3 });
  factory.createDelayMs = 10;
  const acquiring = Array.from({ length: 12 }, () => pool.acquire());
  let maxPending = 0;
  for (let step = 0; step < 10; step++) {
    maxPending = Math.max(maxPending, pool.stats().pendingCreates);
    await clock.advance(5);
  }
  const held = await Promise.all(acquiring.slice(0, 8));
  t.is(pool.stats().size, 8);
  t.is(maxPending, 3);
  t.is(pool.stats().waiting, 4);
  for (const r of held) pool.release(r);
  const rest = await Promise.all(acquiring.slice(8));
  for (const r of rest) pool.release(r);
  t.is(factory.created.length, 8, 'never above max');
  await drainAndCheck(t, pool, factory);
});

test('saturation recovery: timeouts stop once the load drops', async (t) => {
  const { clock, factory, pool } = setup({ max: 2, acquireTimeoutMs: 100 });
  let users = 20;
  let running = true;
  const loop = async (index: number): Promise<void> => {
    while (running) {
      if (index >= users) {
        await new Promise<void>((resolve) => clock.setTimer(resolve, 10, true));
        continue;
      }
      try {
        const r = await pool.acquire();
        await new Promise<void>((resolve) => clock.setTimer(resolve, 50, true));
        pool.release(r);
      } catch (error) {
        if ((error as TierCacheError).code !== ErrorCode.TIMEOUT) throw error;
      }
    }
  };
  const loops = Array.from({ length: 20 }, (_, i) => loop(i));
  await clock.advance(2000);
  const overloaded = pool.stats().timeouts;
  t.true(overloaded > 0, 'overload causes timeouts');
  users = 2;
  await clock.advance(500); // waiters queued before the drop finish or time out
  const afterDrop = pool.stats().timeouts;
  await clock.advance(5000);
  t.is(pool.stats().timeouts, afterDrop, 'no more timeouts at a load the pool can carry');
  t.true(pool.stats().acquired > 100);
  running = false;
  await clock.advance(1000);
  await Promise.all(loops);
  assertConsistent(t, pool, 2, factory);
  await drainAndCheck(t, pool, factory);
});
