/**
 * TierCache over a real redis-server (one per file; each test its own
 * namespace): L2 fills L1, getMany/getOrSetMany, the codec, corrupt and
 * forged envelopes, signing, namespaces, both L1 stores, user clients,
 * the distributed lock, compare-and-set commits and close.
 */
import test from 'ava';
import Redis from 'ioredis';
import { ErrorCode, ManualClock, TierCache, type TierCacheError, type TierCacheOptions, type InvalidateEvent } from '../ts/index.js';
import { RedisServer } from './helpers/redis-server.js';
import { coherent, freshNamespace, guardUnhandledRejections, pause, tier, tierOptions, waitFor } from './helpers/tier.js';

let server: RedisServer;
let raw: Redis;

test.before(async () => {
  server = await RedisServer.start();
  raw = new Redis({ port: server.port, lazyConnect: true });
  await raw.connect();
});

test.after.always(async () => {
  raw?.disconnect();
  await server?.stop();
});

function make<V = unknown>(t: Parameters<typeof tier>[0], namespace: string, extra: TierCacheOptions = {}): TierCache<V> {
  return tier<V>(t, tierOptions(server.port, { namespace, ...extra }));
}

test('an L2 hit fills L1: the next get is an L1 hit, and another instance reads the value from Redis', async (t) => {
  const ns = freshNamespace();
  const a = make<{ n: number }>(t, ns);
  const b = make<{ n: number }>(t, ns);
  await a.set('k', { n: 1 });
  t.deepEqual(await b.get('k'), { n: 1 });
  t.deepEqual(b.stats().l2, { hits: 1, misses: 0, errors: 0 });
  await coherent(b);
  t.deepEqual(await b.get('k'), { n: 1 });
  t.is(b.stats().l1.hits, 1, 'filled from L2');
  t.is(await raw.exists(`{${ns}:k}`), 1, 'stored under the namespaced key');
});

test('a write on one instance drops the entry from the other instance’s L1 (publish mode)', async (t) => {
  const ns = freshNamespace();
  const a = make<number>(t, ns);
  const b = make<number>(t, ns);
  await Promise.all([coherent(a), coherent(b)]);
  await a.set('k', 1);
  t.is(await b.get('k'), 1);
  const events: InvalidateEvent[] = [];
  b.on('invalidate', (e) => events.push(e));
  await a.set('k', 2);
  await waitFor('b received the invalidation', () => events.some((e) => e.scope === 'key' && e.key === 'k'));
  t.is(await b.get('k'), 2);
  t.is(events[0].source, 'remote');
  t.true(typeof events[0].version === 'number' && events[0].version > 0, 'messages carry the Redis-issued version');
});

test('getMany and getOrSetMany with partial misses: one loader call for exactly the missing keys, in order', async (t) => {
  const ns = freshNamespace();
  const a = make<string>(t, ns);
  const b = make<string>(t, ns);
  await a.setMany([
    ['k1', 'v1'],
    ['k3', 'v3'],
  ]);
  t.deepEqual(await b.getMany(['k1', 'k2', 'k3', 'k1']), ['v1', undefined, 'v3', 'v1']);
  const asked: string[][] = [];
  const values = await b.getOrSetMany(['k1', 'k2', 'k3', 'k4', 'k2'], async (keys) => {
    asked.push(keys);
    return keys.map((k) => `loaded-${k}`);
  });
  t.deepEqual(values, ['v1', 'loaded-k2', 'v3', 'loaded-k4', 'loaded-k2']);
  t.deepEqual(asked, [['k2', 'k4']]);
  t.deepEqual(await a.getMany(['k2', 'k4']), ['loaded-k2', 'loaded-k4'], 'loaded values went to Redis');
  const fromMap = await a.getOrSetMany(['m1', 'm2'], async () => new Map([['m2', 'two']]));
  t.deepEqual(fromMap, [undefined, 'two'], 'a Map result caches what it has');
  await t.throwsAsync(
    a.getOrSetMany(['x1', 'x2'], async () => ['only one']),
    { instanceOf: TypeError, message: /array of 2 values/ },
  );
});

