/**
 * Push instruments: plain objects whose hot-path methods only touch a number.
 * Components that already count internally (native stats, typed arrays)
 * report through a collector instead (see registry.ts).
 */

/** A monotonic counter. `add` throws a RangeError on a negative or NaN increment. */
export class Counter {
  /** Current total. */
  value = 0;

  /** Adds `n` (default 1). */
  add(n = 1): void {
    if (!(n >= 0)) throw new RangeError(`counter increment must be a non-negative number, got ${n}`);
    this.value += n;
  }
}

/** A value that goes up and down (OpenTelemetry gauge or up-down counter). */
export class Gauge {
  /** Current value. */
  value = 0;

  /** Replaces the value. */
  set(value: number): void {
    this.value = value;
  }

  /** Adds `delta` (may be negative). */
  add(delta: number): void {
    this.value += delta;
  }
}
