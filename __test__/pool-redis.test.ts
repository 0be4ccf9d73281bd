/**
 * ConnectionPool against real redis-server processes (ioredis clients as the
 * pooled resource): server restarts, killed connections, a server that is
 * down or frozen. Redis runs in real time, so waits for its side use
 * generous deadlines that only guard against hangs; the pool's own timeouts
 * run on a ManualClock; assertions are about states and counts.
 */
import test, { type ExecutionContext } from 'ava';
import Redis from 'ioredis';
import { ConnectionPool, ErrorCode, ManualClock, type PoolOptions, type TierCacheError } from '../ts/index.js';
import { RedisServer } from './helpers/redis-server.js';
import { waitFor } from './helpers/wait.js';


interface RedisPool {
  pool: ConnectionPool<Redis>;
  clients: Redis[];
}

function redisPool(server: RedisServer, extra: Partial<PoolOptions<Redis>> = {}): RedisPool {
  const clients: Redis[] = [];
  const pool: ConnectionPool<Redis> = new ConnectionPool<Redis>({
    create: async ({ signal }) => {
      const client = new Redis({
        host: '127.0.0.1',
        port: server.port,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null, // a dead connection stays dead: the pool replaces it
        connectTimeout: 10_000,
      });
      client.on('error', () => {}); // failures surface through commands and validation
      const abort = (): void => client.disconnect();
      signal.addEventListener('abort', abort);
      try {
        await client.connect();
      } catch (error) {
        client.disconnect();
        throw error;
      } finally {
        signal.removeEventListener('abort', abort);
      }
      clients.push(client);
      client.once('end', () => pool.invalidate(client));
      return client;
    },
    destroy: (client) => client.disconnect(),
    validate: (client) => (client.status !== 'ready' ? false : client.ping().then((reply) => reply === 'PONG')),
    createRetry: { initialDelayMs: 20, maxDelayMs: 200 },
    ...extra,
  });
  pool.on('error', () => {});
  return { pool, clients };
}

async function drainAndCheck(t: ExecutionContext, { pool, clients }: RedisPool, server?: RedisServer): Promise<void> {
  await pool.drain({ timeoutMs: 5000 });
  const s = pool.stats();
  t.is(s.created, s.destroyed, 'created == destroyed');
  t.is(s.size, 0);
  await waitFor('every client disconnected', () => clients.every((c) => c.status === 'end'));
  if (server?.isRunning) await waitFor('the server sees no client', async () => (await server.connectedClients()) === 0);
}

test('pooled ioredis clients run commands and the server sees exactly the pool size', async (t) => {
  const server = await RedisServer.start(t);
  const rp = redisPool(server, { min: 3, max: 5 });
  await waitFor('filled to min', () => rp.pool.stats().idle === 3);
  t.is(await server.connectedClients(), 3);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => rp.pool.use(async (c) => (await c.incr('counter')) > 0 && c.set(`k${i}`, `v${i}`))),
  );
  t.true(results.every((r) => r === 'OK'));
  t.is(await rp.pool.use((c) => c.get('counter')), '20');
  t.true(rp.pool.stats().size <= 5);
  t.is(await server.connectedClients(), rp.pool.stats().size);
  await drainAndCheck(t, rp, server);
});

test('CLIENT KILL of every connection: no dead connection is handed out and the pool refills to min', async (t) => {
  const server = await RedisServer.start(t);
  const rp = redisPool(server, { min: 4, max: 6, validationBypassMs: 0 });
  await waitFor('filled to min', () => rp.pool.stats().idle === 4);
  const before = [...rp.clients];
  t.is(await server.killClients(), 4);
  // Whether or not the clients have noticed yet, every acquired connection must work.
  for (let i = 0; i < 10; i++) {
    const reply = await rp.pool.use((c) => {
      t.false(before.includes(c) && c.status !== 'ready', 'a known-dead client was handed out');
      return c.ping();
    });
    t.is(reply, 'PONG');
  }
  await waitFor('refilled to min with new connections', async () => {
    const s = rp.pool.stats();
    return s.idle === 4 && (await server.connectedClients()) === 4;
  });
  t.true(before.every((c) => c.status === 'end'));
  t.true(rp.pool.stats().validationFailures + rp.pool.stats().destroyed >= 4);
  await drainAndCheck(t, rp, server);
});

