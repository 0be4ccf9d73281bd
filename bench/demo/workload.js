'use strict';
// What the demo's clients ask for: a skewed (Zipf-like) mix of product
// pages, category listings and searches, with the Accept-Encoding headers
// browsers and API clients send today. Seeded, so every configuration sees
// the same sequence.

const PRODUCTS = 5000;
const CATEGORIES = ['chair', 'table', 'lamp', 'shelf', 'rug', 'vase', 'desk', 'sofa', 'stool', 'mirror'];
const SEARCHES = ['oak', 'steel', 'sale', 'featured', 'linen', 'glass', 'walnut', 'new'];

function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => ((x = (x ^ (x << 13)) >>> 0), (x = (x ^ (x >>> 17)) >>> 0), (x = (x ^ (x << 5)) >>> 0), x / 4294967296);
}

/** Index in [0, n) with P(i) ~ 1/(i+1)^s (rejection-free inverse of a continuous approximation). */
function zipf(r, n, s = 1.1) {
  const u = r();
  const a = 1 - s;
  const i = Math.floor(Math.pow(u * (Math.pow(n + 1, a) - 1) + 1, 1 / a)) - 1;
  return Math.min(n - 1, Math.max(0, i));
}

const ENCODINGS = [
  [0.55, 'gzip, deflate, br, zstd'], // Chrome, Edge, Firefox today
  [0.25, 'gzip, deflate, br'], // Safari, older browsers
  [0.12, 'gzip'], // API clients, curl --compressed
  [0.08, null], // no Accept-Encoding at all
];

/** A request generator: `next()` returns { path, acceptEncoding }. */
function workload(seed) {
  const r = rng(seed);
  return {
    next() {
      const kind = r();
      let path;
      if (kind < 0.7) path = `/api/products/${zipf(r, PRODUCTS)}`;
      else if (kind < 0.9) path = `/api/categories/${CATEGORIES[zipf(r, CATEGORIES.length, 0.8)]}?page=${1 + zipf(r, 5, 1.5)}&utm_source=newsletter`;
      else path = `/api/search?q=${SEARCHES[zipf(r, SEARCHES.length, 0.8)]}&limit=20`;
      let e = r();
      let acceptEncoding = null;
      for (const [p, value] of ENCODINGS) {
        if (e < p) {
          acceptEncoding = value;
          break;
        }
        e -= p;
      }
      return { path, acceptEncoding };
    },
  };
}

module.exports = { PRODUCTS, CATEGORIES, SEARCHES, workload, rng };
