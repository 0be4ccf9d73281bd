/**
 * The races other tiered caches lose (docs/coherence.md, shared notes R1-R11),
 * each its own test, against a real redis-server. Every test that applies to
 * both invalidation channels runs for each coherence mode (publish, tracking,
 * both): that is the evaluation docs/coherence.md reports. Unhandled
 * rejections fail the test.
 */
import test, { type ExecutionContext } from 'ava';
import Redis from 'ioredis';
import { ManualClock, TierCache, type CoherenceMode, type InvalidateEvent, type TierCacheOptions } from '../ts/index.js';
import { RedisServer } from './helpers/redis-server.js';
import { coherent, freshNamespace, guardUnhandledRejections, killSubscriber, pause, tier, tierOptions, waitFor } from './helpers/tier.js';

let server: RedisServer;
let raw: Redis;

test.before(async () => {
  server = await RedisServer.start();
  raw = new Redis({ port: server.port });
});

test.after.always(async () => {
  raw?.disconnect();
  await server?.stop();
});

const ALL: CoherenceMode[] = ['publish', 'tracking', 'both'];
const VERSIONED: CoherenceMode[] = ['publish', 'both'];

async function pair<V>(t: ExecutionContext, mode: CoherenceMode, extra: TierCacheOptions = {}): Promise<[TierCache<V>, TierCache<V>, string]> {
  guardUnhandledRejections(t);
  const ns = freshNamespace(mode);
  const options = tierOptions(server.port, { namespace: ns, coherence: { mode }, ...extra });
  const a = tier<V>(t, options);
  const b = tier<V>(t, options);
  await Promise.all([coherent(a as TierCache<unknown>), coherent(b as TierCache<unknown>)]);
  return [a, b, ns];
}