test('redis-server restart (kill -9): idle connections are replaced, the pool refills to min, commands work again', async (t) => {
  const server = await RedisServer.start(t);
  const rp = redisPool(server, { min: 3, max: 5, healthCheckIntervalMs: 100 });
  await waitFor('filled to min', () => rp.pool.stats().idle === 3);
  const borrowed = await rp.pool.acquire();
  await server.restart();
  // The borrowed client broke under its user: use it, see the failure, give it back as broken.
  await t.throwsAsync(() => borrowed.ping());
  rp.pool.destroy(borrowed);
  await waitFor('refilled to min', async () => rp.pool.stats().idle === 3 && (await server.connectedClients()) === 3);
  for (let i = 0; i < 5; i++) t.is(await rp.pool.use((c) => c.ping()), 'PONG');
  t.true(rp.clients.filter((c) => c.status === 'ready').length >= 3);
  await drainAndCheck(t, rp, server);
});

test('server down: acquire rejects at acquireTimeoutMs with the connection error as cause, then recovers when it is back', async (t) => {
  const server = await RedisServer.start(t);
  await server.kill();
  // Refused connects fail in real time; the pool's own time (backoff, deadline) moves only when told.
  const clock = new ManualClock();
  const rp = redisPool(server, { clock, random: () => 0, min: 1, max: 3, acquireTimeoutMs: 300, createRetry: { initialDelayMs: 50, maxDelayMs: 100 } });
  const creatorIdle = (): boolean => rp.pool.stats().pendingCreates === 0;
  const acquiring = rp.pool.acquire();
  const outcome = acquiring.then(
    () => 'acquired',
    (error: unknown) => error,
  );
  await waitFor('the first create to fail', () => rp.pool.stats().createFailures === 1 && creatorIdle());
  for (let at = 50; at <= 299; at += 50) {
    await clock.advance(Math.min(50, 299 - clock.now()));
    await waitFor('the retry due by now to fail', creatorIdle);
  }
  await clock.advance(299 - clock.now());
  t.is(await Promise.race([outcome, 'pending']), 'pending', 'still waiting 1 ms before acquireTimeoutMs');
  await clock.advance(1);
  const error = (await outcome) as TierCacheError;
  t.is(error.code, ErrorCode.TIMEOUT);
  t.regex(String((error.cause as Error | undefined)?.message), /ECONNREFUSED|connect/i);
  // Probed at the backoff rate, no hot loop: at 0, 50, 150 (50 * 2) and 250 ms (capped at 100).
  t.is(rp.pool.stats().createAttempts, 4);
  t.is(rp.pool.stats().createFailures, 4);
  await server.restart();
  const using = rp.pool.use((c) => c.ping());
  await clock.advance(100); // the next retry is due within maxDelayMs
  t.is(await using, 'PONG');
  await waitFor('filled to min', () => rp.pool.stats().size >= 1);
  await drainAndCheck(t, rp, server);
});

test('frozen server (SIGSTOP): creates and validations time out, nothing leaks, and the pool recovers after SIGCONT', async (t) => {
  const server = await RedisServer.start(t);
  const clock = new ManualClock();
  const rp = redisPool(server, {
    clock,
    min: 2,
    max: 3,
    acquireTimeoutMs: 500,
    createTimeoutMs: 200,
    validateTimeoutMs: 200,
    validationBypassMs: 0,
  });
  await waitFor('filled to min', () => rp.pool.stats().idle === 2);
  server.pause();
  try {
    // Validation of the idle clients hangs (PING unanswered) until validateTimeoutMs
    // on the pool's clock; the replacement creates hang on the handshake.
    const acquiring = rp.pool.acquire();
    const outcome = acquiring.then(
      () => 'acquired',
      (error: unknown) => error,
    );
    await clock.advance(200);
    t.true(rp.pool.stats().validationFailures >= 1, 'the first validation timed out');
    await clock.advance(299);
    t.is(await Promise.race([outcome, 'pending']), 'pending', 'still waiting 1 ms before acquireTimeoutMs');
    await clock.advance(1);
    const error = (await outcome) as TierCacheError;
    t.is(error.code, ErrorCode.TIMEOUT);
    t.is(rp.pool.stats().timeouts, 1);
  } finally {
    server.resume();
  }
  t.is(await rp.pool.use((c) => c.ping()), 'PONG');
  await waitFor('back to min', () => rp.pool.stats().idle >= 2);
  await drainAndCheck(t, rp, server);
});
