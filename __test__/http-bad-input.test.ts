/**
 * Bad input passes through uncached and never crashes the server: odd
 * methods, malformed and huge request targets, odd headers, handlers that
 * throw or reject or stream too much, a store that fails or holds garbage,
 * and invalid options (TypeError/RangeError naming the option).
 */
import test from 'ava';
import net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpCache, LocalCache, MetricsRegistry, metricsHandler, type HttpCacheOptions, type HttpCacheStore } from '../ts/index.js';
import { cacheStatus, ManualNow, request, serve } from './helpers/http.js';

async function setup(t: Parameters<typeof serve>[0], respond: (req: IncomingMessage, res: ServerResponse) => unknown, options: HttpCacheOptions = {}) {
  const errors: unknown[] = [];
  let calls = 0;
  const cached = httpCache(
    (req, res) => {
      calls++;
      return respond(req, res);
    },
    { metrics: false, now: new ManualNow().now, onError: (e) => errors.push(e), ...options },
  );
  t.teardown(() => cached.close());
  const { port } = await serve(t, cached);
  return { port, cached, errors, calls: () => calls };
}

const ok = (req: IncomingMessage, res: ServerResponse): void => {
  res.setHeader('Cache-Control', 'max-age=60');
  res.end(`${req.method} ${req.url}`);
};

