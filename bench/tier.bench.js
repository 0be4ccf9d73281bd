'use strict';
// TierCache against bentocache 1.6.1 and cache-manager 7.2.9 (+ @keyv/redis
// 5.1.6) on one redis-server, in one run, reported as ratios; raw ioredis GET
// is the limit for an L2 read. Each case is timed per operation (L1 hits in
// groups of 100, since one hrtime read costs about as much as a hit), in
// turns interleaved across libraries (each turn starts with a different
// case), so that a slow spell of a shared machine hits every case: p50 and
// p99 over all samples, ops/s from the median turn.
// Also: invalidation propagation lag (a write called on one instance until
// the entry is dropped from another instance's L1, both in this process),
// TierCache (publish and tracking) and bentocache (its bus).
//
// Wall time in every mode (also under bench:check's quick mode): an L2 read
// is a round trip to another process, which the thread's CPU time leaves out.
//
// Run: npm run build:ts && node bench/tier.bench.js
//   BENCH_TIER_TURNS (turns, default 10; quick 6), BENCH_SCALE (samples x)
const os = require('node:os');
const Redis = require('ioredis');
const { machine, report, wants, pick, settings, loadTiercache, fmtIn } = require('./lib/harness.js');
const { startRedis } = require('./lib/redis.js');

const { createCache } = loadTiercache();
const QUICK = settings.quick;
const TURNS = Number(process.env.BENCH_TIER_TURNS || (QUICK ? 6 : 10));
const SCALE = Number(process.env.BENCH_SCALE || 1) * (QUICK ? 0.3 : 1);
const WARM_MS = QUICK ? 250 : 500;
const LAG_SAMPLES = Math.round(300 * (QUICK ? 0.4 : 1));
const VALUE = { id: 42, name: 'Ada Lovelace', roles: ['admin', 'author'], active: true, score: 3.14159 };
const SUITE = 'tier';

const now = () => process.hrtime.bigint();

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

/**
 * Runs `cases` ({ name, fn, opsPerCall? }) in TURNS interleaved turns of
 * samples/TURNS samples each (a sample: `group` calls, timed together);
 * returns rows { name, ops, p50, p99 } (p50/p99 in ns per call).
 */
async function compare(cases, { samples, group }) {
  const perTurn = Math.max(1, Math.round((samples * SCALE) / TURNS));
  const all = cases.map(() => []);
  const turnMeans = cases.map(() => []);
  // Warm-up until the JIT has settled: at least WARM_MS and 50 calls per case.
  for (const c of cases) {
    const until = Date.now() + WARM_MS;
    for (let i = 0; i < 50 || Date.now() < until; i++) await c.fn(i);
  }
  for (let turn = 0; turn < TURNS; turn++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (turn + k) % cases.length;
      const fn = cases[i].fn;
      let sum = 0;
      for (let s = 0; s < perTurn; s++) {
        const t0 = now();
        for (let j = 0; j < group; j++) await fn(j);
        const ns = Number(now() - t0) / group;
        all[i].push(ns);
        sum += ns;
      }
      turnMeans[i].push(sum / perTurn);
    }
  }
  return cases.map((c, i) => {
    const sorted = all[i].sort((a, b) => a - b);
    return { name: c.name, ops: (1e9 / median(turnMeans[i])) * (c.opsPerCall ?? 1), p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
  });
}

function columns(unit) {
  return { ops: { unit }, p50: { unit: 'ns', lowerIsBetter: true }, p99: { unit: 'ns', lowerIsBetter: true } };
}

