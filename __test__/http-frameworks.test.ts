/**
 * The Express-style middleware and the Fastify plugin run on the same core:
 * hits, coalescing, ignored query parameters and background refreshes
 * through the framework's own router.
 */
import test from 'ava';
import express from 'express';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { fastifyHttpCache, httpCacheMiddleware } from '../ts/index.js';
import { cacheStatus, ManualNow, request, serve, until } from './helpers/http.js';

test('Express: hits, ETag/304 and ignored parameters through the middleware', async (t) => {
  const clock = new ManualNow();
  const cache = httpCacheMiddleware({ metrics: false, now: clock.now });
  t.teardown(() => cache.close());
  let calls = 0;
  const app = express();
  app.use(cache);
  app.get('/api/items/:id', (req, res) => {
    calls++;
    res.set('Cache-Control', 'max-age=60').json({ id: req.params.id, q: req.query, call: calls });
  });
  const { port } = await serve(t, app);
  const a = await request(port, '/api/items/7?b=2&utm_source=x&a=1', { headers: { 'accept-encoding': 'br' } });
  t.deepEqual(JSON.parse(a.text), { id: '7', q: { a: '1', b: '2' }, call: 1 });
  const b = await request(port, '/api/items/7?a=1&b=2', { headers: { 'accept-encoding': 'zstd' } });
  t.true(cacheStatus(b).hit);
  t.is(b.headers['content-encoding'], undefined, 'small JSON stays identity');
  t.is(JSON.parse(b.text).call, 1);
  const etag = b.headers.etag!;
  t.is((await request(port, '/api/items/7?a=1&b=2', { headers: { 'if-none-match': etag } })).status, 304);
  t.is(calls, 1);
  t.is(cache.stats().routes['/api/items/:id'].hits, 2);
});

test('Express: stale-while-revalidate refreshes through the app (app.handle) in the background', async (t) => {
  const clock = new ManualNow();
  const cache = httpCacheMiddleware({ metrics: false, now: clock.now });
  t.teardown(() => cache.close());
  let calls = 0;
  const app = express();
  const api = express.Router();
  api.get('/v', (_req, res) => {
    calls++;
    res.set('Cache-Control', 'max-age=10, stale-while-revalidate=60').send(`call ${calls}`);
  });
  app.use('/api', cache, api);
  const { port } = await serve(t, app);
  await request(port, '/api/v');
  clock.advance(11_000);
  const stale = await request(port, '/api/v');
  t.is(stale.text, 'call 1');
  t.is(cacheStatus(stale).detail, 'stale-while-revalidate');
  await until('refreshed', () => cache.stats().stores === 2);
  const fresh = await request(port, '/api/v');
  t.is(fresh.text, 'call 2');
  t.true(cacheStatus(fresh).hit);
});

test('Express: an error in a route is a 500 from the error handler, not stored', async (t) => {
  const cache = httpCacheMiddleware({ metrics: false });
  t.teardown(() => cache.close());
  const app = express();
  app.use(cache);
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).set('Cache-Control', 'max-age=60').send('failed');
  });
  const { port } = await serve(t, app);
  const a = await request(port, '/boom');
  t.is(a.status, 500);
  t.is(cacheStatus(a).detail, 'status');
});

test('Fastify: hits, coalescing, query re-parsed without ignored parameters, refresh through fastify.routing', async (t) => {
  const clock = new ManualNow();
  const app = Fastify();
  await app.register(fastifyHttpCache, { metrics: false, now: clock.now });
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  app.get('/items/:id', async (req, reply) => {
    calls++;
    if (calls === 1) await gate;
    reply.header('Cache-Control', 'max-age=10, stale-while-revalidate=60');
    return { id: (req.params as { id: string }).id, q: req.query, call: calls };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  const port = (app.server.address() as AddressInfo).port;
  const concurrent = Array.from({ length: 5 }, () => request(port, '/items/3?z=1&fbclid=abc'));
  await until('the first call started', () => calls === 1);
  release();
  const replies = await Promise.all(concurrent);
  for (const r of replies) t.deepEqual(JSON.parse(r.text), { id: '3', q: { z: '1' }, call: 1 });
  t.is(calls, 1);
  const hit = await request(port, '/items/3?z=1');
  t.true(cacheStatus(hit).hit);
  clock.advance(20_000);
  const stale = await request(port, '/items/3?z=1');
  t.is(cacheStatus(stale).detail, 'stale-while-revalidate');
  const stats = (app as unknown as { httpCache: { stats(): { stores: number } } }).httpCache;
  await until('refreshed', () => stats.stats().stores === 2);
  t.is(JSON.parse((await request(port, '/items/3?z=1')).text).call, 2);
});
