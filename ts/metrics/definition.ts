/**
 * What a metric is, independent of who reports it: name, instrument type,
 * unit and description. Every component reports through shared definitions
 * (see conventions.ts), so one name always means one thing.
 */

/** OpenTelemetry instrument kinds. `updowncounter` and `gauge` export as Prometheus gauges. */
export type MetricType = 'counter' | 'updowncounter' | 'gauge' | 'histogram';

/** Attribute values as OpenTelemetry allows them on a data point. */
export type AttributeValue = string | number | boolean;

/** Attributes (Prometheus labels) of one series. */
export type Attributes = Readonly<Record<string, AttributeValue>>;

/** A metric's identity and metadata. */
export interface MetricDefinition {
  /** OpenTelemetry-style name, e.g. `cache.requests` (letters, digits, `.`, `_`, `-`, `/`). */
  readonly name: string;
  /** Instrument kind. */
  readonly type: MetricType;
  /** UCUM unit as OpenTelemetry writes it: `s`, `By`, `1`, or an annotation such as `{request}`. */
  readonly unit: string;
  /** One sentence for people (Prometheus HELP). */
  readonly description: string;
  /**
   * Histograms only: factor from the values passed to `record()` to `unit`
   * (1e-9 when durations are recorded in nanoseconds and exported in seconds).
   * Defaults to 1.
   */
  readonly scale?: number;
  /** Histograms only: export boundaries in `unit`, ascending, at most two significant digits each. */
  readonly buckets?: readonly number[];
}

import { edgeIndex } from './histogram.js';

const NAME = /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/;
const TYPES: readonly MetricType[] = ['counter', 'updowncounter', 'gauge', 'histogram'];

/** Export boundaries for durations in seconds: 1 µs .. 10 s in 1-2.5-5 steps. */
export const DURATION_BUCKETS: readonly number[] = [
  1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25,
  0.5, 1, 2.5, 5, 10,
];

/** Export boundaries for sizes in bytes: 100 B .. 100 MB in 1-2.5-5 steps. */
export const SIZE_BUCKETS: readonly number[] = [
  100, 250, 500, 1e3, 2.5e3, 5e3, 1e4, 2.5e4, 5e4, 1e5, 2.5e5, 5e5, 1e6, 2.5e6, 5e6, 1e7, 2.5e7, 5e7, 1e8,
];

/** Export boundaries for counts of items: 1 .. 10,000. */
export const COUNT_BUCKETS: readonly number[] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Validates `definition` and returns it frozen. Throws TypeError/RangeError naming the bad field. */
export function defineMetric(definition: MetricDefinition): MetricDefinition {
  if (definition === null || typeof definition !== 'object') {
    throw new TypeError('definition must be an object');
  }
  const { name, type, unit, description } = definition;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TypeError(`definition.name must be an OpenTelemetry instrument name, got ${JSON.stringify(name)}`);
  }
  if (!TYPES.includes(type)) {
    throw new RangeError(`definition.type of ${name} must be one of ${TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  }
  if (typeof unit !== 'string') throw new TypeError(`definition.unit of ${name} must be a string`);
  if (typeof description !== 'string') throw new TypeError(`definition.description of ${name} must be a string`);
  if (definition.scale !== undefined && !(definition.scale > 0 && Number.isFinite(definition.scale))) {
    throw new RangeError(`definition.scale of ${name} must be a positive finite number, got ${definition.scale}`);
  }
  if (definition.buckets !== undefined && type !== 'histogram') {
    throw new TypeError(`definition.buckets of ${name}: only histograms have buckets`);
  }
  const frozen = Object.freeze({
    ...definition,
    buckets: type === 'histogram' ? Object.freeze([...(definition.buckets ?? defaultBuckets(unit))]) : undefined,
  });
  if (type === 'histogram') bucketEdges(frozen);
  return frozen;
}

/** The export boundaries of a histogram definition (its own or the default for its unit). */
export function histogramBounds(definition: MetricDefinition): readonly number[] {
  return definition.buckets ?? defaultBuckets(definition.unit);
}

function defaultBuckets(unit: string): readonly number[] {
  if (unit === 's') return DURATION_BUCKETS;
  if (unit === 'By') return SIZE_BUCKETS;
  return COUNT_BUCKETS;
}

const edgeCache = new WeakMap<MetricDefinition, readonly number[]>();

/**
 * Fine-bucket indexes of a histogram definition's export boundaries (cached).
 * Throws a RangeError when a boundary is not positive, ascending and at most
 * two significant digits in record units (`boundary / scale`).
 */
export function bucketEdges(definition: MetricDefinition): readonly number[] {
  const cached = edgeCache.get(definition);
  if (cached !== undefined) return cached;
  const scale = definition.scale ?? 1;
  const buckets = histogramBounds(definition);
  const edges: number[] = [];
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    const edge = b > 0 && Number.isFinite(b) ? edgeIndex(b / scale) : -1;
    if (edge < 0 || (i > 0 && !(b > buckets[i - 1]))) {
      throw new RangeError(
        `definition.buckets of ${definition.name} must be ascending and positive, each at most two significant digits ` +
          `in record units (bucket ${b} / scale ${scale} = ${b / scale})`,
      );
    }
    edges.push(edge);
  }
  edgeCache.set(definition, edges);
  return edges;
}

/** True when two definitions describe the same metric (same name, type, unit). */
export function sameMetric(a: MetricDefinition, b: MetricDefinition): boolean {
  return a.name === b.name && a.type === b.type && a.unit === b.unit;
}

/** Canonical key of an attribute set: sorted `key=value` pairs (JSON-escaped). */
export function attributesKey(attributes: Attributes | undefined): string {
  if (attributes === undefined) return '';
  const keys = Object.keys(attributes);
  if (keys.length === 0) return '';
  keys.sort();
  let key = '';
  for (const k of keys) key += `${JSON.stringify(k)}:${JSON.stringify(attributes[k])},`;
  return key;
}

/** Throws a TypeError unless `attributes` is an object of string/number/boolean values. */
export function checkAttributes(attributes: unknown, name: string): Attributes {
  if (attributes === undefined) return {};
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw new TypeError(`${name} must be an object of attribute values`);
  }
  for (const [k, v] of Object.entries(attributes)) {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(k)) throw new TypeError(`${name} has an invalid attribute name ${JSON.stringify(k)}`);
    if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new TypeError(`${name}.${k} must be a string, a finite number or a boolean`);
    }
  }
  return Object.freeze({ ...(attributes as Record<string, AttributeValue>) });
}
