/**
 * The size of a LocalCache value for its byte accounting: the user's
 * `sizeOf`, validated, or the default for strings and binary data.
 */
import { describe } from '../common/validate.js';

/** A function that sizes a value in bytes. */
export type SizeOf<V> = (value: V, key: string) => number;

/** Builds the sizer of a cache: `sizeOf` when given; else the default (which requires sized values when there is a byte budget). */
export function sizer<V>(sizeOf: SizeOf<V> | undefined, byteBudget: boolean): SizeOf<V> {
  if (sizeOf !== undefined) {
    return (value, key) => {
      const size = sizeOf(value, key);
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
        throw new RangeError(`options.sizeOf must return a non-negative integer, got ${describe(size)}`);
      }
      return size;
    };
  }
  return (value) => {
    if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
    if (ArrayBuffer.isView(value)) return value.byteLength;
    if (byteBudget) {
      throw new TypeError(
        `options.sizeOf is required when maxBytes is set and a value is not a string, Buffer or typed array, got ${describe(value)}`,
      );
    }
    return 0;
  };
}
