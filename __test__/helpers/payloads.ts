/** Deterministic test payloads: JSON records with unique ids, and random bytes. */

import { Random } from './random.js';

/** A seeded generator of numbers in [0, 1). */
export function rng(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next() / 4294967296;
}

/** Random (incompressible) bytes. */
export function randomBytes(length: number, seed = 1): Buffer {
  const r = rng(seed);
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(r() * 256);
  return out;
}

/** One JSON record of roughly `bytes` bytes with unique ids and numbers. */
export function jsonRecord(r: () => number, index: number, bytes = 1024): string {
  const value: Record<string, unknown> = {
    id: `usr_${Math.floor(r() * 2 ** 32).toString(16)}${Math.floor(r() * 2 ** 32).toString(16)}`,
    index,
    status: ['active', 'pending', 'closed'][Math.floor(r() * 3)],
    score: Math.round(r() * 1e6) / 1e3,
    createdAt: new Date(1.7e12 + Math.floor(r() * 3e10)).toISOString(),
    orders: [] as unknown[],
  };
  const orders = value.orders as unknown[];
  let json = JSON.stringify(value);
  while (json.length < bytes) {
    orders.push({ orderId: `ord_${Math.floor(r() * 2 ** 32).toString(16)}`, amount: Math.round(r() * 1e5) / 100, currency: 'EUR' });
    json = JSON.stringify(value);
  }
  return json;
}

/** A JSON document of at least `bytes` bytes. */
export function jsonPayload(bytes: number, seed = 1): Buffer {
  const r = rng(seed);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const rec = jsonRecord(r, i, 600);
    parts.push(rec);
    size += rec.length + 1;
  }
  return Buffer.from(`[${parts.join(',')}]`);
}

/** `count` distinct JSON values of about `bytes` bytes each. */
export function jsonValues(count: number, bytes: number, seed = 1): Buffer[] {
  const r = rng(seed);
  return Array.from({ length: count }, (_, i) => Buffer.from(jsonRecord(r, i, bytes)));
}