test.serial('concurrent gets are coalesced into MGETs: many concurrent misses cost far fewer round trips', async (t) => {
  const ns = freshNamespace();
  const a = make<number>(t, ns, { l1: false });
  await a.setMany(Array.from({ length: 50 }, (_, i) => [`k${i}`, i] as const));
  const before = Number((await raw.info('commandstats')).match(/cmdstat_mget:calls=(\d+)/)?.[1] ?? 0);
  const values = await Promise.all(Array.from({ length: 50 }, (_, i) => a.get(`k${i}`)));
  t.deepEqual(values, Array.from({ length: 50 }, (_, i) => i));
  const after = Number((await raw.info('commandstats')).match(/cmdstat_mget:calls=(\d+)/)?.[1] ?? 0);
  t.true(after - before <= 3, `50 concurrent gets took ${after - before} MGETs`);
});

/** A user-supplied client whose MGETs are recorded (their keys) as they are sent. */
async function spiedClient(t: Parameters<typeof tier>[0]): Promise<{ client: Redis; mgets: string[][] }> {
  const client = new Redis({ port: server.port, lazyConnect: true });
  await client.connect();
  t.teardown(() => client.disconnect());
  const mgets: string[][] = [];
  const original = client.mgetBuffer.bind(client) as (...args: unknown[]) => Promise<Array<Buffer | null>>;
  (client as unknown as { mgetBuffer: (...args: unknown[]) => Promise<Array<Buffer | null>> }).mgetBuffer = (...args: unknown[]) => {
    mgets.push((args.flat() as unknown[]).map(String));
    return original(...args);
  };
  return { client, mgets };
}

test('a read with nothing to coalesce with is sent at once; reads arriving while it is in flight are coalesced into one MGET', async (t) => {
  const ns = freshNamespace();
  const { client, mgets } = await spiedClient(t);
  const a = tier<number>(t, { namespace: ns, metrics: false, l1: false, l2: { redis: client, commandTimeoutMs: 2000 } });
  await a.setMany([
    ['k1', 1],
    ['k2', 2],
    ['k3', 3],
    ['k4', 4],
  ]);
  t.is(await a.get('k1'), 1); // loads the scripts of the shared client
  mgets.length = 0;
  const first = a.get('k1');
  t.is(mgets.length, 1, 'the lone read went out synchronously, without waiting for the tick');
  const rest = [a.get('k2'), a.get('k3'), a.getMany(['k4', 'k2'])];
  t.is(mgets.length, 1, 'reads behind an in-flight one wait to be coalesced');
  t.deepEqual(await Promise.all([first, ...rest]), [1, 2, 3, [4, 2]]);
  t.is(mgets.length, 2, 'one more MGET for the three calls behind it');
  t.deepEqual(mgets[1].filter((k) => k.startsWith(`{${ns}:`)).sort(), [`{${ns}:k2}`, `{${ns}:k3}`, `{${ns}:k4}`], 'each key once');
});

test('a write with nothing in flight is one EVALSHA sent at once; writes behind it go in one pipeline, and every message arrives in order', async (t) => {
  const ns = freshNamespace();
  const { client } = await spiedClient(t);
  const calls = { evalsha: 0, pipeline: 0 };
  const evalsha = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const pipeline = client.pipeline.bind(client);
  (client as unknown as { evalsha: (...args: unknown[]) => Promise<unknown> }).evalsha = (...args: unknown[]) => {
    calls.evalsha++;
    return evalsha(...args);
  };
  (client as unknown as { pipeline: typeof pipeline }).pipeline = (...args: Parameters<typeof pipeline>) => {
    calls.pipeline++;
    return pipeline(...args);
  };
  const a = tier<number>(t, { namespace: ns, metrics: false, l2: { redis: client, commandTimeoutMs: 2000 } });
  const b = make<number>(t, ns);
  await Promise.all([coherent(a), coherent(b)]);
  await a.set('k0', 0);
  await waitFor('b heard the first write', () => b.stats().invalidations.received === 1);
  calls.evalsha = calls.pipeline = 0;
  const first = a.set('k1', 1);
  t.deepEqual(calls, { evalsha: 1, pipeline: 0 }, 'the lone write went out synchronously');
  const rest = [a.set('k2', 2), a.delete('k0'), a.set('k3', 3)];
  t.deepEqual(calls, { evalsha: 1, pipeline: 0 }, 'writes behind an in-flight one wait for the tick');
  await Promise.all([first, ...rest]);
  t.deepEqual(calls, { evalsha: 1, pipeline: 1 }, 'one pipeline for the three writes behind it');
  await waitFor('b heard all four', () => b.stats().invalidations.received === 5);
  t.is(b.stats().flushes.gap, 0, 'sequence numbers stayed contiguous');
  t.deepEqual(await b.getMany(['k0', 'k1', 'k2', 'k3']), [undefined, 1, 2, 3]);
});

