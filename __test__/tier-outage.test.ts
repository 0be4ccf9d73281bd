/**
 * TierCache while Redis is frozen (SIGSTOP) or killed (kill -9) and comes
 * back: hard deadlines, the circuit breaker, stale serving, failed writes,
 * and recovery (L2 and coherence resume by themselves, L1 flushed). Each test
 * has its own server. Real time: bounds only catch hangs.
 */
import test from 'ava';
import { ErrorCode, TierCache, type TierCacheError, type StaleEvent } from '../ts/index.js';
import { RedisServer } from './helpers/redis-server.js';
import { coherent, freshNamespace, guardUnhandledRejections, tier, tierOptions, waitFor } from './helpers/tier.js';

/** A call that must settle well within this (a hang guard: the deadline itself is commandTimeoutMs). */
const NO_HANG_MS = 5000;

async function within<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} hung for ${NO_HANG_MS} ms`)), NO_HANG_MS);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}

const FAST = { commandTimeoutMs: 100, breaker: { failureThreshold: 2, openMs: 100, maxOpenMs: 400 } };
const COHERENCE = { heartbeatMs: 50, maxStalenessMs: 200 };

test('frozen Redis: get and getOrSet answer within the deadline from L1, stale values and the loader; everything resumes', async (t) => {
  guardUnhandledRejections(t);
  const server = await RedisServer.start(t);
  const ns = freshNamespace();
  const a = tier<string>(t, tierOptions(server.port, { namespace: ns, l2: FAST, coherence: COHERENCE, staleMs: 60_000 }));
  const stale: StaleEvent[] = [];
  a.on('stale', (e) => stale.push(e));
  await coherent(a as TierCache<unknown>);
  await a.set('cached', 'from L1');
  server.pause();
  try {
    await waitFor('L1 no longer trusted', () => !TierCache.internals(a as TierCache<unknown>).trusted);
    t.is(await within('get', a.get('cached')), 'from L1', 'served as stale');
    t.true(stale.some((e) => e.key === 'cached' && e.reason === 'l2_unavailable'));
    t.is(await within('get', a.get('absent')), undefined, 'a miss, not an error');
    t.is(await within('getOrSet', a.getOrSet('loaded', () => 'from the loader')), 'from the loader');
    const error = (await within('set', t.throwsAsync(a.set('w', 'x')))) as TierCacheError;
    t.true([ErrorCode.TIER_COMMAND_TIMEOUT, ErrorCode.TIER_L2_UNAVAILABLE].includes(error.code as never), error.code);
    await waitFor('breaker open', () => a.stats().breaker !== 'closed');
  } finally {
    server.resume();
  }
  await waitFor('breaker closed again', async () => {
    await a.get('probe');
    return a.stats().breaker === 'closed';
  });
  await coherent(a as TierCache<unknown>);
  await a.set('w', 'after');
  t.is(await a.get('w'), 'after');
});

test('Redis killed and restarted: nothing hangs, writes fail with a typed error, then L2 and coherence resume and L1 is flushed', async (t) => {
  guardUnhandledRejections(t);
  const server = await RedisServer.start(t);
  const ns = freshNamespace();
  const options = tierOptions(server.port, { namespace: ns, l2: FAST, coherence: COHERENCE, staleMs: 60_000 });
  const a = tier<string>(t, options);
  const b = tier<string>(t, options);
  await Promise.all([coherent(a as TierCache<unknown>), coherent(b as TierCache<unknown>)]);
  await a.set('k', 'before');
  t.is(await b.get('k'), 'before');
  await server.kill();
  await waitFor('b no longer trusts L1', () => !TierCache.internals(b as TierCache<unknown>).trusted);
  t.is(await within('get', b.get('k')), 'before', 'stale from L1 while Redis is down');
  const error = (await within('set', t.throwsAsync(a.set('k', 'lost')))) as TierCacheError;
  t.true([ErrorCode.TIER_L2_UNAVAILABLE, ErrorCode.TIER_COMMAND_TIMEOUT].includes(error.code as never), error.code);
  t.is(await within('getOrSet', a.getOrSet('other', () => 'loader answers')), 'loader answers');
  await server.restart();
  await waitFor('both resubscribed', () => a.stats().flushes.reconnect >= 1 && b.stats().flushes.reconnect >= 1);
  await Promise.all([coherent(a as TierCache<unknown>), coherent(b as TierCache<unknown>)]);
  t.is(await b.get('k'), undefined, 'L1 was flushed on reconnect; the restarted Redis is empty');
  await waitFor('writes work again', async () => {
    try {
      await a.set('k', 'after');
      return true;
    } catch {
      return false;
    }
  });
  await waitFor('b reads the new value', async () => (await b.get('k')) === 'after');
  await a.set('k', 'after2');
  await waitFor('invalidations flow again', async () => (await b.get('k')) === 'after2');
  t.pass();
});

test('circuit breaker: consecutive failures open it (calls fail fast), a half-open probe closes it once Redis is back', async (t) => {
  guardUnhandledRejections(t);
  const server = await RedisServer.start(t);
  const a = tier<string>(t, tierOptions(server.port, { namespace: freshNamespace(), l1: false, l2: FAST }));
  await a.ready(); // a cold first call may exceed the 100 ms deadline on a loaded machine
  await a.set('k', 'v');
  await server.kill();
  const errors: string[] = [];
  for (let i = 0; i < 5; i++) {
    const e = (await within('set', t.throwsAsync(a.set('k', 'x')))) as TierCacheError;
    errors.push(e.message);
  }
  t.is(a.stats().breaker, 'open', errors.join('\n'));
  t.true(errors.slice(-2).every((m) => /breaker is open/.test(m)), 'later calls fail fast');
  await server.restart();
  await waitFor('the probe closed the breaker', async () => {
    try {
      await a.set('k', 'back');
    } catch {
      // still open or probing
    }
    return a.stats().breaker === 'closed';
  });
  t.is(await a.get('k'), 'back');
});

test('a failed L2 write publishes nothing, surfaces the error and drops the writer’s local copy', async (t) => {
  guardUnhandledRejections(t);
  const server = await RedisServer.start(t);
  const ns = freshNamespace();
  const options = tierOptions(server.port, { namespace: ns, l2: FAST, coherence: COHERENCE });
  const a = tier<string>(t, options);
  await coherent(a as TierCache<unknown>);
  await a.set('k', 'v1');
  // Redis refuses writes (an error reply): the script never ran, so nothing was published.
  await server.command('CONFIG', 'SET', 'maxmemory', '1');
  await server.command('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  const sentBefore = a.stats().invalidations.sent;
  const error = (await t.throwsAsync(a.set('k', 'v2'))) as TierCacheError;
  t.is(error.code, ErrorCode.TIER_COMMAND_FAILED);
  t.regex(error.message, /OOM/);
  t.is(a.stats().invalidations.sent, sentBefore);
  t.is(a.stats().breaker, 'closed', 'an error reply is not a connectivity failure');
  await server.command('CONFIG', 'SET', 'maxmemory', '0');
  t.is(await a.get('k'), 'v1', 'the local copy was dropped and Redis still has v1');
});
