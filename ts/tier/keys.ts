/**
 * Where a namespace lives in Redis. Every Redis key of a namespace is
 * derived here, so the layout is in one place (docs/coherence.md shows it):
 *
 * - value of `key`:    `{<ns>:<key>}`       (the braces make the whole name the
 *                                            cluster hash tag, and keep a user's
 *                                            own `{tag}` prefix grouping keys)
 * - lock of `key`:     `{<ns>:<key>}#lock`  (same slot as the value)
 * - version counter:   `{<ns>}#v`           (all meta keys share the `{<ns>}` slot)
 * - clear marker:      `{<ns>}#c`           (version of the last clear())
 * - tag marker:        `{<ns>}#t:<tag>`     (version of the last deleteByTag(tag))
 * - channel:           `tiercache:<ns>`
 */
import { describe } from '../common/validate.js';

/** Namespaces: letters, digits, `_`, `.`, `-`; 1..64 characters (they appear in key patterns and channel names). */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** Default namespace. */
export const DEFAULT_NAMESPACE = 'default';
/** Longest key, in UTF-16 code units, as for LocalCache. */
export const MAX_KEY_LENGTH = 16384;
/** Longest tag, in UTF-16 code units. */
export const MAX_TAG_LENGTH = 1024;
/** Most tags on one entry. */
export const MAX_TAGS = 64;

/** Validates a namespace option. */
export function checkNamespace(value: unknown, name: string): string {
  if (value === undefined) return DEFAULT_NAMESPACE;
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  if (!NAMESPACE_PATTERN.test(value)) {
    throw new RangeError(`${name} must be 1 to 64 letters, digits, '_', '.' or '-', got ${describe(value)}`);
  }
  return value;
}

/** The error for an invalid key argument, or null when it is valid. */
export function keyError(key: unknown, name: string): Error | null {
  if (typeof key !== 'string') return new TypeError(`${name} must be a string, got ${describe(key)}`);
  if (key.length === 0) return new RangeError(`${name} must not be empty`);
  if (key.length > MAX_KEY_LENGTH) return new RangeError(`${name} must be at most ${MAX_KEY_LENGTH} characters long, got ${key.length}`);
  if (!key.isWellFormed()) return new TypeError(`${name} must be a well-formed Unicode string (no lone surrogates)`);
  return null;
}

/** Validates an array of keys. */
export function checkKeys(keys: unknown, name: string): string[] {
  if (!Array.isArray(keys)) throw new TypeError(`${name} must be an array of strings, got ${describe(keys)}`);
  for (let i = 0; i < keys.length; i++) {
    const error = keyError(keys[i], `${name}[${i}]`);
    if (error !== null) throw error;
  }
  return keys as string[];
}

/** Validates a tags option: an array of 0..64 non-empty, well-formed strings of at most 1024 characters. */
export function checkTags(value: unknown, name: string): readonly string[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of strings, got ${describe(value)}`);
  if (value.length > MAX_TAGS) throw new RangeError(`${name} must have at most ${MAX_TAGS} tags, got ${value.length}`);
  for (let i = 0; i < value.length; i++) checkTag(value[i], `${name}[${i}]`);
  return value.length === 0 ? null : [...new Set(value as string[])];
}

/** Validates one tag. */
export function checkTag(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  if (value.length === 0) throw new RangeError(`${name} must not be empty`);
  if (value.length > MAX_TAG_LENGTH) throw new RangeError(`${name} must be at most ${MAX_TAG_LENGTH} characters long, got ${value.length}`);
  if (!value.isWellFormed()) throw new TypeError(`${name} must be a well-formed Unicode string (no lone surrogates)`);
  return value;
}

/** What a Redis key of the namespace is (for server-assisted invalidation messages). */
export type KeyKind =
  | { kind: 'data'; key: string }
  | { kind: 'clear' }
  | { kind: 'tag'; tag: string }
  | { kind: 'other' };

/** The Redis names of one namespace. */
export class KeyLayout {
  /** Prefix of value and lock keys. */
  readonly dataPrefix: string;
  /** Prefix of the meta keys (counter, clear, tags). */
  readonly metaPrefix: string;
  readonly counter: string;
  readonly clear: string;
  readonly channel: string;

  constructor(readonly namespace: string) {
    this.dataPrefix = `{${namespace}:`;
    this.metaPrefix = `{${namespace}}#`;
    this.counter = `${this.metaPrefix}v`;
    this.clear = `${this.metaPrefix}c`;
    this.channel = `tiercache:${namespace}`;
  }

  /** The Redis key holding `key`'s envelope. */
  data(key: string): string {
    return `${this.dataPrefix}${key}}`;
  }

  /** The Redis key of `key`'s distributed lock (same hash slot as its value). */
  lock(key: string): string {
    return `${this.dataPrefix}${key}}#lock`;
  }

  /** The Redis key holding the version of the last deleteByTag(tag). */
  tag(tag: string): string {
    return `${this.metaPrefix}t:${tag}`;
  }

  /** The SCAN pattern of every value key (for the purge after clear()). */
  get dataPattern(): string {
    return `${this.dataPrefix}*}`;
  }

  /** Classifies a Redis key of this namespace. */
  classify(redisKey: string): KeyKind {
    if (redisKey.startsWith(this.dataPrefix)) {
      return redisKey.endsWith('}') ? { kind: 'data', key: redisKey.slice(this.dataPrefix.length, -1) } : { kind: 'other' };
    }
    if (redisKey === this.clear) return { kind: 'clear' };
    if (redisKey.startsWith(`${this.metaPrefix}t:`)) return { kind: 'tag', tag: redisKey.slice(this.metaPrefix.length + 2) };
    return { kind: 'other' };
  }
}