/** Sends raw bytes and returns the raw response text. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(Buffer.from(text, 'latin1')));
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

test('unsupported methods pass through to the handler uncached', async (t) => {
  const { port, calls } = await setup(t, ok);
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND']) {
    const r = await request(port, '/m', { method });
    t.is(r.status, 200, method);
    t.is(cacheStatus(r).fwd, 'bypass', method);
  }
  t.is(calls(), 6);
});

test('malformed and huge request targets pass through uncached; the server keeps serving', async (t) => {
  const { port, calls } = await setup(t, ok, { maxUrlLength: 2000 });
  const absolute = await raw(port, 'GET http://evil.example/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  t.regex(absolute, /^HTTP\/1\.1 200/);
  t.regex(absolute, /fwd=bypass/);
  const star = await raw(port, 'OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  t.regex(star, /^HTTP\/1\.1 200/);
  const latin = await raw(port, 'GET /caf\xe9?x=\xff HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  // node:http refuses raw non-ASCII targets itself; were one let through, the cache would bypass it.
  t.regex(latin, /fwd=bypass|^HTTP\/1\.1 400/);
  const long = await request(port, '/' + 'a'.repeat(3000));
  t.is(cacheStatus(long).fwd, 'bypass');
  const pct = await request(port, '/%zz%?%%=%&&&=');
  t.is(pct.status, 200);
  t.is((await request(port, '/%zz%?%%=%&&&=')).text, 'GET /%zz%?=&%%=%', 'bad percent-encoding is keyed as sent, empty members dropped');
  const weirdHost = await request(port, '/h', { headers: { host: 'a b<script>' } });
  t.is(cacheStatus(weirdHost).fwd, 'bypass');
  const fine = await request(port, '/still-alive');
  t.is(fine.status, 200);
  t.true(calls() >= 6);
});

test('huge and odd headers never crash it', async (t) => {
  const { port } = await setup(t, ok);
  const big = await request(port, '/a', { headers: { 'x-big': 'v'.repeat(12_000), 'accept-encoding': 'x'.repeat(4000) + ';q=0.5, gzip;q=' } });
  t.is(big.status, 200);
  const repeated = await raw(port, 'GET /r HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\nAccept-Encoding: br\r\nCache-Control: max-age=abc, no-cache="x\r\nVary: x\r\nConnection: close\r\n\r\n');
  t.regex(repeated, /^HTTP\/1\.1 200/);
  const tooLarge = await request(port, '/a', { headers: { 'x-huge': 'v'.repeat(70_000) } }).catch(() => null);
  t.true(tooLarge === null || tooLarge.status === 431, 'node:http refuses it before the handler');
  t.is((await request(port, '/alive')).status, 200);
});

test('a handler that throws or rejects gets a 500; nothing is stored; the error is reported', async (t) => {
  const { port, errors } = await setup(t, (req, res) => {
    res.setHeader('Cache-Control', 'max-age=60');
    if (req.url === '/throw') throw new Error('sync');
    return Promise.reject(new Error('async'));
  });
  const a = await request(port, '/throw');
  const b = await request(port, '/reject');
  t.is(a.status, 500);
  t.is(b.status, 500);
  t.is((await request(port, '/throw')).status, 500);
  t.deepEqual(
    errors.map((e) => (e as Error).message),
    ['sync', 'async', 'sync'],
  );
});

test('a body larger than maxBodyBytes streams through, complete and uncached', async (t) => {
  const { port, calls } = await setup(
    t,
    (_req, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      for (let i = 0; i < 10; i++) res.write('x'.repeat(1000));
      res.end('end');
    },
    { maxBodyBytes: 4000 },
  );
  const a = await request(port, '/big');
  t.is(a.text.length, 10_003);
  t.is((await request(port, '/big')).text.length, 10_003);
  t.is(calls(), 2);
});

test('a failing store is a miss, never an error for the client', async (t) => {
  const failing: HttpCacheStore = {
    get: () => Promise.reject(new Error('store down')),
    set: () => {
      throw new Error('store full');
    },
    delete: () => undefined,
  };
  const { port, errors } = await setup(t, ok, { cache: failing });
  t.is((await request(port, '/a')).status, 200);
  t.is((await request(port, '/a')).status, 200);
  t.true(errors.some((e) => (e as Error).message === 'store down'));
  t.true(errors.some((e) => (e as Error).message === 'store full'));
});

test('bytes in the store that are not a record are a miss', async (t) => {
  const cache = new LocalCache({ maxEntries: 100, metrics: false });
  const { port, calls } = await setup(t, ok, { cache });
  await request(port, '/a');
  const [key] = [...cache.keys()];
  for (const garbage of [Buffer.from('TH'), Buffer.from('TH\x01\x01\xff\xff\xff\xff{}'), Buffer.from('TH\x01\x01\x02\x00\x00\x00{]'), Buffer.from('hello')]) {
    cache.set(key, garbage);
    t.is((await request(port, '/a')).status, 200);
  }
  t.is(calls(), 5);
});

test('invalid options are a TypeError or RangeError naming the option', (t) => {
  const h = () => undefined;
  t.throws(() => httpCache(h, { ttlMs: -1 }), { instanceOf: RangeError, message: /options\.ttlMs/ });
  t.throws(() => httpCache(h, { setCookie: 'keep' as 'strip' }), { instanceOf: RangeError, message: /options\.setCookie/ });
  t.throws(() => httpCache(h, { keyHeaders: ['bad header'] }), { instanceOf: RangeError, message: /options\.keyHeaders\[0\]/ });
  t.throws(() => httpCache(h, { cache: {} as HttpCacheStore }), { instanceOf: TypeError, message: /options\.cache/ });
  t.throws(() => httpCache(h, { compression: { zstdLevel: 22 } }), { instanceOf: RangeError, message: /options\.compression\.zstdLevel/ });
  t.throws(() => httpCache(h, { bogus: 1 } as HttpCacheOptions), { instanceOf: TypeError, message: /options\.bogus/ });
  t.throws(() => httpCache(null as unknown as () => void), { instanceOf: TypeError, message: /handler/ });
});

test('metrics: per-route hit ratios and bytes in Prometheus text from metricsHandler', async (t) => {
  const registry = new MetricsRegistry();
  const cached = httpCache(ok, { metrics: registry, name: 'api' });
  t.teardown(() => cached.close());
  const { port } = await serve(t, (req, res) => (req.url === '/metrics' ? metricsHandler(registry)(req, res) : cached(req, res)));
  await request(port, '/products/1');
  await request(port, '/products/1');
  await request(port, '/products/1');
  await request(port, '/products/2');
  await request(port, '/users/abc');
  const text = (await request(port, '/metrics')).text;
  t.regex(text, /http_cache_hit_ratio\{http_cache_name="api",http_route="\/products\/:id"\} 0\.5\b/);
  t.regex(text, /http_cache_requests_total\{http_cache_name="api",http_cache_result="hit",http_route="\/products\/:id"\} 2\b/);
  t.regex(text, /http_cache_hit_ratio\{http_cache_name="api",http_route="\/users\/abc"\} 0\b/);
  t.regex(text, /http_cache_bytes_total\{http_cache_bytes_kind="sent",http_cache_name="api"\} \d+/);
  const routes = cached.stats().routes;
  t.is(routes['/products/:id'].hitRatio, 0.5);
});