function load() {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

async function main() {
  const redis = await startRedis();
  process.stdout.write(`\nMachine: ${machine()}; redis-server on loopback; ${TURNS} interleaved turns${QUICK ? ' (quick)' : ''}; load average ${load()}\n`);
  const { BentoCache, bentostore } = await import('bentocache');
  const { memoryDriver } = await import('bentocache/drivers/memory');
  const { redisDriver, redisBusDriver } = await import('bentocache/drivers/redis');
  const cm = await import('cache-manager');
  const { Keyv } = await import('keyv');
  const { createKeyv } = await import('@keyv/redis');
  const connection = { host: '127.0.0.1', port: redis.port };
  const closers = [];

  // --- the caches -----------------------------------------------------------
  const tier = createCache({ namespace: 'bench', metrics: false, ttlMs: 3_600_000, l2: { redis: redis.url } });
  const tierL2 = createCache({ namespace: 'bench', metrics: false, ttlMs: 3_600_000, l1: false, l2: { redis: redis.url } });
  closers.push(() => tier.close(), () => tierL2.close());
  await tier.ready();
  await tierL2.ready();

  const bento = new BentoCache({
    default: 'tiered',
    stores: {
      tiered: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 10_000 }))
        .useL2Layer(redisDriver({ connection }))
        .useBus(redisBusDriver({ connection })),
      l2only: bentostore().useL2Layer(redisDriver({ connection })),
    },
  });
  const bentoL2 = bento.use('l2only');
  closers.push(() => bento.disconnectAll());

  const cmTiered = cm.createCache({ stores: [new Keyv(), createKeyv(redis.url)] });
  const cmL2 = cm.createCache({ stores: [createKeyv(redis.url)] });
  closers.push(() => cmTiered.disconnect(), () => cmL2.disconnect());

  const raw = new Redis(connection);
  closers.push(() => raw.disconnect());

  // --- data -----------------------------------------------------------------
  await tier.set('hot', VALUE);
  await bento.set({ key: 'hot', value: VALUE, ttl: '1h' });
  await cmTiered.set('hot', VALUE, 3_600_000);
  await raw.set('raw:hot', JSON.stringify(VALUE));
  const many = Array.from({ length: 100 }, (_, i) => `m${i}`);
  await tier.setMany(many.map((k) => [k, { ...VALUE, id: k }]));
  for (const k of many) {
    await bentoL2.set({ key: k, value: { ...VALUE, id: k }, ttl: '1h' });
    await cmL2.set(k, { ...VALUE, id: k }, 3_600_000);
  }
  // Prime the tiered caches' L1.
  for (let i = 0; i < 3; i++) {
    await tier.get('hot');
    await bento.get({ key: 'hot' });
    await cmTiered.get('hot');
  }
  const factory = () => VALUE;
  const byName = (c) => c.name;

  // --- L1 hits --------------------------------------------------------------
  if (wants(SUITE, 'l1-get')) {
    const cases = pick(SUITE, [
      { name: 'TierCache', fn: () => tier.get('hot') },
      { name: 'bentocache', fn: () => bento.get({ key: 'hot' }) },
      { name: 'cache-manager', fn: () => cmTiered.get('hot') },
    ], byName);
    report(SUITE, 'l1-get', await compare(cases, { samples: 2000, group: 100 }), { title: 'Tiered get, L1 hit', peer: 'bentocache', columns: columns('ops/s') });
  }
  if (wants(SUITE, 'l1-getOrSet')) {
    const cases = pick(SUITE, [
      { name: 'TierCache', fn: () => tier.getOrSet('hot', factory) },
      { name: 'bentocache', fn: () => bento.getOrSet({ key: 'hot', factory, ttl: '1h' }) },
      { name: 'cache-manager (wrap)', fn: () => cmTiered.wrap('hot', factory, 3_600_000) },
    ], byName);
    report(SUITE, 'l1-getOrSet', await compare(cases, { samples: 2000, group: 100 }), { title: 'getOrSet, L1 hit', peer: 'bentocache', columns: columns('ops/s') });
  }

  // --- L2 hits --------------------------------------------------------------
  const RAW = 'raw ioredis GET + JSON.parse';
  if (wants(SUITE, 'l2-get')) {
    const cases = pick(SUITE, [
      { name: RAW, fn: async () => JSON.parse(await raw.get('raw:hot')) },
      { name: 'TierCache', fn: () => tierL2.get('hot') },
      { name: 'bentocache', fn: () => bentoL2.get({ key: 'hot' }) },
      { name: 'cache-manager', fn: () => cmL2.get('hot') },
    ], byName);
    report(SUITE, 'l2-get', await compare(cases, { samples: 4000, group: 1 }), {
      title: 'get, L2 hit (L1 off), one caller at a time',
      peer: RAW,
      columns: columns('ops/s'),
    });
  }

  // --- concurrent getMany ---------------------------------------------------
  const CONCURRENCY = 10;
  const concurrently = (one) => () => Promise.all(Array.from({ length: CONCURRENCY }, one));
  if (wants(SUITE, 'get-many')) {
    const cases = pick(SUITE, [
      { name: 'TierCache getMany', fn: concurrently(() => tierL2.getMany(many)), opsPerCall: 100 * CONCURRENCY },
      { name: 'bentocache (100 gets)', fn: concurrently(() => Promise.all(many.map((key) => bentoL2.get({ key })))), opsPerCall: 100 * CONCURRENCY },
      { name: 'cache-manager mget', fn: concurrently(() => cmL2.mget(many)), opsPerCall: 100 * CONCURRENCY },
    ], byName);
    report(SUITE, 'get-many', await compare(cases, { samples: 200, group: 1 }), {
      title: `Concurrent getMany of 100 keys from L2 (${CONCURRENCY} callers at once; ops = keys/s, p50/p99 per round of ${CONCURRENCY} calls)`,
      peer: 'bentocache (100 gets)',
      columns: columns('keys/s'),
    });
  }

  // The same with distinct keys per caller: nothing to share between the
  // calls, so this is the batching alone (above, the ten callers ask for the
  // same 100 keys, which TierCache reads and decodes once per batch).
  if (wants(SUITE, 'get-many-distinct')) {
    const distinct = Array.from({ length: CONCURRENCY }, (_, c) => many.map((k) => `${k}-c${c}`));
    // 100 entries per setMany: 1000 scripts in one go can take longer than the 50 ms command deadline on a busy machine.
    for (const keys of distinct) await tier.setMany(keys.map((k) => [k, { ...VALUE, id: k }]));
    for (const k of distinct.flat()) {
      await bentoL2.set({ key: k, value: { ...VALUE, id: k }, ttl: '1h' });
      await cmL2.set(k, { ...VALUE, id: k }, 3_600_000);
    }
    const perCaller = (one) => () => Promise.all(distinct.map(one));
    const cases = pick(SUITE, [
      { name: 'TierCache getMany', fn: perCaller((keys) => tierL2.getMany(keys)), opsPerCall: 100 * CONCURRENCY },
      { name: 'bentocache (100 gets)', fn: perCaller((keys) => Promise.all(keys.map((key) => bentoL2.get({ key })))), opsPerCall: 100 * CONCURRENCY },
      { name: 'cache-manager mget', fn: perCaller((keys) => cmL2.mget(keys)), opsPerCall: 100 * CONCURRENCY },
    ], byName);
    report(SUITE, 'get-many-distinct', await compare(cases, { samples: 200, group: 1 }), {
      title: `Concurrent getMany of 100 keys from L2, distinct keys per caller (${CONCURRENCY} callers at once, 1000 keys; ops = keys/s, p50/p99 per round)`,
      peer: 'bentocache (100 gets)',
      columns: columns('keys/s'),
    });
  }

  // --- propagation lag ------------------------------------------------------
  if (wants(SUITE, 'lag')) {
    const lags = [];
    for (const mode of ['publish', 'tracking']) {
      const a = createCache({ namespace: `lag-${mode}`, metrics: false, l2: { redis: redis.url }, coherence: { mode } });
      const b = createCache({ namespace: `lag-${mode}`, metrics: false, l2: { redis: redis.url }, coherence: { mode } });
      await a.ready();
      await b.ready();
      lags.push({ name: `TierCache (${mode})`, samples: await tierLag(a, b) });
      await a.close();
      await b.close();
    }
    lags.push({ name: 'bentocache (bus)', samples: await bentoLag(BentoCache, bentostore, memoryDriver, redisDriver, redisBusDriver, connection) });
    const rows = lags.map((l) => {
      const s = [...l.samples].sort((x, y) => x - y);
      return { name: l.name, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1], samples: s.length };
    });
    const ns = { unit: 'ns', lowerIsBetter: true };
    report(SUITE, 'lag', rows, {
      title: "Invalidation propagation lag (write called on A until the entry leaves B's L1; A and B in one process, so the message can beat the write's own reply)",
      peer: 'bentocache (bus)',
      columns: { p50: ns, p99: ns, max: ns },
    });
    process.stdout.write(`(${rows.map((r) => `${r.name}: ${r.samples} samples, p99 ${fmtIn('ns', r.p99)}`).join('; ')})\n`);
  }

  process.stdout.write(`\nload average at the end: ${load()}\n`);
  for (const close of closers) await close();
  redis.stop();
}

