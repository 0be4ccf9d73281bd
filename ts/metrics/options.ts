/** The `metrics` and `name` options every component accepts, validated in one place. */
import { describe } from '../common/validate.js';
import { checkAttributes, type Attributes } from './definition.js';
import { metrics as defaultRegistry, MetricsRegistry } from './registry.js';

/**
 * Where a component reports: omitted or `true` for the process-wide registry
 * (`metrics` exported by tiercache), a {@link MetricsRegistry} of your own, or
 * `false` for no metrics at all.
 */
export type MetricsOption = MetricsRegistry | boolean;

/** Resolves a component's `metrics` option to a registry, or null when disabled. */
export function resolveMetricsOption(value: unknown, name = 'options.metrics'): MetricsRegistry | null {
  if (value === undefined || value === true) return defaultRegistry;
  if (value === false) return null;
  if (value instanceof MetricsRegistry) return value;
  throw new TypeError(`${name} must be a MetricsRegistry or a boolean, got ${describe(value)}`);
}

/**
 * The instance attributes of a component: `{ [attribute]: name }` when a
 * `name` option is given, none otherwise (unnamed instances of one kind add up).
 */
export function instanceAttributes(nameOption: unknown, optionName: string, attribute: string): Attributes {
  if (nameOption === undefined) return {};
  if (typeof nameOption !== 'string' || nameOption.length === 0 || nameOption.length > 200) {
    throw new TypeError(`${optionName} must be a non-empty string of at most 200 characters, got ${describe(nameOption)}`);
  }
  return checkAttributes({ [attribute]: nameOption }, optionName);
}

/** Nanoseconds from a monotonic clock, for duration histograms (record `nowNs() - start`). */
export function nowNs(): number {
  return performance.now() * 1e6;
}
