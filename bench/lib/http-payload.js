'use strict';
/** A realistic JSON API body of about `bytes` bytes (product records), deterministic. */
function payload(bytes) {
  const items = [];
  let size = 2;
  let x = 12345;
  const r = () => ((x = (x * 1103515245 + 12345) >>> 0), x / 4294967296);
  const words = ['oak', 'steel', 'linen', 'copper', 'walnut', 'glass', 'wool', 'marble'];
  for (let i = 0; size < bytes; i++) {
    const item = {
      id: 100000 + i,
      sku: `SKU-${Math.floor(r() * 1e8).toString(36).toUpperCase()}`,
      name: `${words[i % words.length]} item ${i}`,
      price: Math.round(r() * 1e5) / 100,
      stock: Math.floor(r() * 1000),
      rating: Math.round(r() * 50) / 10,
      tags: [words[(i * 3) % words.length], r() > 0.5 ? 'sale' : 'new'],
      updatedAt: new Date(1.7e12 + Math.floor(r() * 3e10)).toISOString(),
    };
    const json = JSON.stringify(item);
    if (size + json.length + 1 > bytes && items.length > 0) break;
    size += json.length + 1;
    items.push(item);
  }
  return JSON.stringify(items);
}
module.exports = { payload };