test('get and getMany read the clear marker but not the version counter; a load reads the counter (its basis)', async (t) => {
  const ns = freshNamespace();
  const { client, mgets } = await spiedClient(t);
  const a = tier<string>(t, { namespace: ns, metrics: false, l1: false, l2: { redis: client, commandTimeoutMs: 2000 } });
  await a.set('k', 'v');
  await a.get('k');
  mgets.length = 0;
  t.is(await a.get('k'), 'v');
  t.deepEqual(await a.getMany(['k', 'x']), ['v', undefined]);
  t.deepEqual(mgets, [
    [`{${ns}:k}`, `{${ns}}#c`],
    [`{${ns}:k}`, `{${ns}:x}`, `{${ns}}#c`],
  ]);
  mgets.length = 0;
  t.is(await a.getOrSet('missing', () => 'loaded'), 'loaded');
  t.true(mgets[0].includes(`{${ns}}#v`), `a load's read carries the counter: ${mgets[0].join(' ')}`);
});

test('concurrent reads of one key coalesced into one reply share its decoded value, except with the offheap L1 (a private copy per call)', async (t) => {
  const ns = freshNamespace();
  const shared = make<{ n: number }>(t, ns, { l1: false });
  const offheap = make<{ n: number }>(t, ns, { l1: { store: 'offheap' } });
  await shared.set('k', { n: 1 });
  await shared.get('k'); // in flight below: the next three calls coalesce behind a first one
  for (const [cache, same] of [
    [shared, true],
    [offheap, false],
  ] as const) {
    const [, x, y, [z]] = await Promise.all([cache.get('other'), cache.get('k'), cache.get('k'), cache.getMany(['k'])]);
    t.deepEqual([x, y, z], [{ n: 1 }, { n: 1 }, { n: 1 }]);
    t.is(x === y && y === z, same, same ? 'one decoded value' : 'a copy each');
  }
});

test('an invalid envelope read by several coalesced calls is counted and reported once', async (t) => {
  const ns = freshNamespace();
  const a = make<unknown>(t, ns, { l1: false });
  const errors: TierCacheError[] = [];
  a.on('error', (e) => errors.push(e as TierCacheError));
  await raw.set(`{${ns}:bad}`, 'written by another client');
  await a.get('warm');
  t.deepEqual(await Promise.all([a.get('warm'), a.get('bad'), a.get('bad'), a.getMany(['bad', 'bad'])]), [undefined, undefined, undefined, [undefined, undefined]]);
  t.is(a.stats().invalidEnvelopes, 1);
  t.is(errors.filter((e) => e.code === ErrorCode.TIER_INVALID_ENVELOPE).length, 1);
});

test('codec on: large values are stored compressed; off: raw; each cache reads both', async (t) => {
  const ns = freshNamespace();
  const big = { text: 'tiercache '.repeat(2000) };
  const on = make<typeof big>(t, ns);
  const off = make<typeof big>(t, ns, { codec: false });
  await on.set('z', big);
  await off.set('r', big);
  const compressed = await raw.strlen(`{${ns}:z}`);
  const plain = await raw.strlen(`{${ns}:r}`);
  t.true(compressed < plain / 10, `compressed ${compressed} bytes vs raw ${plain}`);
  t.deepEqual(await off.get('z'), big);
  t.deepEqual(await on.get('r'), big);
});

