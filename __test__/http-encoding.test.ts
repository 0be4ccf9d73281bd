/**
 * Compress once, serve many: content-coding negotiation (the table), the
 * stored zstd representation, br/gzip/identity produced once, small and
 * already-compressed bodies left alone, Vary: Accept-Encoding always.
 */
import test from 'ava';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { httpCache, negotiate, type Coding, type HttpCacheOptions } from '../ts/index.js';
import { cacheStatus, jsonBody, ManualNow, request, serve } from './helpers/http.js';
import { randomBytes } from './helpers/payloads.js';

const ALL: ReadonlySet<Coding> = new Set(['zstd', 'br', 'gzip', 'identity']);
const IDENTITY: ReadonlySet<Coding> = new Set(['identity']);

// [Accept-Encoding, chosen with every coding available, chosen with identity only]
const TABLE: Array<[string | undefined, Coding | null, Coding | null]> = [
  ['zstd', 'zstd', 'identity'],
  ['br;q=1, zstd;q=0.5', 'br', 'identity'],
  ['zstd;q=0', 'identity', 'identity'],
  ['*', 'zstd', 'identity'],
  ['identity;q=0', null, null],
  ['', 'identity', 'identity'],
  [undefined, 'identity', 'identity'],
  ['compress, x-unknown', 'identity', 'identity'],
  ['gzip', 'gzip', 'identity'],
  ['x-gzip', 'gzip', 'identity'],
  ['gzip, deflate, br, zstd', 'zstd', 'identity'],
  ['gzip, deflate, br', 'br', 'identity'],
  ['GZIP;Q=0.8, BR;q=0.9', 'br', 'identity'],
  ['gzip;q=0.5, br;q=0.5', 'br', 'identity'],
  ['*;q=0', null, null],
  ['*;q=0, identity', 'identity', 'identity'],
  ['*;q=0.5, zstd;q=0', 'br', 'identity'],
  ['identity;q=1, gzip;q=0.5', 'identity', 'identity'],
  ['gzip;q=abc', 'identity', 'identity'],
  ['gzip;q=1.5, br', 'br', 'identity'],
  [' , ;;, zstd ;  q=0.1 ', 'zstd', 'identity'],
];

for (const [header, withAll, identityOnly] of TABLE) {
  test(`negotiate: Accept-Encoding ${JSON.stringify(header)} -> ${withAll} (identity only: ${identityOnly})`, (t) => {
    t.is(negotiate(header, ALL), withAll);
    t.is(negotiate(header, IDENTITY), identityOnly);
  });
}

async function setup(t: Parameters<typeof serve>[0], respond: (req: IncomingMessage, res: ServerResponse) => void, options: HttpCacheOptions = {}) {
  let calls = 0;
  const cached = httpCache(
    (req, res) => {
      calls++;
      respond(req, res);
    },
    { metrics: false, now: new ManualNow().now, ...options },
  );
  t.teardown(() => cached.close());
  const { port } = await serve(t, cached);
  return { port, cached, calls: () => calls };
}

const BIG = jsonBody(64 * 1024);

function json(body: string) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'max-age=60');
    res.end(body);
  };
}

test('the table over HTTP: every Accept-Encoding gets the coding negotiate() picks, with the same content', async (t) => {
  const { port, calls } = await setup(t, json(BIG));
  for (const [header, expected] of TABLE) {
    const reply = await request(port, '/data', { headers: header === undefined ? {} : { 'accept-encoding': header } });
    t.is(reply.headers.vary, 'Accept-Encoding', `${header}`);
    if (expected === null) {
      t.is(reply.status, 406, `${header}`);
      continue;
    }
    t.is(reply.status, 200, `${header}`);
    t.is(reply.headers['content-encoding'], expected === 'identity' ? undefined : expected, `${header}`);
    t.is(reply.text, BIG, `${header}`);
    t.is(Number(reply.headers['content-length']), reply.body.length);
  }
  t.is(calls(), 1, 'one handler call served every coding');
});

test('each representation is produced once and reused; the stored form is zstd', async (t) => {
  const { port, cached } = await setup(t, json(BIG));
  const first = await request(port, '/d', { headers: { 'accept-encoding': 'zstd' } });
  t.is(first.headers['content-encoding'], 'zstd');
  t.true(first.body.length < BIG.length / 3, `zstd ${first.body.length} vs ${BIG.length}`);
  for (let i = 0; i < 3; i++) {
    for (const coding of ['br', 'gzip', 'identity']) await request(port, '/d', { headers: { 'accept-encoding': coding } });
  }
  const s = cached.stats();
  t.deepEqual(s.encodings, { br: 1, gzip: 1, identity: 1 }, 'identity decoded from the stored zstd once, then stored too');
  t.is(s.hits, 9);
  t.true(s.identityBytes / s.sentBytes > 1.5, `compression ratio ${s.identityBytes / s.sentBytes}`);
  // Each coding has its own strong ETag.
  const tags = new Set<string>();
  for (const coding of ['zstd', 'br', 'gzip', 'identity']) tags.add((await request(port, '/d', { headers: { 'accept-encoding': coding } })).headers.etag!);
  t.is(tags.size, 4);
});

test('small bodies are served as identity only', async (t) => {
  const { port } = await setup(t, json('{"small":true}'));
  await request(port, '/s', { headers: { 'accept-encoding': 'zstd, br, gzip' } });
  const hit = await request(port, '/s', { headers: { 'accept-encoding': 'zstd, br, gzip' } });
  t.true(cacheStatus(hit).hit);
  t.is(hit.headers['content-encoding'], undefined);
  t.is(hit.headers.vary, 'Accept-Encoding');
  t.is(hit.text, '{"small":true}');
});

test('already-compressed media and incompressible bodies are not compressed again', async (t) => {
  const png = randomBytes(20_000);
  const { port } = await setup(t, (req, res) => {
    res.setHeader('Cache-Control', 'max-age=60');
    res.setHeader('Content-Type', req.url === '/img' ? 'image/png' : 'application/json');
    res.end(req.url === '/img' ? png : randomBytes(20_000, 7));
  });
  for (const path of ['/img', '/random']) {
    await request(port, path, { headers: { 'accept-encoding': 'zstd' } });
    const hit = await request(port, path, { headers: { 'accept-encoding': 'zstd, br, gzip' } });
    t.true(cacheStatus(hit).hit, path);
    t.is(hit.headers['content-encoding'], undefined, path);
    t.is(hit.body.length, 20_000, path);
  }
});

test('a body the handler already content-encoded is passed on, not stored', async (t) => {
  const { port, calls } = await setup(t, (_req, res) => {
    res.setHeader('Cache-Control', 'max-age=60');
    res.setHeader('Content-Encoding', 'gzip');
    res.end(gzipSync(BIG));
  });
  const a = await request(port, '/g', { headers: { 'accept-encoding': 'gzip' } });
  t.is(a.text, BIG);
  t.is(cacheStatus(a).detail, 'encoded');
  await request(port, '/g', { headers: { 'accept-encoding': 'gzip' } });
  t.is(calls(), 2);
});

test('compression: false stores and serves identity', async (t) => {
  const { port } = await setup(t, json(BIG), { compression: false });
  await request(port, '/i');
  const hit = await request(port, '/i', { headers: { 'accept-encoding': 'zstd' } });
  t.true(cacheStatus(hit).hit);
  t.is(hit.headers['content-encoding'], undefined);
  t.is(hit.text, BIG);
});
