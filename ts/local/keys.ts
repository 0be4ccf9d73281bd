/** Key validation shared by LocalCache and OffHeapCache (the same rules and messages). */
import { describe } from '../common/validate.js';
import { MAX_KEY_LENGTH } from './limits.js';

/** Whether `key` is a non-empty string of at most MAX_KEY_LENGTH code units. */
export function validKey(key: unknown): key is string {
  return typeof key === 'string' && key.length !== 0 && key.length <= MAX_KEY_LENGTH;
}

/** The error for an invalid key, naming the argument `name`. */
export function keyError(key: unknown, name: string): Error {
  if (typeof key !== 'string') return new TypeError(`${name} must be a string, got ${describe(key)}`);
  if (key.length === 0) return new RangeError(`${name} must not be empty`);
  return new RangeError(`${name} must be at most ${MAX_KEY_LENGTH} characters long, got ${key.length}`);
}

/** Throws unless `keys` is an array of valid keys, naming the first bad one. */
export function checkKeys(keys: unknown): asserts keys is string[] {
  if (!Array.isArray(keys)) throw new TypeError(`keys must be an array of strings, got ${describe(keys)}`);
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    if (!validKey(key)) throw keyError(key, `keys[${i}]`);
  }
}
