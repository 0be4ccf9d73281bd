'use strict';
// Realistic JSON payloads for the codec benchmarks: API-style records with
// many unique ids (hex), timestamps, prices and counters, shared key names and
// a small vocabulary of enum-like strings. Deterministic (seeded) so every run
// and every peer sees the same bytes.

const { random: rng } = require('./workloads.js');

const STATUSES = ['active', 'pending', 'suspended', 'closed', 'trial'];
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'NL', 'ES', 'IT', 'PL', 'SE', 'JP'];
const PRODUCTS = ['basic', 'pro', 'team', 'enterprise'];
const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');

function hex(r, digits) {
  let s = '';
  while (s.length < digits) s += Math.floor(r() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, digits);
}

function record(r, index) {
  const orders = [];
  const nOrders = 1 + Math.floor(r() * 3);
  for (let i = 0; i < nOrders; i++) {
    orders.push({
      orderId: `ord_${hex(r, 16)}`,
      amount: Math.round(r() * 100000) / 100,
      currency: 'EUR',
      items: 1 + Math.floor(r() * 9),
      createdAt: new Date(1700000000000 + Math.floor(r() * 3e10)).toISOString(),
    });
  }
  return {
    id: `usr_${hex(r, 24)}`,
    index,
    email: `user${Math.floor(r() * 1e9)}@example.com`,
    status: STATUSES[Math.floor(r() * STATUSES.length)],
    country: COUNTRIES[Math.floor(r() * COUNTRIES.length)],
    plan: PRODUCTS[Math.floor(r() * PRODUCTS.length)],
    score: Math.round(r() * 1e6) / 1e3,
    loginCount: Math.floor(r() * 5000),
    lastSeen: new Date(1700000000000 + Math.floor(r() * 3e10)).toISOString(),
    verified: r() < 0.7,
    bio: Array.from({ length: 3 + Math.floor(r() * 6) }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' '),
    orders,
  };
}

/**
 * A JSON document of about `bytes` bytes: an object holding an array of
 * records, cut at a record boundary (so it stays valid JSON).
 */
function jsonPayload(bytes, seed = 1) {
  const r = rng(seed);
  const items = [];
  let size = 20;
  let json = '';
  for (let i = 0; ; i++) {
    const rec = JSON.stringify(record(r, i));
    if (size + rec.length + 1 > bytes && items.length > 0) break;
    items.push(rec);
    size += rec.length + 1;
    if (size >= bytes) break;
  }
  json = `{"page":1,"items":[${items.join(',')}]}`;
  return Buffer.from(json);
}

/** `count` distinct single-record JSON values of roughly `bytes` bytes each (for dictionaries). */
function jsonValues(count, bytes, seed = 1) {
  const out = [];
  const r = rng(seed);
  for (let i = 0; i < count; i++) {
    let value = record(r, i);
    let json = JSON.stringify(value);
    // Grow with more orders until the target size, so every value is one record.
    while (json.length < bytes * 0.9) {
      value.orders.push(record(r, i).orders[0]);
      json = JSON.stringify(value);
    }
    out.push(Buffer.from(json));
  }
  return out;
}

module.exports = { jsonPayload, jsonValues, rng };
