/**
 * httpCache and Cache-Control (RFC 9111): the handler's directives, the
 * request's no-cache, freshness on a manual clock, ETag and 304s, the
 * shared-cache rules for Set-Cookie and Authorization, HEAD, and 5xx.
 */
import test from 'ava';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpCache, type HttpCacheOptions } from '../ts/index.js';
import { cacheStatus, ManualNow, request, serve } from './helpers/http.js';

type Respond = (req: IncomingMessage, res: ServerResponse, call: number) => void;

async function setup(t: Parameters<typeof serve>[0], respond: Respond, options: HttpCacheOptions = {}) {
  const clock = new ManualNow();
  let calls = 0;
  const cached = httpCache((req, res) => respond(req, res, ++calls), { metrics: false, now: clock.now, ...options });
  t.teardown(() => cached.close());
  const { port } = await serve(t, cached);
  return { port, cached, clock, calls: () => calls };
}

function reply(cacheControl: string | null, extra: Record<string, string | string[]> = {}, status = 200): Respond {
  return (_req, res, call) => {
    res.statusCode = status;
    if (cacheControl !== null) res.setHeader('Cache-Control', cacheControl);
    for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
    res.end(`call ${call}`);
  };
}

test('max-age: fresh until it passes on the injected clock, then fetched again', async (t) => {
  const { port, clock, calls } = await setup(t, reply('max-age=10'));
  await request(port, '/a');
  clock.advance(9_999);
  const hit = await request(port, '/a');
  t.true(cacheStatus(hit).hit);
  t.is(cacheStatus(hit).ttl, '0');
  t.is(hit.headers.age, '9');
  t.is(hit.text, 'call 1');
  clock.advance(1);
  const miss = await request(port, '/a');
  t.is(miss.text, 'call 2');
  t.is(cacheStatus(miss).fwd, 'stale');
  t.is(calls(), 2);
});

test('s-maxage wins over max-age for a shared cache', async (t) => {
  const { port, clock } = await setup(t, reply('max-age=1, s-maxage=100'));
  await request(port, '/a');
  clock.advance(50_000);
  t.true(cacheStatus(await request(port, '/a')).hit);
});

test('Expires is used when there is no max-age; an invalid Expires is already stale', async (t) => {
  const clock = new ManualNow();
  const expires = new Date(clock.now() + 30_000).toUTCString();
  const date = new Date(clock.now()).toUTCString();
  let calls = 0;
  const cached = httpCache(
    (req, res) => {
      calls++;
      if (req.url === '/bad') res.setHeader('Expires', '0');
      else {
        res.setHeader('Expires', expires);
        res.setHeader('Date', date);
      }
      res.end('e');
    },
    { metrics: false, now: clock.now },
  );
  t.teardown(() => cached.close());
  const { port } = await serve(t, cached);
  await request(port, '/good');
  clock.advance(29_000);
  t.true(cacheStatus(await request(port, '/good')).hit);
  await request(port, '/bad');
  t.is(cacheStatus(await request(port, '/bad')).detail, 'not-fresh');
  t.is(calls, 3);
});

test('no-store, private and no-cache responses are never stored', async (t) => {
  for (const directive of ['no-store', 'private', 'private="set-cookie"', 'no-cache', 'max-age=60, no-store']) {
    const { port, calls } = await setup(t, reply(directive));
    await request(port, '/a');
    const second = await request(port, '/a');
    t.is(second.text, 'call 2', directive);
    t.is(calls(), 2, directive);
  }
});

test('without freshness information nothing is stored, unless ttlMs gives a default', async (t) => {
  const none = await setup(t, reply(null));
  await request(none.port, '/a');
  t.is(cacheStatus(await request(none.port, '/a')).detail, 'not-fresh');
  const withDefault = await setup(t, reply(null), { ttlMs: 5000 });
  await request(withDefault.port, '/a');
  t.true(cacheStatus(await request(withDefault.port, '/a')).hit);
  withDefault.clock.advance(5000);
  t.is((await request(withDefault.port, '/a')).text, 'call 2');
});