/**
 * A sets the key; once B has heard that first write it reads the key into
 * its L1; then A writes again: the sample is from the call of A's write to
 * B's invalidate event for the key.
 */
async function tierLag(a, b) {
  const samples = [];
  const waiters = new Map();
  b.on('invalidate', (e) => {
    const w = waiters.get(e.key);
    if (w !== undefined) {
      waiters.delete(e.key);
      w(now());
    }
  });
  const next = (key) => Promise.race([new Promise((resolve) => waiters.set(key, resolve)), new Promise((r) => setTimeout(() => r(null), 1000))]);
  for (let i = 0; i < LAG_SAMPLES + 20; i++) {
    const key = `k${i}`;
    const first = next(key);
    await a.set(key, i);
    await first;
    await b.get(key); // in B's L1
    const got = next(key);
    const started = now();
    await a.set(key, i + 1);
    const at = await got;
    if (i >= 20 && at !== null) samples.push(Number(at - started));
  }
  return samples;
}

async function bentoLag(BentoCache, bentostore, memoryDriver, redisDriver, redisBusDriver, connection) {
  const make = () =>
    new BentoCache({
      default: 's',
      stores: {
        s: bentostore()
          .useL1Layer(memoryDriver({ maxItems: 10_000 }))
          .useL2Layer(redisDriver({ connection, prefix: 'lag' }))
          .useBus(redisBusDriver({ connection })),
      },
    });
  const a = make();
  const b = make();
  await new Promise((r) => setTimeout(r, 500));
  const samples = [];
  let waiting = null;
  b.on('bus:message:received', () => {
    if (waiting) waiting.resolve(now());
  });
  for (let i = 0; i < LAG_SAMPLES + 20; i++) {
    const key = `b${i}`;
    const first = new Promise((resolve) => (waiting = { resolve }));
    await a.set({ key, value: i, ttl: '1h' });
    await Promise.race([first, new Promise((r) => setTimeout(r, 1000))]);
    await b.get({ key });
    const got = new Promise((resolve) => (waiting = { resolve }));
    const started = now();
    await a.set({ key, value: i + 1, ttl: '1h' });
    const at = await Promise.race([got, new Promise((r) => setTimeout(() => r(null), 1000))]);
    waiting = null;
    if (i >= 20 && at !== null) samples.push(Number(at - started));
  }
  await a.disconnectAll();
  await b.disconnectAll();
  return samples;
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