function events(cache: TierCache<unknown>): InvalidateEvent[] {
  const seen: InvalidateEvent[] = [];
  cache.on('invalidate', (e) => seen.push(e));
  return seen;
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

for (const mode of ALL) {
  test(`[${mode}] R1 an invalidation during an in-flight load is fenced: the loaded value is returned, never cached`, async (t) => {
    const [a, b] = await pair<string>(t, mode);
    const heard = events(a as TierCache<unknown>);
    let release!: (v: string) => void;
    const load = a.getOrSet('k', () => new Promise<string>((r) => (release = r)));
    await waitFor('loader started', () => release !== undefined);
    await b.set('k', 'new');
    await waitFor('a heard the invalidation', () => heard.some((e) => e.key === 'k'));
    release('old, read before the write');
    t.is(await load, 'old, read before the write');
    t.is(await a.get('k'), 'new');
    t.true(a.stats().fenced >= 1);
  });

  test(`[${mode}] R1 a delete during an in-flight load leaves a tombstone the load cannot overwrite`, async (t) => {
    const [a, b, ns] = await pair<string>(t, mode);
    await b.set('k', 'v0');
    await b.delete('k');
    let release!: (v: string) => void;
    const load = a.getOrSet('k', () => new Promise<string>((r) => (release = r)));
    await waitFor('loader started', () => release !== undefined);
    await b.delete('k'); // a second delete: a new tombstone version while a loads
    release('stale');
    t.is(await load, 'stale');
    t.is(await a.get('k'), undefined);
    t.is(await b.get('k'), undefined);
    t.is(a.stats().conflicts, 1);
    t.true((await raw.pttl(`{${ns}:k}`)) > 0, 'the tombstone expires by itself');
  });

  test(`[${mode}] R2 a delete racing a read that refills L1 from the still-old L2: the old value is not cached`, async (t) => {
    const [a, b] = await pair<string>(t, mode);
    await a.set('k', 'old');
    const hold = gate();
    const reached = gate();
    TierCache.internals(b as TierCache<unknown>).hooks.afterRead = async (key) => {
      if (key !== 'k') return;
      reached.open();
      await hold.wait;
    };
    const read = b.get('k'); // reads 'old' from Redis, then is held
    await reached.wait;
    TierCache.internals(b as TierCache<unknown>).hooks.afterRead = null;
    await b.delete('k'); // this instance deletes while its own read is in flight
    hold.open();
    t.is(await read, 'old', 'the read linearizes before the delete');
    t.is(await b.get('k'), undefined, 'and did not refill L1');
    t.true(b.stats().fenced >= 1);
  });

  test(`[${mode}] R2 a remote delete racing a read of the old L2 value: not cached`, async (t) => {
    const [a, b] = await pair<string>(t, mode);
    const setHeard = events(b as TierCache<unknown>);
    await a.set('k', 'old');
    await waitFor('b heard the set', () => setHeard.some((e) => e.key === 'k'));
    const hold = gate();
    const reached = gate();
    TierCache.internals(b as TierCache<unknown>).hooks.afterRead = async () => {
      reached.open();
      await hold.wait;
    };
    const heard = events(b as TierCache<unknown>);
    const read = b.get('k');
    await reached.wait;
    TierCache.internals(b as TierCache<unknown>).hooks.afterRead = null;
    await a.delete('k');
    await waitFor('b heard the delete', () => heard.some((e) => e.key === 'k'));
    hold.open();
    t.is(await read, 'old');
    t.is(await b.get('k'), undefined);
  });

  test(`[${mode}] R5 read-your-writes: a write is visible to the writer at once`, async (t) => {
    const [a] = await pair<number>(t, mode);
    for (let i = 0; i < 20; i++) {
      await a.set('k', i);
      t.is(await a.get('k'), i);
    }
  });

  test(`[${mode}] a subscriber reconnect flushes L1 (invalidations may have been missed) and coherence resumes`, async (t) => {
    const [a, b] = await pair<string>(t, mode);
    await a.set('k', 'v1');
    t.is(await b.get('k'), 'v1');
    const heard = events(b as TierCache<unknown>);
    await killSubscriber(server.port, b as TierCache<unknown>);
    await a.set('k', 'v2'); // its message may be lost
    // Until b notices, it trusts L1 at most maxStalenessMs past its last heartbeat; then it revalidates or flushes.
    await waitFor('b serves v2', async () => (await b.get('k')) === 'v2');
    await waitFor('b resubscribed', () => heard.some((e) => e.scope === 'flush' && e.reason === 'reconnect'));
    await coherent(b as TierCache<unknown>);
    t.true(b.stats().flushes.reconnect >= 1);
    await a.set('k', 'v3');
    await waitFor('coherence resumed', async () => (await b.get('k')) === 'v3');
    t.pass();
  });

  test(`[${mode}] grace after an explicit delete never serves the deleted value`, async (t) => {
    const clock = new ManualClock(1_000_000);
    const [a, b] = await pair<string>(t, mode, { clock, ttlMs: 60_000, staleMs: 600_000 });
    await a.set('k', 'doomed');
    await a.set('j', 'survivor');
    t.deepEqual(await b.getMany(['k', 'j']), ['doomed', 'survivor']);
    const heard = events(b as TierCache<unknown>);
    await a.delete('k');
    await waitFor('b heard the delete', () => heard.some((e) => e.key === 'k'));
    await clock.advance(120_000);
    const failing = (): Promise<string> => Promise.reject(new Error('source down'));
    await t.throwsAsync(b.getOrSet('k', failing), { message: 'source down' });
    t.is(await b.getOrSet('j', failing), 'survivor', 'an expired (not deleted) value is graceable');
  });

  test(`[${mode}] a namespace clear over the bus drops the other instance's L1 for that namespace only`, async (t) => {
    const [a, b] = await pair<string>(t, mode);
    const [, other] = await pair<string>(t, mode);
    await a.set('k', 'v');
    await other.set('k', 'other namespace');
    t.is(await b.get('k'), 'v');
    const heard = events(b as TierCache<unknown>);
    await a.clear();
    await waitFor('b heard the clear', () => heard.some((e) => e.scope === 'clear'));
    t.is(await b.get('k'), undefined);
    t.is(await other.get('k'), 'other namespace');
  });

  test(`[${mode}] a TTL over 2^31 ms is stored and served (no timer, PX holds it)`, async (t) => {
    const [a, b, ns] = await pair<string>(t, mode);
    const long = 2 ** 31 + 1000;
    await a.set('k', 'long', { ttlMs: long });
    t.is(await b.get('k'), 'long');
    const pttl = await raw.pttl(`{${ns}:k}`);
    t.true(pttl > 2 ** 31, `PTTL ${pttl}`);
  });
}

for (const mode of VERSIONED) {
  test(`[${mode}] R3 two writers' messages out of order: the version wins, an older message never removes newer data`, async (t) => {
    const [a, b, ns] = await pair<string>(t, mode);
    const c = tier<string>(t, tierOptions(server.port, { namespace: ns, coherence: { mode } }));
    await coherent(c as TierCache<unknown>);
    const held: string[] = [];
    const bus = TierCache.internals(b as TierCache<unknown>).bus!;
    bus.dropFilter = (text) => {
      if (text.startsWith('1|k|') && text.includes(`${a.instanceId}.`)) {
        held.push(text);
        return true;
      }
      return false;
    };
    await a.set('k', 'older'); // its message to b is held back
    await c.set('k', 'newer');
    await waitFor('b holds the older message', () => held.length === 1);
    await waitFor('b reads the newer value', async () => (await b.get('k')) === 'newer');
    await pause(100); // in 'both' mode the server-assisted message of c's write may drop it once more
    t.is(await b.get('k'), 'newer');
    const hitsBefore = b.stats().l1.hits;
    bus.dropFilter = null;
    await raw.publish(`tiercache:${ns}`, held[0]); // delivered late, out of order
    await pause(50);
    t.is(await b.get('k'), 'newer');
    t.is(b.stats().l1.hits, hitsBefore + 1, 'still an L1 hit: the older message did not remove it');
    t.is(b.stats().flushes.gap, 0, 'a late message of another stream is no gap');
  });

  test(`[${mode}] R4 lost messages: dropped on one subscriber only, the gap is detected and L1 flushed`, async (t) => {
    const [a, b] = await pair<string>(t, mode);
    const [, , ns] = [a, b, a.namespace];
    const c = tier<string>(t, tierOptions(server.port, { namespace: ns, coherence: { mode } }));
    await coherent(c as TierCache<unknown>);
    await a.set('k', 'v1');
    await a.set('j', 'j1');
    t.deepEqual(await b.getMany(['k', 'j']), ['v1', 'j1']);
    t.deepEqual(await c.getMany(['k', 'j']), ['v1', 'j1']);
    const heard = events(b as TierCache<unknown>);
    TierCache.internals(b as TierCache<unknown>).bus!.dropFilter = (text) => text.startsWith('1|k|') && text.endsWith('|k');
    await a.set('k', 'v2'); // lost on b only
    await a.set('other', 'x'); // the next message of a's stream reveals the gap
    await waitFor('b detected the gap', () => heard.some((e) => e.scope === 'flush' && e.reason === 'gap'));
    TierCache.internals(b as TierCache<unknown>).bus!.dropFilter = null;
    t.is(await b.get('k'), 'v2', 'L1 was flushed: the lost invalidation cannot leave v1 behind');
    t.is(b.stats().flushes.gap, 1);
    t.is(c.stats().flushes.gap, 0, 'the other subscriber lost nothing');
    t.is(await c.get('k'), 'v2');
  });
}

test('evaluation [tracking, both]: a write by a client that is not tiercache (redis-cli DEL) is seen; [publish] is not', async (t) => {
  const seenBy: Record<string, boolean> = {};
  for (const mode of ALL) {
    const [a, b, ns] = await pair<string>(t, mode);
    await a.set('k', 'v');
    t.is(await b.get('k'), 'v');
    const heard = events(b as TierCache<unknown>);
    await raw.del(`{${ns}:k}`);
    if (mode === 'publish') {
      await pause(100);
      seenBy[mode] = heard.length > 0;
    } else {
      await waitFor(`${mode} saw the external delete`, () => heard.some((e) => e.key === 'k'));
      seenBy[mode] = true;
      t.is(await b.get('k'), undefined);
    }
  }
  t.deepEqual(seenBy, { publish: false, tracking: true, both: true });
});

test('evaluation [tracking]: a lost server-assisted message is not detectable (no sequence numbers); [publish] detects it (R4)', async (t) => {
  const [a, b] = await pair<string>(t, 'tracking');
  await a.set('k', 'v1');
  await a.set('j', 'j1');
  t.deepEqual(await b.getMany(['k', 'j']), ['v1', 'j1']);
  TierCache.internals(b as TierCache<unknown>).bus!.dropFilter = (text) => text.endsWith(':k}');
  await a.set('k', 'v2');
  await a.set('j', 'j2');
  await waitFor('b applied the later message', async () => (await b.get('j')) === 'j2');
  t.is(await b.get('k'), 'v1', 'the lost invalidation leaves the old value until its TTL');
  t.is(b.stats().flushes.gap, 0);
});
