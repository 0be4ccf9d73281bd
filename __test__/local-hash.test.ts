import test from 'ava';
import { hashKey, shardOf } from '../ts/policy/hash.js';

// The same vectors are asserted against the Rust core in
// crates/core/src/cache/hash.rs; they were computed independently in Python.
const VECTORS: [string, number, number][] = [
  ['', 0xab3e7c0b, 0],
  ['a', 0x1a80b1b3, 1],
  ['user:42', 0x23bf9c12, 7],
  ['k\u00e9y-\u{1f600}', 0x28ffcbc8, 9],
];

test('the JS twin hashes keys exactly like the Rust core, over UTF-8 bytes', (t) => {
  const out = { bytes: 0 };
  for (const [key, hash, bytes] of VECTORS) {
    t.is(hashKey(key, out), hash, JSON.stringify(key));
    t.is(out.bytes, bytes);
    t.is(out.bytes, Buffer.byteLength(key));
  }
});

test('a lone surrogate hashes like U+FFFD, as V8 converts it to UTF-8', (t) => {
  const out = { bytes: 0 };
  t.is(hashKey('a\ud800', out), hashKey('a\ufffd', { bytes: 0 }));
  t.is(out.bytes, Buffer.byteLength('a\ud800'));
});

test('shards are chosen by the top bits of the hash', (t) => {
  t.is(shardOf(0xffffffff, 0), 0);
  t.is(shardOf(0xffffffff, 4), 15);
  t.is(shardOf(0x10000000, 4), 1);
});
