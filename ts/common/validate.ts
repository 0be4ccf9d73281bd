/**
 * Argument validation shared by every component, so that every implementation
 * of a component throws the same TypeError/RangeError with the same message.
 */

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value);
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    default:
      return value instanceof Uint8Array ? `a ${value.constructor.name}` : `an ${typeof value}`;
  }
}

/** Throws a TypeError unless `value` is a plain options object (or undefined, when allowed). */
export function checkOptionsObject(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Throws a TypeError naming the first key of `options` that is not in `known` (catches typos). */
export function checkKnownKeys(options: Record<string, unknown>, name: string, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`${name}.${key} is not a known option (expected one of: ${known.join(', ')})`);
    }
  }
}

/**
 * Returns `value` when it is an integer in [min, max]; TypeError when it is not
 * a number, RangeError when it is NaN, fractional or out of range.
 */
export function checkInteger(value: unknown, name: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value)) {
    throw new RangeError(`${name} must be an integer, got ${value}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** Like {@link checkInteger}, but `undefined` yields `fallback`. */
export function checkOptionalInteger(
  value: unknown,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  return value === undefined ? fallback : checkInteger(value, name, min, max);
}

/** Returns `value` when it is a finite number in [min, max] (fractions allowed). */
export function checkNumber(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  }
  if (Number.isNaN(value) || value < min || value > max) {
    throw new RangeError(`${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** Returns `value` when it is a boolean, `fallback` when undefined. */
export function checkOptionalBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new TypeError(`${name} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

/** Returns `value` when it is a function. */
export function checkFunction<F extends (...args: never[]) => unknown>(value: unknown, name: string): F {
  if (typeof value !== 'function') {
    throw new TypeError(`${name} must be a function, got ${describe(value)}`);
  }
  return value as F;
}

/** Returns `value` when it is one of `allowed`; RangeError naming the choices otherwise. */
export function checkOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw new RangeError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** Throws a TypeError unless `value` is an AbortSignal (or undefined). */
export function checkOptionalSignal(value: unknown, name: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw new TypeError(`${name} must be an AbortSignal, got ${describe(value)}`);
  }
  return value;
}