test('bytes that are not a valid envelope are a miss, counted and reported, and getOrSet replaces them', async (t) => {
  guardUnhandledRejections(t);
  const ns = freshNamespace();
  const a = make<unknown>(t, ns, { l1: false });
  const errors: TierCacheError[] = [];
  a.on('error', (e) => errors.push(e as TierCacheError));
  await a.set('ok', 'fine');
  await a.set('json', { a: 1 });
  const valid = (await raw.getBuffer(`{${ns}:ok}`))!;
  const json = (await raw.getBuffer(`{${ns}:json}`))!;
  const future = Buffer.from(valid);
  future[2] = 9; // a later format version
  const badFlags = Buffer.from(valid);
  badFlags[3] |= 0x80;
  await raw.set(`{${ns}:foreign}`, 'written by another client');
  await raw.set(`{${ns}:truncated}`, valid.subarray(0, 30));
  await raw.set(`{${ns}:future}`, future);
  await raw.set(`{${ns}:flags}`, badFlags);
  await raw.set(`{${ns}:short}`, valid.subarray(0, valid.length - 2)); // truncated inside the payload
  await raw.set(`{${ns}:garbled}`, Buffer.concat([json.subarray(0, json.length - 1), Buffer.from([0xff])])); // undecodable JSON
  await raw.hset(`{${ns}:hash}`, 'f', 'v');
  const keys = ['foreign', 'truncated', 'future', 'flags', 'short', 'garbled', 'hash'];
  t.deepEqual(await a.getMany(keys), keys.map(() => undefined));
  t.is(a.stats().invalidEnvelopes, 6, 'the hash reads as absent (MGET returns nil for it)');
  t.true(errors.every((e) => e.code === ErrorCode.TIER_INVALID_ENVELOPE));
  t.deepEqual(errors.map((e) => (e as TierCacheError & { key: string }).key).sort(), ['flags', 'foreign', 'future', 'garbled', 'short', 'truncated']);
  t.is(await a.getOrSet('foreign', () => 'replaced'), 'replaced');
  t.is(await a.get('foreign'), 'replaced');
});

test('signing: unsigned, wrongly signed and moved envelopes are rejected and counted; signed ones read', async (t) => {
  const ns = freshNamespace();
  const secret = 'a-secret-of-at-least-16-bytes';
  const signed = make<string>(t, ns, { l1: false, signing: { secret } });
  const other = make<string>(t, ns, { l1: false, signing: { secret: 'another-secret-16-bytes!' } });
  const unsigned = make<string>(t, ns, { l1: false });
  await signed.set('s', 'genuine');
  t.is(await signed.get('s'), 'genuine');
  t.is(await other.get('s'), undefined, 'a different secret: rejected');
  t.is(await unsigned.get('s'), 'genuine', 'a cache without a secret still reads signed values');
  await unsigned.set('u', 'forged');
  t.is(await signed.get('u'), undefined, 'unsigned: rejected');
  await raw.set(`{${ns}:moved}`, (await raw.getBuffer(`{${ns}:s}`))!);
  t.is(await signed.get('moved'), undefined, 'a signed value copied to another key: rejected');
  t.is(signed.stats().badSignatures, 2);
  t.is(other.stats().badSignatures, 1);
});

test('namespaces isolate keys, clear() and invalidations', async (t) => {
  const red = make<string>(t, freshNamespace('red'));
  const blue = make<string>(t, freshNamespace('blue'));
  await Promise.all([coherent(red), coherent(blue)]);
  await red.set('k', 'r');
  await blue.set('k', 'b');
  const heard: InvalidateEvent[] = [];
  blue.on('invalidate', (e) => heard.push(e));
  await red.set('k', 'r2');
  await red.clear();
  await pause(50);
  t.is(await blue.get('k'), 'b');
  t.is(await red.get('k'), undefined);
  t.deepEqual(heard, [], 'nothing of red reached blue');
});

