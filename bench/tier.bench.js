'use strict';
// TierCache against bentocache 1.6.1 and cache-manager 7.2.9 (+ @keyv/redis
// 5.1.6) on one redis-server, in one run, reported as ratios; raw ioredis GET
// is the limit for an L2 read. Each case is timed per operation (L1 hits in
// groups of 100, since one hrtime read costs about as much as a hit), in
// rounds interleaved across libraries; the table shows the median round.
// Also: invalidation propagation lag (a write on one instance until the
// entry is dropped from another instance's L1), TierCache (publish and
// tracking) and bentocache (its bus).
//
// Run: npm run build:ts && node bench/tier.bench.js   (BENCH_ROUNDS, BENCH_SCALE)
const Redis = require('ioredis');
const { machine, record } = require('./lib/harness.js');
const { startRedis } = require('./lib/redis.js');
const { loadTiercache } = require('./lib/harness.js');

const { createCache } = loadTiercache();
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const SCALE = Number(process.env.BENCH_SCALE || 1);
const VALUE = { id: 42, name: 'Ada Lovelace', roles: ['admin', 'author'], active: true, score: 3.14159 };

const now = () => process.hrtime.bigint();

async function timeIt(fn, { samples, group }) {
  const out = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = now();
    for (let j = 0; j < group; j++) await fn(j);
    out[i] = Number(now() - t0) / group;
  }
  out.sort();
  let sum = 0;
  for (const v of out) sum += v;
  return { p50: out[Math.floor(samples * 0.5)], p99: out[Math.min(samples - 1, Math.floor(samples * 0.99))], mean: sum / samples };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs `cases` ({ name, fn, group?, samples?, opsPerCall? }) in interleaved rounds; returns rows with median p50/p99/ops/s. */
async function compare(cases, defaults) {
  const rounds = cases.map(() => []);
  for (const c of cases) for (let i = 0; i < 200; i++) await c.fn(i); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      rounds[i].push(await timeIt(c.fn, { samples: Math.round((c.samples ?? defaults.samples) * SCALE), group: c.group ?? defaults.group }));
    }
  }
  return cases.map((c, i) => {
    const p50 = median(rounds[i].map((x) => x.p50));
    const p99 = median(rounds[i].map((x) => x.p99));
    const mean = median(rounds[i].map((x) => x.mean));
    return { name: c.name, p50, p99, ops: (1e9 / mean) * (c.opsPerCall ?? 1) };
  });
}

function fmtNs(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns.toFixed(0)} ns`;
}

function fmtOps(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

function table(title, rows, baseline, unit = 'ops/s') {
  const base = rows.find((r) => r.name === baseline);
  const lines = [`\n### ${title}`, '', `| case | ${unit} | p50 | p99 | ops/s vs ${baseline} | p50 vs ${baseline} |`, '| --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    const ratio = base ? `${(r.ops / base.ops).toFixed(2)}x` : '-';
    const latency = base ? `${(r.p50 / base.p50).toFixed(2)}x` : '-';
    lines.push(`| ${r.name} | ${fmtOps(r.ops)} | ${fmtNs(r.p50)} | ${fmtNs(r.p99)} | ${ratio} | ${latency} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  record('tier', title, rows);
}

async function main() {
  const redis = await startRedis();
  process.stdout.write(`\nMachine: ${machine()}; redis-server on loopback; rounds ${ROUNDS}\n`);
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

  // --- L1 hits --------------------------------------------------------------
  table(
    'Tiered get, L1 hit',
    await compare(
      [
        { name: 'TierCache', fn: () => tier.get('hot') },
        { name: 'bentocache', fn: () => bento.get({ key: 'hot' }) },
        { name: 'cache-manager', fn: () => cmTiered.get('hot') },
      ],
      { samples: 2000, group: 100 },
    ),
    'bentocache',
  );
  table(
    'getOrSet, L1 hit',
    await compare(
      [
        { name: 'TierCache', fn: () => tier.getOrSet('hot', factory) },
        { name: 'bentocache', fn: () => bento.getOrSet({ key: 'hot', factory, ttl: '1h' }) },
        { name: 'cache-manager (wrap)', fn: () => cmTiered.wrap('hot', factory, 3_600_000) },
      ],
      { samples: 2000, group: 100 },
    ),
    'bentocache',
  );

  // --- L2 hits --------------------------------------------------------------
  table(
    'get, L2 hit (L1 off), one caller at a time',
    await compare(
      [
        { name: 'raw ioredis GET + JSON.parse', fn: async () => JSON.parse(await raw.get('raw:hot')) },
        { name: 'TierCache', fn: () => tierL2.get('hot') },
        { name: 'bentocache', fn: () => bentoL2.get({ key: 'hot' }) },
        { name: 'cache-manager', fn: () => cmL2.get('hot') },
      ],
      { samples: 3000, group: 1 },
    ),
    'raw ioredis GET + JSON.parse',
  );

  // --- concurrent getMany ---------------------------------------------------
  const CONCURRENCY = 10;
  const concurrently = (one) => () => Promise.all(Array.from({ length: CONCURRENCY }, one));
  table(
    `Concurrent getMany of 100 keys from L2 (${CONCURRENCY} callers at once; ops/s = keys/s)`,
    await compare(
      [
        { name: 'TierCache getMany', fn: concurrently(() => tierL2.getMany(many)), opsPerCall: 100 * CONCURRENCY },
        { name: 'bentocache (100 gets)', fn: concurrently(() => Promise.all(many.map((key) => bentoL2.get({ key })))), opsPerCall: 100 * CONCURRENCY },
        { name: 'cache-manager mget', fn: concurrently(() => cmL2.mget(many)), opsPerCall: 100 * CONCURRENCY },
      ],
      { samples: 100, group: 1 },
    ),
    'bentocache (100 gets)',
    'keys/s',
  );

  // --- propagation lag ------------------------------------------------------
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
  const lagLines = ['\n### Invalidation propagation lag (write acknowledged on A until the entry leaves B\'s L1)', '', '| case | p50 | p99 | max |', '| --- | ---: | ---: | ---: |'];
  for (const l of lags) {
    const s = [...l.samples].sort((x, y) => x - y);
    lagLines.push(`| ${l.name} | ${fmtNs(s[Math.floor(s.length / 2)])} | ${fmtNs(s[Math.floor(s.length * 0.99)])} | ${fmtNs(s[s.length - 1])} |`);
  }
  process.stdout.write(`${lagLines.join('\n')}\n`);
  record('tier', 'propagation lag', lags.map((l) => ({ name: l.name, samples: l.samples.length })));

  for (const close of closers) await close();
  redis.stop();
}

const LAG_SAMPLES = 300;

/**
 * A sets the key; once B has heard that first write it reads the key into
 * its L1; then A writes again: the sample is from A's acknowledgement to B's
 * invalidate event for the key.
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
    await a.set(key, i + 1);
    const acked = now();
    const at = await got;
    if (i >= 20 && at !== null) samples.push(Math.max(0, Number(at - acked)));
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
    await a.set({ key, value: i + 1, ttl: '1h' });
    const acked = now();
    const at = await Promise.race([got, new Promise((r) => setTimeout(() => r(null), 1000))]);
    waiting = null;
    if (i >= 20 && at !== null) samples.push(Math.max(0, Number(at - acked)));
  }
  await a.disconnectAll();
  await b.disconnectAll();
  return samples;
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
