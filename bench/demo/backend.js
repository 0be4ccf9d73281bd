'use strict';
// The demo's "database": a TCP server speaking newline-delimited JSON, with
// realistic latency (a few ms per query, with variance, plus a little per
// row). Every app instance talks to this one process, so a write through one
// instance is what every instance reads next. It counts queries and rows.
//
// Request:  {"id":1,"op":"get","ids":[3,4,5]}   -> {"id":1,"rows":[...]}
//           {"id":2,"op":"update","pid":3,"price":9.5} -> {"id":2,"ok":true}
//           {"id":3,"op":"stats"}                -> {"id":3,"queries":..,"rows":..}
const net = require('node:net');

const { PRODUCTS } = require('./workload.js');
const seed = (n) => {
  let x = (n * 2654435761) >>> 0;
  return () => ((x = (x ^ (x << 13)) >>> 0), (x = (x ^ (x >>> 17)) >>> 0), (x = (x ^ (x << 5)) >>> 0), x / 4294967296);
};
const WORDS = ['steel', 'oak', 'linen', 'copper', 'walnut', 'glass', 'wool', 'cotton', 'marble', 'bamboo', 'leather', 'ceramic'];
const KINDS = ['chair', 'table', 'lamp', 'shelf', 'rug', 'vase', 'desk', 'sofa', 'stool', 'mirror'];

function product(id) {
  const r = seed(id + 1);
  const w = WORDS[Math.floor(r() * WORDS.length)];
  const k = KINDS[Math.floor(r() * KINDS.length)];
  return {
    id,
    sku: `SKU-${(100000 + id).toString(36).toUpperCase()}`,
    name: `${w[0].toUpperCase()}${w.slice(1)} ${k} ${id}`,
    category: k,
    price: Math.round(r() * 50000) / 100,
    stock: Math.floor(r() * 500),
    rating: Math.round(r() * 50) / 10,
    description: `A ${w} ${k} made to last. `.repeat(4 + Math.floor(r() * 6)),
    tags: [w, k, r() > 0.5 ? 'sale' : 'new', r() > 0.7 ? 'featured' : 'standard'],
    related: Array.from({ length: 4 }, () => Math.floor(r() * PRODUCTS)),
  };
}

const table = new Map();
for (let id = 0; id < PRODUCTS; id++) table.set(id, product(id));

let queries = 0;
let rows = 0;
const latencyMs = Number(process.env.DEMO_BACKEND_LATENCY_MS ?? 4);
const jitter = seed(7);

function delay(n) {
  // A few ms per query with variance (a long tail now and then), plus 20 µs per row.
  const tail = jitter() < 0.05 ? latencyMs * 3 : 0;
  return latencyMs * (0.5 + jitter()) + tail + n * 0.02;
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let buffer = '';
  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        socket.destroy();
        return;
      }
      if (msg.op === 'stats') {
        socket.write(JSON.stringify({ id: msg.id, queries, rows }) + '\n');
        continue;
      }
      if (msg.op === 'reset') {
        queries = 0;
        rows = 0;
        socket.write(JSON.stringify({ id: msg.id, ok: true }) + '\n');
        continue;
      }
      queries++;
      if (msg.op === 'update') {
        const p = table.get(msg.pid);
        if (p !== undefined) table.set(msg.pid, { ...p, price: msg.price });
        setTimeout(() => socket.writable && socket.write(JSON.stringify({ id: msg.id, ok: true }) + '\n'), delay(1));
        continue;
      }
      const ids = Array.isArray(msg.ids) ? msg.ids : [];
      rows += ids.length;
      const out = ids.map((id) => table.get(id) ?? null);
      setTimeout(() => socket.writable && socket.write(JSON.stringify({ id: msg.id, rows: out }) + '\n'), delay(ids.length));
    }
  });
  socket.on('error', () => {});
});

server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));
// Never outlive the demo, even if it was killed with -9.
process.on('disconnect', () => process.exit(0));