test('tags across instances: deleteByTag on one instance invalidates tagged entries in the other’s L1', async (t) => {
  const ns = freshNamespace();
  const a = make<number>(t, ns);
  const b = make<number>(t, ns);
  await Promise.all([coherent(a), coherent(b)]);
  await a.set('p1', 1, { tags: ['product', 'p'] });
  await a.set('p2', 2, { tags: ['product'] });
  await a.set('o1', 3, { tags: ['order'] });
  t.deepEqual(await b.getMany(['p1', 'p2', 'o1']), [1, 2, 3]);
  await a.deleteByTag('product');
  await waitFor('b saw the tag', async () => (await b.get('p1')) === undefined);
  t.deepEqual(await b.getMany(['p1', 'p2', 'o1']), [undefined, undefined, 3]);
  await b.set('p1', 10, { tags: ['product'] });
  t.is(await a.get('p1'), 10, 'written after the invalidation: valid');
});

test('both L1 stores work over Redis and agree', async (t) => {
  const ns = freshNamespace();
  const value = { a: [1, 2, 3], s: 'x' };
  const v = make<typeof value>(t, ns, { l1: { maxEntries: 100 } });
  const o = make<typeof value>(t, ns, { l1: { store: 'offheap', maxEntries: 100 } });
  // Live buses first: a subscriber that connects flushes its L1 (it may have missed messages).
  await Promise.all([coherent(v), coherent(o)]);
  await v.set('k', value);
  t.deepEqual(await o.get('k'), value, 'an L2 hit, decoded, fills the offheap L1');
  const first = (await o.get('k'))!;
  first.a.push(4);
  t.deepEqual(await o.get('k'), value, 'offheap L1 hit is a fresh copy');
  t.is(o.stats().l1.hits, 2);
});

test('a user-supplied ioredis client is used as given and is still open after close()', async (t) => {
  const client = new Redis({ port: server.port });
  t.teardown(() => client.disconnect());
  const ns = freshNamespace();
  const cache = new TierCache<string>({ namespace: ns, metrics: false, l2: { redis: client, commandTimeoutMs: 2000 } });
  await cache.set('k', 'v');
  t.is(await cache.get('k'), 'v');
  await cache.close();
  t.is(client.status, 'ready');
  t.is(await client.exists(`{${ns}:k}`), 1);
});

test.serial('close() releases every connection TierCache created', async (t) => {
  const ns = freshNamespace();
  const before = await server.connectedClients();
  const cache = new TierCache({ ...tierOptions(server.port, { namespace: ns }), l2: { redis: `redis://127.0.0.1:${server.port}`, pool: { size: 3 } } });
  t.teardown(() => cache.close());
  await coherent(cache as TierCache<unknown>);
  await cache.set('k', 1);
  t.is(await server.connectedClients(), before + 4, 'three command connections and one subscriber');
  await cache.close();
  await waitFor('connections closed', async () => (await server.connectedClients()) === before);
  t.pass();
});

test('distributed lock: concurrent getOrSet on two instances runs the loader once', async (t) => {
  guardUnhandledRejections(t);
  const ns = freshNamespace();
  const lock = { ttlMs: 10_000, waitMs: 5000, retryMs: 5 };
  const a = make<string>(t, ns, { lock });
  const b = make<string>(t, ns, { lock });
  let calls = 0;
  const loader = async (): Promise<string> => {
    calls++;
    await pause(100);
    return 'once';
  };
  const results = await Promise.all([a.getOrSet('k', loader), b.getOrSet('k', loader), a.getOrSet('k', loader), b.getOrSet('k', loader)]);
  t.deepEqual(results, ['once', 'once', 'once', 'once']);
  t.is(calls, 1);
  t.is(a.stats().locks.acquired + b.stats().locks.acquired, 1);
  t.is(await raw.exists(`{${ns}:k}#lock`), 0, 'the lock was released with the commit');
});

