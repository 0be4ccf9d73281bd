/**
 * Where OffHeapCache values are copied on their way out: a 64 KiB
 * ArrayBuffer, handed out in views. Both implementations copy every value
 * they return into it (the native side from Rust, the JS twin with
 * `copyOut`), so no caller ever holds memory the cache keeps: writing to a
 * Buffer that `get` returned never changes the cache.
 *
 * A Buffer view costs about 0.1 us where an N-API Buffer costs 1.7 us. A
 * full arena is replaced, never reused, so a returned Buffer stays valid for
 * as long as it is held, at the cost of keeping its arena (at most 64 KiB)
 * alive with it: copy values you keep for a long time.
 */

export const ARENA_BYTES = 64 * 1024;
/** Reads start in a fresh arena when less than this is left in the current one. */
export const ARENA_MIN_ROOM = 16 * 1024;

type BufferView = new (arena: ArrayBuffer, pos: number, len: number) => Buffer;

/**
 * Node's own Buffer class (FastBuffer, exposed as Buffer[Symbol.species]):
 * `new FastBuffer(arrayBuffer, offset, length)` is what Buffer.from does
 * after validating its arguments, at half the cost.
 */
const species = (Buffer as unknown as { [Symbol.species]?: BufferView })[Symbol.species];
const FastBuffer: BufferView =
  species !== undefined && species.prototype === Buffer.prototype
    ? species
    : (function FromArrayBuffer(arena: ArrayBuffer, pos: number, len: number) {
        return Buffer.from(arena, pos, len);
      } as unknown as BufferView);

/** A Buffer over `len` bytes of `arena` at `pos`. */
export function view(arena: ArrayBuffer, pos: number, len: number): Buffer {
  return new FastBuffer(arena, pos, len);
}

export class Arena {
  buffer!: ArrayBuffer;
  bytes!: Uint8Array;
  pos = 0;

  /** `onRotate` is told about each new arena (the native side attaches it). */
  constructor(private readonly onRotate: (bytes: Uint8Array) => void = () => undefined) {
    this.rotate();
  }

  /** Starts a fresh arena (the old one lives on in the views it gave out). */
  rotate(): void {
    this.buffer = Buffer.allocUnsafeSlow(ARENA_BYTES).buffer as ArrayBuffer;
    this.bytes = new Uint8Array(this.buffer);
    this.pos = 0;
    this.onRotate(this.bytes);
  }

  /** The position for a read, in a fresh arena when less than ARENA_MIN_ROOM is left. */
  readPos(): number {
    if (this.pos > ARENA_BYTES - ARENA_MIN_ROOM) this.rotate();
    return this.pos;
  }

  /** A copy of `value` the caller may keep and change (in the arena when it fits). */
  copyOut(value: Uint8Array): Buffer {
    const n = value.length;
    if (n > ARENA_MIN_ROOM) {
      const own = Buffer.allocUnsafeSlow(n);
      own.set(value);
      return own;
    }
    const pos = this.readPos();
    this.bytes.set(value, pos);
    this.pos = pos + n;
    return view(this.buffer, pos, n);
  }
}
