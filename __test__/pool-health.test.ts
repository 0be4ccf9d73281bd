import test from 'ava';
import { ConnectionPool, ManualClock, type LeakReport, type PoolOptions } from '../ts/index.js';
import { assertConsistent, drainAndCheck, FakeFactory, type FakeResource } from './helpers/fake-factory.js';

function setup(extra: Partial<PoolOptions<FakeResource>> = {}) {
  const clock = new ManualClock();
  const factory = new FakeFactory(clock);
  const pool = new ConnectionPool<FakeResource>(factory.options({ validate: factory.validate, ...extra }));
  return { clock, factory, pool };
}

test('a resource failing validation on borrow is destroyed and the caller gets another one', async (t) => {
  const { clock, factory, pool } = setup({ min: 2, max: 2, healthCheckIntervalMs: 0, validationBypassMs: 0 });
  await clock.advance(0);
  factory.created[1].alive = false; // the top of the idle stack
  const r = await pool.acquire();
  t.true(r.alive);
  t.true(factory.created[1].destroyed);
  t.like(pool.stats(), { validationFailures: 1 });
  pool.release(r);
  await clock.advance(0);
  t.is(pool.stats().size, 2, 'replaced to min');
  await drainAndCheck(t, pool, factory);
});

test('asynchronous validation on borrow: a failure hands out another resource, a hang counts as a failure', async (t) => {
  const { clock, factory, pool } = setup({ min: 2, max: 3, healthCheckIntervalMs: 0, validationBypassMs: 0, validateTimeoutMs: 100 });
  await clock.advance(0);
  factory.validateDelayMs = 10;
  factory.created[1].alive = false;
  const acquiring = pool.acquire();
  await clock.advance(10);
  t.like(pool.stats(), { validationFailures: 1 });
  await clock.advance(10);
  const r = await acquiring;
  t.true(r.alive);
  pool.release(r);

  factory.validateDelayMs = 1_000_000; // validation hangs
  const hanging = pool.acquire();
  await clock.advance(100);
  t.like(pool.stats(), { validationFailures: 2 });
  factory.validateDelayMs = 0;
  await clock.advance(100);
  const next = await hanging;
  t.true(next.alive);
  pool.release(next);
  await drainAndCheck(t, pool, factory);
});

test('borrow validation is skipped for a resource used within validationBypassMs', async (t) => {
  const { clock, factory, pool } = setup({ max: 1, healthCheckIntervalMs: 0, validationBypassMs: 500 });
  const r = await pool.acquire();
  pool.release(r);
  await clock.advance(499);
  pool.release(await pool.acquire());
  t.is(factory.validations.length, 0);
  await clock.advance(500);
  pool.release(await pool.acquire());
  t.is(factory.validations.length, 1);
  await drainAndCheck(t, pool, factory);
});

test('idle resources are validated every healthCheckIntervalMs and dead ones replaced up to min', async (t) => {
  const { clock, factory, pool } = setup({ min: 3, max: 3, healthCheckIntervalMs: 1000, idleTimeoutMs: 0 });
  await clock.advance(0);
  await clock.advance(1000);
  t.is(factory.validations.length, 3, 'each idle resource checked once per interval');
  factory.created[0].alive = false;
  await clock.advance(1000);
  t.is(factory.validations.length, 6);
  t.true(factory.created[0].destroyed);
  t.like(pool.stats(), { size: 3, idle: 3, validationFailures: 1 });
  await drainAndCheck(t, pool, factory);
});

test('backend restart: after every idle connection is killed, no dead resource is handed out and the pool refills to min', async (t) => {
  const { clock, factory, pool } = setup({ min: 4, max: 6, healthCheckIntervalMs: 5000, validationBypassMs: 0 });
  await clock.advance(0);
  const borrowed = await pool.acquire();
  factory.killAll();
  const handedOut: FakeResource[] = [];
  for (let i = 0; i < 4; i++) handedOut.push(await pool.acquire());
  t.true(handedOut.every((r) => r.alive), 'only live resources handed out');
  for (const r of handedOut) pool.release(r);
  pool.release(borrowed); // dead, but only validation can tell: it retires at the next check
  await clock.advance(5000);
  t.false(borrowed.alive);
  t.true(borrowed.destroyed, 'the dead borrowed one was caught by the health check');
  const s = pool.stats();
  t.true(s.size >= 4, 'refilled to min');
  t.true(factory.live.every((r) => r.alive));
  assertConsistent(t, pool, 6, factory);
  await drainAndCheck(t, pool, factory);
});

