/**
 * The 4-bit count-min frequency sketch with aging; mirrors
 * crates/core/src/cache/sketch.rs (sixteen 32-bit words per 64-byte block,
 * eight counters per word).
 */

/** Counts of at least this are "hot" (the admission policy's hash-DoS guard). */
export const ADMIT_HASHDOS_THRESHOLD = 6;

const EMPTY = new Uint32Array(0);

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

/** The frequency histogram of one shard. */
export class Sketch {
  private table: Uint32Array = EMPTY;
  private blockMask = 0;
  /** Requests per hill-climbing sample and per aging period (0 before initialisation). */
  sampleSize = 0;
  private size = 0;
  // The word and shift of each of a key's four counters (reused, no allocation per call).
  private readonly words = new Int32Array(4);
  private readonly shifts = new Int32Array(4);

  /** Grows the table for `capacity` entries; a growth discards the history. */
  ensureCapacity(capacity: number): void {
    const c = Math.min(Math.max(capacity, 1), 2 ** 30);
    const words = Math.max(nextPowerOfTwo(c) * 2, 16);
    if (words <= this.table.length) return;
    this.table = new Uint32Array(words);
    this.blockMask = (words >>> 4) - 1;
    this.sampleSize = 10 * c;
    this.size = 0;
  }

  /** Frees the table. */
  release(): void {
    this.table = EMPTY;
    this.blockMask = 0;
    this.sampleSize = 0;
    this.size = 0;
  }

  private positions(hash: number): void {
    const blockHash = spread(hash);
    const counterHash = rehash(blockHash);
    const block = (blockHash & this.blockMask) << 4;
    for (let i = 0; i < 4; i++) {
      const h = counterHash >>> (i << 3);
      this.words[i] = block + (i << 2) + (h & 3);
      this.shifts[i] = ((h >>> 2) & 7) << 2;
    }
  }

  /** The estimated frequency of a key, 0..15. */
  frequency(hash: number): number {
    if (this.table.length === 0) return 0;
    this.positions(hash);
    let min = 15;
    for (let i = 0; i < 4; i++) {
      const count = (this.table[this.words[i]] >>> this.shifts[i]) & 15;
      if (count < min) min = count;
    }
    return min;
  }

  /** Records one access; ages the table every `sampleSize` increments. */
  increment(hash: number): void {
    const table = this.table;
    if (table.length === 0) return;
    this.positions(hash);
    let added = false;
    for (let i = 0; i < 4; i++) {
      const word = this.words[i];
      const shift = this.shifts[i];
      if (((table[word] >>> shift) & 15) !== 15) {
        table[word] += 1 << shift;
        added = true;
      }
    }
    if (added && ++this.size === this.sampleSize) this.reset();
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
