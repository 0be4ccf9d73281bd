'use strict';
// ConnectionPool: acquire+release round trips per second, uncontended (1 user)
// and contended (100 concurrent users on max 10), side by side with
// generic-pool and tarn, plus a bare promise-queue pool (no features: the
// practical limit). One Benchmark.js op = a batch of round trips, so the
// harness's per-op overhead does not swamp a ~1 µs round trip.
//
// Run: npm run build:ts && node bench/pool.bench.js
const genericPool = require('generic-pool');
const { Pool: TarnPool } = require('tarn');
const { runSuite, report, toRows, wants, machine, loadTiercache } = require('./lib/harness.js');

const { ConnectionPool } = loadTiercache();

const MAX = 10;
const USERS = 100;
const CONTENDED_ROUND_TRIPS = 20_000; // per op, across all users
const UNCONTENDED_ROUND_TRIPS = 5_000; // per op

let nextId = 0;
const makeResource = () => ({ id: nextId++, open: true });

/** The practical limit: an idle stack and a FIFO of resolvers, nothing else. */
class BarePool {
  constructor(resources) {
    this.idle = resources;
    this.waiters = [];
    this.head = 0;
  }
  acquire() {
    const r = this.idle.pop();
    if (r !== undefined) return Promise.resolve(r);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  release(r) {
    if (this.head < this.waiters.length) {
      const w = this.waiters[this.head];
      this.waiters[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.waiters.length) {
        this.waiters = this.waiters.slice(this.head);
        this.head = 0;
      }
      w(r);
    } else {
      this.idle.push(r);
    }
  }
}

function tiercachePool(features) {
  const options = {
    create: async () => makeResource(),
    destroy: () => {},
    min: MAX,
    max: MAX,
  };
  if (features) {
    Object.assign(options, {
      validate: (r) => r.open, // synchronous check, as a socket-state check would be
      validateOnBorrow: true,
      validationBypassMs: 500,
      healthCheckIntervalMs: 30_000,
      leakDetectionMs: 60_000,
      leakStack: features,
      maxLifetimeMs: 1_800_000,
      idleTimeoutMs: 30_000,
      acquireTimeoutMs: 30_000,
    });
  }
  const pool = new ConnectionPool(options);
  return {
    acquire: () => pool.acquire(),
    release: (r) => pool.release(r),
    ready: async () => {
      while (pool.stats().idle < MAX) await new Promise((r) => setTimeout(r, 1));
    },
    close: () => pool.drain({ timeoutMs: 1000 }),
    stats: () => pool.stats(),
  };
}

function genericPoolAdapter() {
  const pool = genericPool.createPool({ create: async () => makeResource(), destroy: async () => {} }, { min: MAX, max: MAX });
  return {
    acquire: () => pool.acquire(),
    release: (r) => pool.release(r),
    ready: () => pool.ready(),
    close: async () => {
      await pool.drain();
      await pool.clear();
    },
  };
}

function tarnAdapter() {
  const pool = new TarnPool({ create: (cb) => cb(null, makeResource()), destroy: () => {}, min: MAX, max: MAX });
  return {
    acquire: () => pool.acquire().promise,
    release: (r) => pool.release(r),
    ready: async () => {
      const held = await Promise.all(Array.from({ length: MAX }, () => pool.acquire().promise));
      for (const r of held) pool.release(r);
    },
    close: () => pool.destroy(),
  };
}

function bareAdapter() {
  const pool = new BarePool(Array.from({ length: MAX }, makeResource));
  return { acquire: () => pool.acquire(), release: (r) => pool.release(r), ready: async () => {}, close: async () => {} };
}

const CANDIDATES = [
  ['bare promise-queue pool (limit)', bareAdapter],
  ['tiercache, all features, leakStack adaptive', () => tiercachePool('adaptive')],
  ['tiercache, all features, leakStack every', () => tiercachePool('every')],
  ['tiercache, all features, leakStack none', () => tiercachePool('none')],
  ['tiercache, no optional features', () => tiercachePool(null)],
  ['generic-pool 3.9.0', genericPoolAdapter],
  ['tarn 3.1.2', tarnAdapter],
];

/** One op: `users` concurrent loops sharing `total` round trips. */
function roundTrips(pool, users, total) {
  return (deferred) => {
    let started = 0;
    let finished = 0;
    const loop = async () => {
      while (started < total) {
        started++;
        const r = await pool.acquire();
        pool.release(r);
        finished++;
      }
    };
    const runners = [];
    for (let i = 0; i < users; i++) runners.push(loop());
    Promise.all(runners).then(
      () => {
        if (finished !== total) throw new Error(`expected ${total} round trips, got ${finished}`);
        deferred.resolve();
      },
      (error) => {
        process.stderr.write(`round trip failed: ${error.stack}\n`);
        process.exit(1);
      },
    );
  };
}

async function scenario(table, title, users, total) {
  const pools = [];
  for (const [name, make] of CANDIDATES) {
    const pool = make();
    await pool.ready();
    pools.push([name, pool]);
  }
  // Warm every candidate up first (JIT, and the pool code shared by the tiercache
  // variants), so that the first case measured does not pay for it.
  for (let round = 0; round < 20; round++) {
    for (const [, pool] of pools) await new Promise((resolve) => roundTrips(pool, users, total)({ resolve }));
  }
  const cases = pools.map(([name, pool]) => ({ name, defer: true, fn: roundTrips(pool, users, total) }));
  const results = await runSuite(title, cases);
  for (const [name, pool] of pools) {
    if (pool.stats) {
      const s = pool.stats();
      if (s.borrowed !== 0 || s.size !== MAX) throw new Error(`${name}: unexpected final state ${JSON.stringify(s)}`);
    }
    await pool.close();
  }
  const rows = toRows(results, total);
  report('pool', table, rows, { title: `${title} (round trips/s)`, peer: 'generic-pool 3.9.0', unit: 'round trips/s' });
  const tarn = rows.find((r) => r.name.startsWith('tarn'));
  const vsTarn = (r) => (tarn ? `${(r.value / tarn.value).toFixed(2)}x` : '-');
  process.stdout.write(`\nvs tarn: ${rows.map((r) => `${r.name}: ${vsTarn(r)}`).join('; ')}\n`);
  const every = rows.find((r) => r.name.endsWith('leakStack every'));
  const none = rows.find((r) => r.name.endsWith('leakStack none'));
  if (every && none) {
    const costUs = (1 / every.value - 1 / none.value) * 1e6;
    process.stdout.write(`acquire stack capture (leakStack every vs none): ${costUs.toFixed(2)} µs per acquire\n`);
  }
}

(async () => {
  process.stdout.write(`\nMachine: ${machine()}\n`);
  // Every candidate runs in every scenario, even when a check wants only some:
  // they share the pool code's JIT state, so leaving one out would move the others.
  if (wants('pool', 'uncontended')) await scenario('uncontended', 'acquire+release, 1 user (uncontended), max 10', 1, UNCONTENDED_ROUND_TRIPS);
  if (wants('pool', 'contended')) {
    await scenario('contended', `acquire+release, ${USERS} concurrent users, max ${MAX}`, USERS, CONTENDED_ROUND_TRIPS);
  }
})().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
