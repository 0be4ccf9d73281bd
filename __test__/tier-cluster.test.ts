/**
 * TierCache on a Redis Cluster of three local masters that the test creates
 * (redis-server cluster-enabled + redis-cli --cluster create): the basic
 * suite — reads and writes over every master, coalesced MGETs across slots,
 * coherence between instances (messages published on any node reach every
 * subscriber), tombstones, compare-and-set, tags, clear, the lock, and a
 * user-supplied Cluster client.
 */
import test from 'ava';
import { Cluster } from 'ioredis';
import { TierCache, type TierCacheOptions, type InvalidateEvent } from '../ts/index.js';
import { RedisCluster } from './helpers/redis-cluster.js';
import { slotOf } from '../ts/tier/cluster-slot.js';
import { coherent, freshNamespace, guardUnhandledRejections, tier, waitFor } from './helpers/tier.js';

let cluster: RedisCluster;

test.before(async () => {
  cluster = await RedisCluster.start(undefined, 3);
});

test.after.always(async () => {
  await cluster?.stop();
});

function options(namespace: string, extra: TierCacheOptions = {}): TierCacheOptions {
  return { namespace, metrics: false, l2: { cluster: { nodes: cluster.startupNodes }, commandTimeoutMs: 2000 }, ...extra };
}

async function instances<V>(t: Parameters<typeof tier>[0], extra: TierCacheOptions = {}): Promise<[TierCache<V>, TierCache<V>, string]> {
  guardUnhandledRejections(t);
  const ns = freshNamespace('c');
  const a = tier<V>(t, options(ns, extra));
  const b = tier<V>(t, options(ns, extra));
  await Promise.all([coherent(a as TierCache<unknown>), coherent(b as TierCache<unknown>)]);
  return [a, b, ns];
}

const KEYS = Array.from({ length: 60 }, (_, i) => `key-${i}`);

test('keys spread over every master; set, get, getMany and an L2 hit filling L1', async (t) => {
  const [a, b, ns] = await instances<number>(t);
  const slots = new Set(KEYS.map((k) => slotOf(`{${ns}:${k}}`)));
  t.true(slots.size > 30, 'the keys hash to many slots');
  await a.setMany(KEYS.map((k, i) => [k, i] as const));
  t.deepEqual(await b.getMany(KEYS), KEYS.map((_, i) => i));
  t.is(b.stats().l2.hits, KEYS.length);
  t.deepEqual(await b.getMany(KEYS), KEYS.map((_, i) => i));
  t.is(b.stats().l1.hits, KEYS.length, 'the second pass is all L1 hits');
  const perNode = await Promise.all(cluster.nodes.map((n) => n.command('DBSIZE')));
  t.true(perNode.every((r) => Number(r.slice(1)) > 0), `every master holds keys: ${perNode.map((r) => r.trim()).join(' ')}`);
});

test('coherence across nodes: writes on one instance invalidate the other’s L1, in version order', async (t) => {
  const [a, b] = await instances<string>(t);
  for (const k of KEYS.slice(0, 10)) await a.set(k, 'v1');
  t.deepEqual(await b.getMany(KEYS.slice(0, 10)), Array(10).fill('v1'));
  const heard: InvalidateEvent[] = [];
  b.on('invalidate', (e) => heard.push(e));
  for (const k of KEYS.slice(0, 10)) await a.set(k, 'v2');
  await waitFor('b heard all ten', () => new Set(heard.filter((e) => e.scope === 'key').map((e) => e.key)).size === 10);
  t.deepEqual(await b.getMany(KEYS.slice(0, 10)), Array(10).fill('v2'));
  t.is(b.stats().flushes.gap, 0, 'per-node streams: no false gap');
});

test('delete leaves a tombstone; a loader racing it is not cached (compare-and-set on the key’s node)', async (t) => {
  const [a, b] = await instances<string>(t);
  await a.set('k', 'v');
  let release!: (v: string) => void;
  await a.delete('k');
  const load = b.getOrSet('k', () => new Promise<string>((r) => (release = r)));
  await waitFor('loader started', () => release !== undefined);
  await a.delete('k');
  release('stale');
  t.is(await load, 'stale');
  t.is(await b.get('k'), undefined);
  t.is(b.stats().conflicts, 1);
});

test('getOrSet coalesces locally and, with the lock, across instances', async (t) => {
  const [a, b] = await instances<string>(t, { lock: { waitMs: 5000, retryMs: 5 } });
  let calls = 0;
  const loader = async (): Promise<string> => {
    calls++;
    await new Promise((r) => setTimeout(r, 100));
    return 'once';
  };
  const results = await Promise.all([a.getOrSet('hot', loader), b.getOrSet('hot', loader), a.getOrSet('hot', loader)]);
  t.deepEqual(results, ['once', 'once', 'once']);
  t.is(calls, 1);
});

test('tags and clear on a cluster (markers share the namespace’s slot)', async (t) => {
  const [a, b] = await instances<number>(t);
  await a.set('p1', 1, { tags: ['p'] });
  await a.set('p2', 2, { tags: ['p'] });
  await a.set('o', 3);
  t.deepEqual(await b.getMany(['p1', 'p2', 'o']), [1, 2, 3]);
  await a.deleteByTag('p');
  await waitFor('b dropped the tagged entries', async () => (await b.get('p1')) === undefined);
  t.deepEqual(await b.getMany(['p1', 'p2', 'o']), [undefined, undefined, 3]);
  await b.clear();
  await waitFor('a saw the clear', async () => (await a.get('o')) === undefined);
  t.pass();
});

test('a user-supplied Cluster client is used as given and left open', async (t) => {
  guardUnhandledRejections(t);
  const client = new Cluster(cluster.startupNodes);
  t.teardown(() => client.disconnect());
  const ns = freshNamespace('u');
  const cache = new TierCache<string>({ namespace: ns, metrics: false, l2: { redis: client, commandTimeoutMs: 2000 } });
  await cache.ready();
  await cache.setMany(KEYS.slice(0, 20).map((k) => [k, k] as const));
  t.deepEqual(await cache.getMany(KEYS.slice(0, 20)), KEYS.slice(0, 20));
  await cache.close();
  t.is(client.status, 'ready');
});