test('request Cache-Control: no-cache and Pragma: no-cache go to the origin and refresh the entry', async (t) => {
  const { port, calls } = await setup(t, reply('max-age=60'));
  await request(port, '/a');
  const forced = await request(port, '/a', { headers: { 'cache-control': 'no-cache' } });
  t.is(forced.text, 'call 2');
  t.is(cacheStatus(forced).fwd, 'request');
  const pragma = await request(port, '/a', { headers: { pragma: 'no-cache' } });
  t.is(pragma.text, 'call 3');
  const after = await request(port, '/a');
  t.is(after.text, 'call 3', 'the refreshed response replaced the stored one');
  t.true(cacheStatus(after).hit);
  t.is(calls(), 3);
});

test('request max-age limits the age of what may be served; only-if-cached answers 504 on a miss', async (t) => {
  const { port, clock } = await setup(t, reply('max-age=60'));
  await request(port, '/a');
  clock.advance(20_000);
  t.true(cacheStatus(await request(port, '/a', { headers: { 'cache-control': 'max-age=30' } })).hit);
  const tooOld = await request(port, '/a', { headers: { 'cache-control': 'max-age=10' } });
  t.is(tooOld.text, 'call 2');
  const onlyCached = await request(port, '/other', { headers: { 'cache-control': 'only-if-cached' } });
  t.is(onlyCached.status, 504);
});

test('honorRequestDirectives: false ignores client no-cache', async (t) => {
  const { port, calls } = await setup(t, reply('max-age=60'), { honorRequestDirectives: false });
  await request(port, '/a');
  t.true(cacheStatus(await request(port, '/a', { headers: { 'cache-control': 'no-cache' } })).hit);
  t.is(calls(), 1);
});

test('ETag: generated when the handler sets none; If-None-Match answers 304 with the validators and no body', async (t) => {
  const { port } = await setup(t, reply('max-age=60', { 'Last-Modified': 'Tue, 01 Dec 2026 00:00:00 GMT' }));
  const first = await request(port, '/a');
  const etag = first.headers.etag!;
  t.regex(etag, /^"[A-Za-z0-9_-]{22}"$/);
  const notModified = await request(port, '/a', { headers: { 'if-none-match': etag } });
  t.is(notModified.status, 304);
  t.is(notModified.body.length, 0);
  t.is(notModified.headers.etag, etag);
  t.is(notModified.headers['cache-control'], 'max-age=60');
  const weak = await request(port, '/a', { headers: { 'if-none-match': `"nope", W/${etag}` } });
  t.is(weak.status, 304, 'If-None-Match uses the weak comparison');
  t.is((await request(port, '/a', { headers: { 'if-none-match': '"other"' } })).status, 200);
  t.is((await request(port, '/a', { headers: { 'if-none-match': '*' } })).status, 304);
  const since = await request(port, '/a', { headers: { 'if-modified-since': 'Wed, 02 Dec 2026 00:00:00 GMT' } });
  t.is(since.status, 304);
  const before = await request(port, '/a', { headers: { 'if-modified-since': 'Mon, 30 Nov 2026 00:00:00 GMT' } });
  t.is(before.status, 200);
});

test("a handler's ETag is kept; the handler never sees the client's conditional headers", async (t) => {
  const seen: Array<string | undefined> = [];
  const { port } = await setup(t, (req, res) => {
    seen.push(req.headers['if-none-match']);
    res.setHeader('Cache-Control', 'max-age=60');
    res.setHeader('ETag', '"v1"');
    res.end('body');
  });
  const miss = await request(port, '/a', { headers: { 'if-none-match': '"v1"' } });
  t.is(miss.status, 304, 'the 304 is computed by the cache from the full response');
  t.deepEqual(seen, [undefined]);
  const hit = await request(port, '/a');
  t.is(hit.headers.etag, '"v1"');
  t.is(hit.text, 'body');
});

test('Set-Cookie: not stored by default; with setCookie: strip, stored without it and only its client gets the cookie', async (t) => {
  const bypass = await setup(t, reply('max-age=60', { 'Set-Cookie': 'session=abc' }));
  await request(bypass.port, '/a');
  const again = await request(bypass.port, '/a');
  t.is(cacheStatus(again).detail, 'set-cookie');
  t.is(bypass.calls(), 2);
  t.deepEqual(again.headers['set-cookie'], ['session=abc']);

  const strip = await setup(t, reply('max-age=60', { 'Set-Cookie': ['session=abc', 'x=1'] }), { setCookie: 'strip' });
  const leader = await request(strip.port, '/a');
  t.deepEqual(leader.headers['set-cookie'], ['session=abc', 'x=1']);
  const hit = await request(strip.port, '/a');
  t.true(cacheStatus(hit).hit);
  t.is(hit.headers['set-cookie'], undefined);
});

