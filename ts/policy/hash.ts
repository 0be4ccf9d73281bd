/**
 * The key hash, bit for bit the same as crates/core/src/cache/hash.rs:
 * FNV-1a over the key's UTF-8 bytes, finished with murmur3's fmix32. The
 * UTF-8 bytes are produced on the fly from the UTF-16 code units (a lone
 * surrogate counts as U+FFFD, as in V8's UTF-8 conversion), and their count
 * is returned through `out.bytes` so that one pass gives both.
 */

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** murmur3's 32-bit finaliser. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Receives the UTF-8 byte length of the key just hashed. */
export interface KeyBytes {
  bytes: number;
}

/** Hashes a key as its UTF-8 bytes; sets `out.bytes` to their count. */
export function hashKey(key: string, out: KeyBytes): number {
  let h = FNV_OFFSET;
  let bytes = 0;
  const n = key.length;
  for (let i = 0; i < n; i++) {
    let c = key.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
      bytes += 1;
    } else if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >>> 6)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 63)), FNV_PRIME);
      bytes += 2;
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const low = key.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
          h = Math.imul(h ^ (0xf0 | (cp >>> 18)), FNV_PRIME);
          h = Math.imul(h ^ (0x80 | ((cp >>> 12) & 63)), FNV_PRIME);
          h = Math.imul(h ^ (0x80 | ((cp >>> 6) & 63)), FNV_PRIME);
          h = Math.imul(h ^ (0x80 | (cp & 63)), FNV_PRIME);
          bytes += 4;
          i++;
          continue;
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      h = Math.imul(h ^ (0xe0 | (c >>> 12)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >>> 6) & 63)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 63)), FNV_PRIME);
      bytes += 3;
    }
  }
  out.bytes = bytes;
  return fmix32(h);
}

/** Which of `2^shardBits` shards a hash belongs to: the top bits. */
export function shardOf(hash: number, shardBits: number): number {
  return shardBits === 0 ? 0 : hash >>> (32 - shardBits);
}
