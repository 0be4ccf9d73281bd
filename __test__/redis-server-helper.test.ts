import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { rawCommand, RedisServer } from './helpers/redis-server.js';
import { waitFor } from './helpers/wait.js';

test('the redis-server helper starts, pauses, resumes, kills and restarts a real server on the same port', async (t) => {
  const server = await RedisServer.start(t);
  t.true(server.isRunning);
  t.is(await server.command('PING'), '+PONG\r\n');
  t.is(await server.command('SET', 'k', 'value'), '+OK\r\n');
  t.is(await server.command('GET', 'k'), '$5\r\nvalue\r\n');

  server.pause();
  await t.throwsAsync(rawCommand(server.port, ['PING'], 300), { message: /no reply within 300 ms/ });
  server.resume();
  t.is(await server.command('PING'), '+PONG\r\n');

  const port = server.port;
  await server.kill();
  t.false(server.isRunning);
  await t.throwsAsync(rawCommand(port, ['PING'], 2000), { message: /ECONNREFUSED/ });

  await server.restart();
  t.is(server.port, port);
  t.is(await server.command('GET', 'k'), '$-1\r\n', 'no persistence: the restarted server is empty');

  await server.stop();
  t.false(server.isRunning);
});

test('two servers get different free ports', async (t) => {
  const [a, b] = await Promise.all([RedisServer.start(t), RedisServer.start(t)]);
  t.not(a.port, b.port);
  t.is(await a.connectedClients(), 0);
  t.is(await b.command('PING'), '+PONG\r\n');
});

/** Rejects if `promise` has not settled within `ms`: only a hang guard (the old helper polled 20 s, five times over). */
function guarded<T>(promise: Promise<T>, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still trying after ${ms} ms: the helper does not fail fast`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

test('a missing redis-server fails the start at once, saying how to install it', async (t) => {
  const bin = path.join(os.tmpdir(), 'no-such-dir', 'redis-server');
  const error = await t.throwsAsync(guarded(RedisServer.start(undefined, [], { bin })));
  t.regex(error!.message, /redis-server \(.*no-such-dir\/redis-server\) could not be run \(spawn .*ENOENT\)/);
  t.regex(error!.message, /apt-get install redis-server/);
  t.regex(error!.message, /REDIS_SERVER_BIN/);
});

test('a redis-server that exits before it is ready fails the start once, without retries', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tiercache-fake-redis-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = path.join(dir, 'launches');
  const bin = path.join(dir, 'redis-server');
  writeFileSync(bin, `#!/bin/sh\necho launched >> '${log}'\necho 'FATAL CONFIG FILE ERROR' >&2\nexit 1\n`, { mode: 0o755 });
  const error = await t.throwsAsync(guarded(RedisServer.start(undefined, [], { bin })));
  t.regex(error!.message, /exited with code 1 before it was ready/);
  t.regex(error!.message, /FATAL CONFIG FILE ERROR/);
  t.is(readFileSync(log, 'utf8'), 'launched\n', 'launched exactly once');
  // `false` as the binary, as REDIS_SERVER_BIN=false would give.
  await t.throwsAsync(guarded(RedisServer.start(undefined, [], { bin: 'false' })), { message: /\(false\) exited with code 1 before it was ready.*Output: \(none\)/ });
});

test('restart() retries while the port is still taken, then starts on the same port', async (t) => {
  const server = await RedisServer.start(t);
  const port = server.port;
  await server.kill();
  // Something still holds the port, as a killed server's socket can for a moment.
  const blocker = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  const launches = server.launchCount;
  const restarting = server.restart();
  await waitFor('a launch refused because the port is busy', () => server.launchCount >= launches + 2);
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  await restarting;
  t.is(server.port, port);
  t.is(await server.command('PING'), '+PONG\r\n');
});
