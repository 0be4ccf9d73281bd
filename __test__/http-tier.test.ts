/**
 * httpCache over TierCache with L1 + L2 on a real redis-server: two app
 * instances (two caches, two servers) share responses through Redis, and a
 * purge through one instance is seen by the other (coherence).
 */
import test from 'ava';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpCache } from '../ts/index.js';
import { cacheStatus, jsonBody, ManualNow, request, serve } from './helpers/http.js';
import { RedisServer } from './helpers/redis-server.js';
import { freshNamespace, guardUnhandledRejections, tier, tierOptions, waitFor } from './helpers/tier.js';

test('two instances over one Redis: a response stored by one is a hit on the other; a purge through one reaches both', async (t) => {
  guardUnhandledRejections(t);
  const redis = await RedisServer.start(t);
  const namespace = freshNamespace('http');
  const clock = new ManualNow();
  let version = 1;
  const calls = [0, 0];
  const body = (tag: string) => jsonBody(8 * 1024, tag);
  const instances = await Promise.all(
    [0, 1].map(async (i) => {
      const cache = tier(t, tierOptions(redis.port, { namespace, codec: false }));
      const cached = httpCache(
        (_req: IncomingMessage, res: ServerResponse) => {
          calls[i]++;
          res.setHeader('Content-Type', 'application/json');
          res.setHeader('Cache-Control', 'max-age=60');
          res.end(body(`v${version}`));
        },
        { cache, metrics: false, now: clock.now },
      );
      t.teardown(() => cached.close());
      const { port } = await serve(t, cached);
      return { port, cached, cache };
    }),
  );
  const [a, b] = instances;
  const first = await request(a.port, '/p/1', { headers: { host: 'shop.example', 'accept-encoding': 'zstd' } });
  t.is(first.text, body('v1'));
  const onB = await request(b.port, '/p/1', { headers: { host: 'shop.example', 'accept-encoding': 'zstd' } });
  t.true(cacheStatus(onB).hit, 'instance B is answered from what A stored (through Redis)');
  t.is(onB.text, body('v1'));
  // br is produced once, by whichever instance needs it first, and shared too.
  await request(b.port, '/p/1', { headers: { host: 'shop.example', 'accept-encoding': 'br' } });
  const brOnA = await request(a.port, '/p/1', { headers: { host: 'shop.example', 'accept-encoding': 'br' } });
  t.is(brOnA.text, body('v1'));
  t.is(a.cached.stats().encodings.br + b.cached.stats().encodings.br, 1);
  t.deepEqual(calls, [1, 0]);

  // A write through A: the origin changes and A purges; B must not serve v1 any more.
  version = 2;
  let remote = 0;
  b.cache.on('invalidate', (e) => {
    if (e.source === 'remote' && e.scope === 'key') remote++;
  });
  await a.cached.purge('shop.example', '/p/1');
  // The invalidation reaches B through Redis within TierCache's staleness bound (docs/coherence.md).
  await waitFor('B received the invalidation', () => remote > 0);
  const afterOnB = await request(b.port, '/p/1', { headers: { host: 'shop.example', 'accept-encoding': 'zstd' } });
  t.is(afterOnB.text, body('v2'), 'B sees the write made through A');
  const afterOnA = await request(a.port, '/p/1', { headers: { host: 'shop.example', 'accept-encoding': 'zstd' } });
  t.true(cacheStatus(afterOnA).hit);
  t.is(afterOnA.text, body('v2'));
  t.deepEqual(calls, [1, 1]);
});
