/**
 * ConnectionPool against real redis-server processes (ioredis clients as the
 * pooled resource): server restarts, killed connections, a server that is
 * down or frozen. Real time, so waits use generous deadlines that only guard
 * against hangs; assertions are about states and counts.
 */
import test, { type ExecutionContext } from 'ava';
import Redis from 'ioredis';
import { ConnectionPool, ErrorCode, type PoolOptions, type TierCacheError } from '../ts/index.js';
import { RedisServer } from './helpers/redis-server.js';

const HANG_GUARD_MS = 30_000;

async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

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
  const rp = redisPool(server, { min: 1, max: 3, acquireTimeoutMs: 300, createRetry: { initialDelayMs: 50, maxDelayMs: 100 } });
  const error = (await t.throwsAsync(rp.pool.acquire())) as TierCacheError;
  t.is(error.code, ErrorCode.TIMEOUT);
  t.regex(String((error.cause as Error | undefined)?.message), /ECONNREFUSED|connect/i);
  const attempts = rp.pool.stats().createAttempts;
  t.true(attempts >= 1);
  await server.restart();
  t.is(await rp.pool.use((c) => c.ping()), 'PONG');
  await waitFor('filled to min', () => rp.pool.stats().size >= 1);
  await drainAndCheck(t, rp, server);
});

test('frozen server (SIGSTOP): creates and validations time out, nothing leaks, and the pool recovers after SIGCONT', async (t) => {
  const server = await RedisServer.start(t);
  const rp = redisPool(server, {
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
    // Validation of the idle clients hangs (PING unanswered) and times out; the
    // replacement creates hang on the handshake and time out too.
    const error = (await t.throwsAsync(rp.pool.acquire())) as TierCacheError;
    t.is(error.code, ErrorCode.TIMEOUT);
    t.true(rp.pool.stats().validationFailures >= 1);
  } finally {
    server.resume();
  }
  t.is(await rp.pool.use((c) => c.ping()), 'PONG');
  await waitFor('back to min', () => rp.pool.stats().idle >= 2);
  await drainAndCheck(t, rp, server);
});
