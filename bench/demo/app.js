'use strict';
// One app instance of the demo: a JSON API whose handlers query the backend
// through a ConnectionPool of TCP connections and a BatchProcessor that
// merges concurrent item loads into one query. DEMO_MODE picks how it is
// served: `none` (the bare origin), `l1` (wrapped by httpCache over an
// L1-only TierCache) or `l1l2` (over a TierCache with L2 on Redis at
// DEMO_REDIS_URL, shared with the other instances of the run).
const http = require('node:http');
const net = require('node:net');
const { BatchProcessor, ConnectionPool, createCache, httpCache } = require('../../dist/index.js');
const { PRODUCTS, CATEGORIES } = require('./workload.js');

const mode = process.env.DEMO_MODE ?? 'none';
const backendPort = Number(process.env.DEMO_BACKEND_PORT);
const maxAge = Number(process.env.DEMO_MAX_AGE ?? 30);

/** One backend connection: newline-delimited JSON, one query at a time (the pool guarantees it). */
function connect(signal) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(backendPort, '127.0.0.1');
    socket.setNoDelay(true);
    const conn = { socket, pending: new Map(), nextId: 1, buffer: '', broken: false };
    socket.on('data', (chunk) => {
      conn.buffer += chunk.toString('utf8');
      let nl;
      while ((nl = conn.buffer.indexOf('\n')) >= 0) {
        const msg = JSON.parse(conn.buffer.slice(0, nl));
        conn.buffer = conn.buffer.slice(nl + 1);
        const p = conn.pending.get(msg.id);
        conn.pending.delete(msg.id);
        p?.resolve(msg);
      }
    });
    const fail = (err) => {
      conn.broken = true;
      for (const p of conn.pending.values()) p.reject(err);
      conn.pending.clear();
    };
    socket.on('error', (err) => {
      fail(err);
      reject(err);
    });
    socket.on('close', () => fail(new Error('backend connection closed')));
    socket.once('connect', () => resolve(conn));
    signal.addEventListener('abort', () => socket.destroy(), { once: true });
  });
}

function query(conn, msg) {
  return new Promise((resolve, reject) => {
    const id = conn.nextId++;
    conn.pending.set(id, { resolve, reject });
    conn.socket.write(JSON.stringify({ ...msg, id }) + '\n');
  });
}

const pool = new ConnectionPool({
  create: ({ signal }) => connect(signal),
  destroy: (conn) => conn.socket.destroy(),
  validate: (conn) => !conn.broken,
  min: 2,
  max: 8,
  metrics: false,
  name: 'demo-db',
});

let itemLoads = 0;
let handlerRuns = 0;
const products = new BatchProcessor({
  execute: async (ids) => {
    const reply = await pool.use((conn) => query(conn, { op: 'get', ids }));
    return reply.rows.map((row, i) => row ?? new Error(`no product ${ids[i]}`));
  },
  maxBatchSize: 200,
  maxWaitMs: 2,
  metrics: false,
  name: 'demo-products',
});

function load(ids) {
  itemLoads += ids.length;
  return products.loadMany(ids);
}

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': status === 200 ? `max-age=${maxAge}, stale-while-revalidate=${maxAge}, stale-if-error=300` : 'no-store',
  });
  res.end(body);
}