test('100 resources created together retire spread over the jitter window', async (t) => {
  const { clock, factory, pool } = setup({
    min: 100,
    max: 100,
    maxConcurrentCreates: 100,
    maxLifetimeMs: 60_000,
    maxLifetimeJitterMs: 10_000,
    healthCheckIntervalMs: 0,
    idleTimeoutMs: 0,
  });
  await clock.advance(0);
  t.is(pool.stats().size, 100);
  const retiredAt: number[] = [];
  pool.on('destroy', (_r, reason) => {
    if (reason === 'lifetime') retiredAt.push(clock.now());
  });
  for (let i = 0; i < 12; i++) await clock.advance(1000);
  await clock.advance(50_000);
  await clock.advance(0);
  t.is(retiredAt.length, 100, 'every original resource retired');
  t.true(retiredAt.every((at) => at >= 50_000 && at <= 60_000), 'within [maxLifetime - jitter, maxLifetime]');
  const perSecond = new Map<number, number>();
  for (const at of retiredAt) perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
  t.is(perSecond.size, 10, 'retirements in every second of the 10 s window');
  t.true(Math.max(...perSecond.values()) <= 25, `no second retires more than a quarter (${[...perSecond.values()]})`);
  t.is(pool.stats().size, 100, 'replaced');
  await drainAndCheck(t, pool, factory);
});

test('a borrowed resource past its lifetime is not destroyed under its user; it retires on release', async (t) => {
  const { clock, factory, pool } = setup({ max: 1, maxLifetimeMs: 1000, maxLifetimeJitterMs: 0, healthCheckIntervalMs: 0 });
  const r = await pool.acquire();
  await clock.advance(5000);
  t.false(r.destroyed);
  pool.release(r);
  t.true(r.destroyed);
  const fresh = await pool.acquire();
  t.not(fresh, r);
  pool.release(fresh);
  await drainAndCheck(t, pool, factory);
});

test('idle reaping retires resources above min after idleTimeoutMs, oldest first, and keeps min', async (t) => {
  const { clock, factory, pool } = setup({ min: 2, max: 6, idleTimeoutMs: 1000, healthCheckIntervalMs: 0 });
  const held = await Promise.all(Array.from({ length: 6 }, () => pool.acquire()));
  await clock.advance(0);
  t.is(pool.stats().size, 6);
  for (const r of held) pool.release(r);
  await clock.advance(500);
  pool.release(await pool.acquire()); // the most recently used stays warm
  await clock.advance(600);
  const s = pool.stats();
  t.is(s.size, 2, 'reaped to min');
  t.false(held[5].destroyed, 'the most recently used survived');
  await clock.advance(10_000);
  t.is(pool.stats().size, 2, 'never below min');
  await drainAndCheck(t, pool, factory);
});

function leakyAcquireSite(pool: ConnectionPool<FakeResource>): Promise<FakeResource> {
  return pool.acquire();
}

test('a resource held past leakDetectionMs emits one leak event with the acquire stack', async (t) => {
  const { clock, factory, pool } = setup({ max: 2, leakDetectionMs: 1000, healthCheckIntervalMs: 0 });
  const leaks: LeakReport<FakeResource>[] = [];
  pool.on('leak', (report) => leaks.push(report));
  const leaked = await leakyAcquireSite(pool);
  const fine = await pool.acquire();
  await clock.advance(500);
  pool.release(fine);
  await clock.advance(600);
  t.is(leaks.length, 1);
  t.is(leaks[0].resource, leaked);
  t.is(leaks[0].heldMs, 1000);
  t.regex(leaks[0].stack ?? '', /leakyAcquireSite/);
  t.notRegex(leaks[0].stack ?? '', /ConnectionPool\.acquire/);
  await clock.advance(10_000);
  t.is(leaks.length, 1, 'one event per borrow');
  t.is(pool.stats().leaks, 1);
  pool.release(leaked);
  await drainAndCheck(t, pool, factory);
});

test('leakStack none reports leaks without a stack; adaptive captures every acquire after the first leak', async (t) => {
  for (const mode of ['none', 'adaptive'] as const) {
    const { clock, factory, pool } = setup({ max: 1, leakDetectionMs: 100, healthCheckIntervalMs: 0, leakStack: mode });
    const leaks: LeakReport<FakeResource>[] = [];
    pool.on('leak', (report) => leaks.push(report));
    const first = await leakyAcquireSite(pool);
    await clock.advance(100);
    pool.release(first);
    const second = await leakyAcquireSite(pool);
    await clock.advance(100);
    pool.release(second);
    t.is(leaks.length, 2, mode);
    t.is(leaks[0].stack, undefined, mode);
    if (mode === 'none') t.is(leaks[1].stack, undefined);
    else t.regex(leaks[1].stack ?? '', /leakyAcquireSite/);
    await drainAndCheck(t, pool, factory);
  }
});
