import test from 'ava';
import { rawCommand, RedisServer } from './helpers/redis-server.js';

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