/** The origin: three read endpoints and an update. */
async function origin(req, res) {
  handlerRuns++;
  const url = new URL(req.url, 'http://app');
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts[0] !== 'api') return sendJson(res, 404, { error: 'not found' });
  if (parts[1] === 'products' && parts.length === 3) {
    const id = Number(parts[2]);
    if (!Number.isInteger(id) || id < 0 || id >= PRODUCTS) return sendJson(res, 404, { error: 'no such product' });
    const [item] = await load([id]);
    if (item instanceof Error) return sendJson(res, 404, { error: item.message });
    const related = (await load(item.related)).filter((r) => !(r instanceof Error));
    return sendJson(res, 200, { product: item, related: related.map(({ id, name, price }) => ({ id, name, price })) });
  }
  if (parts[1] === 'categories' && parts.length === 3 && CATEGORIES.includes(parts[2])) {
    const page = Math.max(1, Math.min(50, Number(url.searchParams.get('page')) || 1));
    const ids = [];
    for (let id = 0; id < PRODUCTS && ids.length < 60; id += 7) ids.push((id * 31 + page * 97 + parts[2].length * 13) % PRODUCTS);
    const items = (await load(ids)).filter((r) => !(r instanceof Error) && r.category === parts[2]);
    const listing = items.length > 0 ? items : (await load(ids.slice(0, 40))).filter((r) => !(r instanceof Error));
    return sendJson(res, 200, { category: parts[2], page, items: listing });
  }
  if (parts[1] === 'search' && parts.length === 2) {
    const q = String(url.searchParams.get('q') ?? '').slice(0, 40);
    const limit = Math.max(1, Math.min(50, Number(url.searchParams.get('limit')) || 20));
    const ids = Array.from({ length: limit }, (_, i) => (q.length * 131 + i * 251) % PRODUCTS);
    const items = (await load(ids)).filter((r) => !(r instanceof Error));
    return sendJson(res, 200, { q, items });
  }
  return sendJson(res, 404, { error: 'not found' });
}

// Records are zstd already: the TierCache codec would only try again and give up.
const cache =
  mode === 'none'
    ? null
    : createCache({
        namespace: process.env.DEMO_NAMESPACE ?? 'demo',
        l1: { maxBytes: 256 * 2 ** 20 },
        l2: mode === 'l1l2' ? { redis: process.env.DEMO_REDIS_URL, commandTimeoutMs: 250 } : false,
        codec: false,
        metrics: false,
        name: 'demo-http',
      });
cache?.on('error', () => {}); // Redis trouble is a miss; the demo reports what it measured
/** Route templates for the per-route hit ratios. */
function route(_req, path) {
  const p = path.split('?')[0].split('/');
  if (p[2] === 'products' && p.length === 4) return '/api/products/:id';
  if (p[2] === 'categories' && p.length === 4) return '/api/categories/:name';
  return p.slice(0, 3).join('/');
}
const cached = cache === null ? null : httpCache(origin, { cache, metrics: false, name: 'demo', route });

async function update(req, res) {
  const url = new URL(req.url, 'http://app');
  const id = Number(url.pathname.split('/')[3]);
  const price = Number(url.searchParams.get('price'));
  if (!Number.isInteger(id) || !Number.isFinite(price)) return sendJson(res, 400, { error: 'expected /api/products/:id?price=N' });
  await pool.use((conn) => query(conn, { op: 'update', pid: id, price }));
  if (cached !== null) await cached.purge(req.headers.host, `/api/products/${id}`);
  sendJson(res, 200, { ok: true });
}

function stats(res) {
  const b = products.stats();
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify({ handlerRuns, itemLoads, batches: b.batches, batchItems: b.items, deduped: b.deduped, pool: pool.stats().created, http: cached?.stats() ?? null }));
}

const server = http.createServer((req, res) => {
  if (req.url === '/__stats') return stats(res);
  if (req.method === 'POST' && req.url.startsWith('/api/products/')) {
    update(req, res).catch(() => sendJson(res, 500, { error: 'update failed' }));
    return;
  }
  if (cached !== null) return cached(req, res);
  origin(req, res).catch(() => sendJson(res, 500, { error: 'backend failed' }));
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));

async function shutdown() {
  server.close();
  server.closeAllConnections();
  await cached?.close();
  await cache?.close();
  await products.close({ timeoutMs: 1000 });
  await pool.drain({ timeoutMs: 1000 });
  process.exit(0);
}
process.on('message', (m) => m === 'stop' && shutdown());
process.on('disconnect', () => process.exit(0));
