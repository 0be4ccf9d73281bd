/**
 * The 4-bit count-min frequency sketch with aging; mirrors
 * crates/core/src/policy/sketch.rs (sixteen 32-bit words per 64-byte block,
 * eight counters per word).
 */

/** Counts of at least this are "hot" (the admission policy's hash-DoS guard). */
export const ADMIT_HASHDOS_THRESHOLD = 6;

// Int32Array rather than Uint32Array: the same bits, but every value stays in
// V8's int32 range, so the counter arithmetic stays on its fast integer path
// (a Uint32Array read above 2^31 becomes a float).
const EMPTY = new Int32Array(0);

function spread(x: number): number {
  x ^= x >>> 17;
  x = Math.imul(x, 0xed5ad4bb);
  x ^= x >>> 11;
  x = Math.imul(x, 0xac4c1b51);
  x ^= x >>> 15;
  return x >>> 0;
}

function rehash(x: number): number {
  x = Math.imul(x, 0x31848bab);
  x ^= x >>> 14;
  return x >>> 0;
}

function bitCount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** The smallest power of two >= n, for 1 <= n <= 2^30. */
function nextPowerOfTwo(n: number): number {
  return n <= 1 ? 1 : 2 ** (32 - Math.clz32(n - 1));
}

/** Adds one to the 4-bit counter at `shift` of `table[word]` unless it is saturated; 1 if it did. */
function bump(table: Int32Array, word: number, shift: number): number {
  if (((table[word] >>> shift) & 15) === 15) return 0;
  table[word] += 1 << shift;
  return 1;
}

/** The frequency histogram of one policy. */
export class Sketch {
  private table: Int32Array = EMPTY;
  private blockMask = 0;
  /** Requests per hill-climbing sample and per aging period (0 before initialisation). */
  sampleSize = 0;
  private size = 0;

  // Increments from hits are queued and applied 64 at a time: the same
  // increments in the same order (so the same counts, agings and decisions
  // as the Rust core, which applies them at once), but applied back to back
  // the table's cache misses overlap instead of stalling each hit. Every
  // read, resize or reset of the table applies the queue first.
  private readonly queued = new Int32Array(64);
  private queuedCount = 0;

  /** Records one access later (at the latest before the table is next read). */
  incrementLater(hash: number): void {
    if (this.table.length === 0) return;
    this.queued[this.queuedCount++] = hash;
    if (this.queuedCount === 64) this.flush();
  }

  /** Applies the queued increments. */
  flush(): void {
    const n = this.queuedCount;
    this.queuedCount = 0;
    for (let i = 0; i < n; i++) this.apply(this.queued[i]);
  }

  /** Grows the table for `capacity` entries; a growth discards the history. */
  ensureCapacity(capacity: number): void {
    if (this.queuedCount !== 0) this.flush();
    const c = Math.min(Math.max(capacity, 1), 2 ** 30);
    const words = Math.max(nextPowerOfTwo(c) * 2, 16);
    if (words <= this.table.length) return;
    this.table = new Int32Array(words);
    this.blockMask = (words >>> 4) - 1;
    this.sampleSize = 10 * c;
    this.size = 0;
  }

  /** Frees the table. */
  release(): void {
    this.queuedCount = 0;
    this.table = EMPTY;
    this.blockMask = 0;
    this.sampleSize = 0;
    this.size = 0;
  }

  // The four counters of a key are, for i in 0..3 and h = counterHash >>> 8i:
  // word block + 4i + (h & 3), nibble (h >>> 2) & 7. Written out rather than
  // looped through scratch arrays: this runs on every hit.

  /** The estimated frequency of a key, 0..15. */
  frequency(hash: number): number {
    if (this.queuedCount !== 0) this.flush();
    const table = this.table;
    if (table.length === 0) return 0;
    const blockHash = spread(hash);
    const h = rehash(blockHash);
    const block = (blockHash & this.blockMask) << 4;
    const a = (table[block + (h & 3)] >>> (((h >>> 2) & 7) << 2)) & 15;
    const b = (table[block + 4 + ((h >>> 8) & 3)] >>> (((h >>> 10) & 7) << 2)) & 15;
    const c = (table[block + 8 + ((h >>> 16) & 3)] >>> (((h >>> 18) & 7) << 2)) & 15;
    const d = (table[block + 12 + ((h >>> 24) & 3)] >>> (((h >>> 26) & 7) << 2)) & 15;
    return Math.min(a, b, c, d);
  }

  /** Records one access now (after any queued ones). */
  increment(hash: number): void {
    if (this.queuedCount !== 0) this.flush();
    this.apply(hash);
  }

  /** Adds one to a key's counters; ages the table every `sampleSize` increments. */
  private apply(hash: number): void {
    const table = this.table;
    if (table.length === 0) return;
    const blockHash = spread(hash);
    const h = rehash(blockHash);
    const block = (blockHash & this.blockMask) << 4;
    const added =
      bump(table, block + (h & 3), ((h >>> 2) & 7) << 2) |
      bump(table, block + 4 + ((h >>> 8) & 3), ((h >>> 10) & 7) << 2) |
      bump(table, block + 8 + ((h >>> 16) & 3), ((h >>> 18) & 7) << 2) |
      bump(table, block + 12 + ((h >>> 24) & 3), ((h >>> 26) & 7) << 2);
    if (added !== 0 && ++this.size === this.sampleSize) this.reset();
  }

  private reset(): void {
    const table = this.table;
    let odd = 0;
    for (let i = 0; i < table.length; i++) {
      odd += bitCount(table[i] & 0x11111111);
      table[i] = (table[i] >>> 1) & 0x77777777;
    }
    this.size = Math.floor((this.size - Math.floor(odd / 4)) / 2);
  }
}