test('Authorization: bypassed by default; under rfc9111 stored only with public, s-maxage or must-revalidate', async (t) => {
  const bypass = await setup(t, reply('public, max-age=60'));
  const a = await request(bypass.port, '/a', { headers: { authorization: 'Bearer 1' } });
  t.is(cacheStatus(a).fwd, 'bypass');
  await request(bypass.port, '/a', { headers: { authorization: 'Bearer 1' } });
  t.is(bypass.calls(), 2);

  const plain = await setup(t, reply('max-age=60'), { authorization: 'rfc9111' });
  await request(plain.port, '/a', { headers: { authorization: 'Bearer 1' } });
  const other = await request(plain.port, '/a', { headers: { authorization: 'Bearer 2' } });
  t.is(cacheStatus(other).detail, 'authorization');
  t.is(other.text, 'call 2');
  // An unauthenticated response is not served to an authenticated request without the explicit permission.
  await request(plain.port, '/b');
  t.is((await request(plain.port, '/b', { headers: { authorization: 'Bearer 1' } })).text, 'call 4');

  for (const directive of ['public, max-age=60', 's-maxage=60', 'max-age=60, must-revalidate']) {
    const allowed = await setup(t, reply(directive), { authorization: 'rfc9111' });
    await request(allowed.port, '/a', { headers: { authorization: 'Bearer 1' } });
    const hit = await request(allowed.port, '/a', { headers: { authorization: 'Bearer 2' } });
    t.true(cacheStatus(hit).hit, directive);
  }
});

test('HEAD: a miss runs the handler as GET, stores the full body, and answers without one', async (t) => {
  const methods: string[] = [];
  const { port } = await setup(t, (req, res) => {
    methods.push(req.method!);
    res.setHeader('Cache-Control', 'max-age=60');
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ big: 'x'.repeat(5000) }));
  });
  const head = await request(port, '/a', { method: 'HEAD', headers: { 'accept-encoding': 'zstd' } });
  t.is(head.status, 200);
  t.is(head.body.length, 0);
  const get = await request(port, '/a', { headers: { 'accept-encoding': 'zstd' } });
  t.true(cacheStatus(get).hit);
  t.is(head.headers['content-length'], String(get.body.length));
  t.is(head.headers['content-encoding'], 'zstd');
  t.is(JSON.parse(get.text).big.length, 5000);
  t.deepEqual(methods, ['GET']);
});

test('5xx responses are passed on and never stored', async (t) => {
  const { port, calls } = await setup(t, reply('max-age=60', {}, 503));
  const a = await request(port, '/a');
  t.is(a.status, 503);
  t.is(cacheStatus(a).detail, 'status');
  t.is((await request(port, '/a')).text, 'call 2');
  t.is(calls(), 2);
});

test('stale-if-error: a stale response replaces a 5xx within the window, and not after it', async (t) => {
  let failing = false;
  const { port, clock } = await setup(t, (_req, res, call) => {
    res.setHeader('Cache-Control', 'max-age=10, stale-if-error=60');
    res.statusCode = failing ? 500 : 200;
    res.end(`call ${call}`);
  });
  await request(port, '/a');
  failing = true;
  clock.advance(30_000);
  const stale = await request(port, '/a');
  t.is(stale.status, 200);
  t.is(stale.text, 'call 1');
  const status = cacheStatus(stale);
  t.is(status.fwd, 'stale');
  t.is(status['fwd-status'], '500');
  t.is(status.detail, 'stale-if-error');
  clock.advance(41_000);
  const expired = await request(port, '/a');
  t.is(expired.status, 500);
  t.is(expired.text, 'call 3');
});

test('stale-if-error also covers a handler that throws; must-revalidate forbids it', async (t) => {
  let fail = false;
  const { port, clock } = await setup(
    t,
    (req, res) => {
      if (fail) throw new Error('boom');
      res.setHeader('Cache-Control', req.url === '/strict' ? 'max-age=1, must-revalidate' : 'max-age=1');
      res.end('ok');
    },
    { staleIfErrorMs: 60_000, onError: () => {} },
  );
  await request(port, '/a');
  await request(port, '/strict');
  fail = true;
  clock.advance(5000);
  const saved = await request(port, '/a');
  t.is(saved.status, 200);
  t.is(saved.text, 'ok');
  const strict = await request(port, '/strict');
  t.is(strict.status, 500);
});
