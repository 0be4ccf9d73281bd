/**
 * Coalescing (N concurrent identical requests, one handler call) and
 * stale-while-revalidate (stale served at once, one background refresh).
 */
import test from 'ava';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpCache, type HttpCacheOptions } from '../ts/index.js';
import { cacheStatus, ManualNow, request, serve, until } from './helpers/http.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

async function setup(
  t: Parameters<typeof serve>[0],
  respond: (req: IncomingMessage, res: ServerResponse, call: number) => void | Promise<void>,
  options: HttpCacheOptions = {},
) {
  const clock = new ManualNow();
  let calls = 0;
  let arrived = 0;
  const cached = httpCache((req, res) => respond(req, res, ++calls), { metrics: false, now: clock.now, ...options });
  t.teardown(() => cached.close());
  const { port } = await serve(t, (req, res) => {
    arrived++;
    cached(req, res);
  });
  return { port, cached, clock, calls: () => calls, arrived: () => arrived };
}

test('N concurrent identical requests run the handler once', async (t) => {
  const g = gate();
  const N = 25;
  const { port, calls, arrived, cached } = await setup(t, async (_req, res, call) => {
    await g.opened;
    res.setHeader('Cache-Control', 'max-age=60');
    res.end(`call ${call}`);
  });
  const replies = Array.from({ length: N }, () => request(port, '/hot?x=1', { headers: { 'accept-encoding': 'gzip' } }));
  await until('every request reached the cache', () => arrived() === N);
  g.open();
  const all = await Promise.all(replies);
  t.is(calls(), 1);
  t.true(all.every((r) => r.status === 200 && r.text === 'call 1'));
  t.is(all.filter((r) => cacheStatus(r).collapsed === true).length, N - 1);
  t.is(cached.stats().collapsed, N - 1);
  t.is(cached.stats().misses, 1);
});

test('concurrent requests for different variants are not collapsed into one another', async (t) => {
  const g = gate();
  const { port, calls, arrived } = await setup(t, async (req, res) => {
    const lang = req.headers['x-lang'];
    await g.opened;
    res.setHeader('Cache-Control', 'max-age=60');
    res.end(`lang=${lang}`);
  });
  const langs = ['en', 'fr', 'en', 'de', 'fr', 'en'];
  const replies = langs.map((lang) => request(port, '/v', { headers: { 'x-lang': lang } }));
  await until('all arrived', () => arrived() === langs.length);
  g.open();
  const all = await Promise.all(replies);
  all.forEach((r, i) => t.is(r.text, `lang=${langs[i]}`));
  t.true(calls() >= 3 && calls() <= langs.length, `${calls()} calls`);
});

test('a response that cannot be stored is not shared with the requests that waited on it', async (t) => {
  const g = gate();
  const N = 5;
  const { port, calls, arrived } = await setup(t, async (_req, res, call) => {
    await g.opened;
    res.setHeader('Cache-Control', 'private, max-age=60');
    res.end(`call ${call}`);
  });
  const replies = Array.from({ length: N }, () => request(port, '/p'));
  await until('all arrived', () => arrived() === N);
  g.open();
  const all = await Promise.all(replies);
  t.is(calls(), N);
  t.is(new Set(all.map((r) => r.text)).size, N, 'every request got its own private response');
});

test('waiting is bounded: past coalesceTimeoutMs a request runs its own handler call', async (t) => {
  const g = gate();
  let first = true;
  const { port, calls } = await setup(
    t,
    async (_req, res, call) => {
      if (first) {
        first = false;
        await g.opened; // the first call hangs until the test ends
      }
      res.setHeader('Cache-Control', 'max-age=60');
      res.end(`call ${call}`);
    },
    { coalesceTimeoutMs: 50 },
  );
  const hanging = request(port, '/slow').catch(() => null);
  await until('the first call started', () => calls() === 1);
  const second = await request(port, '/slow');
  t.is(second.text, 'call 2');
  g.open();
  await hanging;
});

test('stale-while-revalidate: the stale response is served at once and refreshed once in the background', async (t) => {
  const g = gate();
  let refreshStarted = false;
  const { port, clock, calls, cached } = await setup(t, async (_req, res, call) => {
    if (call === 2) {
      refreshStarted = true;
      await g.opened;
    }
    res.setHeader('Cache-Control', 'max-age=10, stale-while-revalidate=60');
    res.end(`call ${call}`);
  });
  await request(port, '/s');
  clock.advance(15_000);
  const stale = await Promise.all([request(port, '/s'), request(port, '/s'), request(port, '/s')]);
  for (const r of stale) {
    t.is(r.text, 'call 1');
    t.is(cacheStatus(r).detail, 'stale-while-revalidate');
    t.is(cacheStatus(r).ttl, '-5');
  }
  await until('the refresh started', () => refreshStarted);
  t.is(calls(), 2, 'one refresh for three stale hits');
  g.open();
  await until('the refresh was stored', () => cached.stats().stores === 2);
  const fresh = await request(port, '/s');
  t.is(fresh.text, 'call 2');
  t.true(cacheStatus(fresh).hit);
  t.is(cached.stats().revalidations, 1);
  t.is(cached.stats().stale, 3);
});

test('stale-while-revalidate: a failed refresh keeps the stale response; past the window it is a miss', async (t) => {
  let fail = false;
  const { port, clock, calls, cached } = await setup(t, (_req, res, call) => {
    res.setHeader('Cache-Control', 'max-age=10, stale-while-revalidate=30');
    res.statusCode = fail ? 503 : 200;
    res.end(`call ${call}`);
  });
  await request(port, '/s');
  fail = true;
  clock.advance(20_000);
  t.is((await request(port, '/s')).text, 'call 1');
  await until('the refresh ran', () => calls() === 2);
  await until('the refresh finished', () => cached.stats().revalidations === 1);
  t.is((await request(port, '/s')).text, 'call 1', 'still the stale one');
  clock.advance(25_000);
  const miss = await request(port, '/s');
  t.is(miss.status, 503);
});

test('close() waits for background refreshes and the process keeps no timers', async (t) => {
  const { port, clock, cached, calls } = await setup(t, (_req, res, call) => {
    res.setHeader('Cache-Control', 'max-age=1, stale-while-revalidate=60');
    res.end(`call ${call}`);
  });
  await request(port, '/c');
  clock.advance(2000);
  await request(port, '/c');
  await cached.close();
  t.is(calls(), 2);
  // After close the handler still works, uncached.
  const after = await request(port, '/c');
  t.is(cacheStatus(after).fwd, 'bypass');
});