test('distributed lock: an instance that waits serves a stale value at once instead', async (t) => {
  guardUnhandledRejections(t);
  const ns = freshNamespace();
  const clock = new ManualClock(1_000_000);
  const a = make<string>(t, ns, { clock, ttlMs: 1000, staleMs: 60_000, lock: { waitMs: 5000 } });
  const b = make<string>(t, ns, { clock, ttlMs: 1000, staleMs: 60_000, lock: { waitMs: 5000 } });
  await a.set('k', 'old');
  t.is(await b.get('k'), 'old');
  await clock.advance(2000);
  let release!: (v: string) => void;
  const slow = a.getOrSet('k', () => new Promise<string>((r) => (release = r)));
  await waitFor('a holds the lock and runs its loader', async () => release !== undefined && (await raw.exists(`{${ns}:k}#lock`)) === 1);
  t.is(await b.getOrSet('k', () => 'b loaded'), 'old', 'b did not get the lock: stale at once');
  t.is(b.stats().staleServed.lock_wait, 1);
  release('new');
  t.is(await slow, 'new');
});

test('a loaded value loses to a write that landed during the load (compare-and-set): returned, not cached', async (t) => {
  guardUnhandledRejections(t);
  const ns = freshNamespace();
  const a = make<string>(t, ns);
  const b = make<string>(t, ns);
  let release!: (v: string) => void;
  const load = a.getOrSet('k', () => new Promise<string>((r) => (release = r)));
  await waitFor('loader started', () => release !== undefined);
  await b.set('k', 'written');
  release('loaded-before-the-write');
  t.is(await load, 'loaded-before-the-write', 'the caller gets its value');
  t.is(await b.get('k'), 'written');
  t.is(await a.get('k'), 'written', 'the stale load was never committed');
  t.is(a.stats().conflicts, 1);
});

test('TTL and grace across tiers on a manual clock: an L2 value past its TTL is not served fresh', async (t) => {
  guardUnhandledRejections(t);
  const ns = freshNamespace();
  const clock = new ManualClock(5_000_000);
  const a = make<string>(t, ns, { clock, ttlMs: 60_000, staleMs: 60_000 });
  const b = make<string>(t, ns, { clock, ttlMs: 60_000, staleMs: 60_000 });
  await a.set('k', 'v1');
  t.is(await b.get('k'), 'v1');
  await clock.advance(61_000);
  t.is(await b.get('k'), undefined, 'expired in both tiers');
  t.is(await b.getOrSet('k', () => Promise.reject(new Error('down'))), 'v1', 'within grace, on loader failure');
  t.is(await a.getOrSet('k', () => 'v2'), 'v2');
  t.is(await b.get('k'), 'v2');
  await clock.advance(200_000);
  await t.throwsAsync(b.getOrSet('k', () => Promise.reject(new Error('down'))), { message: 'down' });
});

test('prefetch warms the keys a caller will need (one batch load for the missing ones) and reports loader failures as events', async (t) => {
  guardUnhandledRejections(t);
  const ns = freshNamespace();
  const a = make<string>(t, ns);
  const b = make<string>(t, ns);
  await a.set('p1', 'already');
  const asked: string[][] = [];
  t.is(
    await a.prefetch(['p1', 'p2', 'p3'], async (keys) => {
      asked.push(keys);
      return keys.map((k) => `warm-${k}`);
    }),
    3,
  );
  t.deepEqual(asked, [['p2', 'p3']]);
  t.deepEqual(await b.getMany(['p1', 'p2', 'p3']), ['already', 'warm-p2', 'warm-p3'], 'warmed in Redis for every instance');
  const errors: Error[] = [];
  a.on('error', (e) => errors.push(e));
  t.is(await a.prefetch(['q1'], async () => Promise.reject(new Error('source down'))), 0);
  t.true(errors.some((e) => e.message === 'source down'));
  await t.throwsAsync(a.prefetch('nope' as never, async () => []), { instanceOf: TypeError, message: /keys must be an array/ });
});
