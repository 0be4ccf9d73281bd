/**
 * The one registry every tiercache component reports into.
 *
 * Two ways in, both cheap on hot paths:
 * - push instruments (`counter`, `gauge`, `histogram`) bound once to a
 *   definition and attribute set, whose methods only bump a number;
 * - collectors (`register`): a component registers itself and a function the
 *   registry calls at scrape time to read the component's own counters
 *   (native stats, typed arrays, pool state). The registry holds the
 *   component weakly, so a component that is never closed is still collected.
 *
 * Everything derived (bucket counts, quantiles, Prometheus text) is computed in
 * `snapshot()` / `prometheus()`, never on the recording path.
 */
import { checkFunction } from '../common/validate.js';
import {
  attributesKey,
  bucketEdges,
  checkAttributes,
  defineMetric,
  histogramBounds,
  sameMetric,
  type Attributes,
  type MetricDefinition,
} from './definition.js';
import { BucketedAccumulator, isBucketed, isValidBucketed, type BucketedHistogram } from './bucketed.js';
import { Histogram } from './histogram.js';
import { Counter, Gauge } from './instruments.js';
import { formatPrometheus, type PrometheusOptions } from './prometheus.js';
import type { MetricSnapshot, MetricsSnapshot, PointSnapshot } from './snapshot.js';

/** What a collector writes into at scrape time. */
export interface MetricSink {
  /**
   * Reports one data point: a number for counters, up-down counters and
   * gauges; for histograms a {@link Histogram}, or a {@link BucketedHistogram}
   * the component keeps with its own bounds (exported with those bounds).
   * Points with the same metric and attributes (e.g. from two unnamed
   * instances) are added together.
   */
  observe(definition: MetricDefinition, value: number | Histogram | BucketedHistogram, attributes?: Attributes): void;
}

/** Reads a component's state at scrape time. Must not capture `source` (it is passed in). */
export type Collector<T extends object> = (source: T, sink: MetricSink) => void;

/** Handle returned by {@link MetricsRegistry.register}. */
export interface Registration {
  /** Stops collecting from the source (call it from the component's close()). */
  unregister(): void;
  /** False once unregistered or once the source was garbage-collected. */
  readonly active: boolean;
}

/** Quantiles reported for every histogram point in {@link MetricsRegistry.snapshot}. */
const QUANTILES = [
  ['p50', 0.5],
  ['p90', 0.9],
  ['p99', 0.99],
  ['p999', 0.999],
] as const;

/** Counts collectors that threw or reported an inconsistent metric (scrape keeps going). */
const COLLECTOR_ERRORS = defineMetric({
  name: 'tiercache.metrics.collector_errors',
  type: 'counter',
  unit: '{error}',
  description: 'Collector callbacks that threw or reported a metric inconsistently during a scrape.',
});

type Instrument = Counter | Gauge | Histogram;

interface Series {
  readonly attributes: Attributes;
  readonly instrument: Instrument;
}

interface Family {
  readonly definition: MetricDefinition;
  readonly series: Map<string, Series>;
}

class CollectorEntry implements Registration {
  constructor(
    private readonly remove: (entry: CollectorEntry) => void,
    readonly ref: WeakRef<object>,
    readonly collect: Collector<object>,
    readonly attributes: Attributes,
  ) {}

  active = true;

  unregister(): void {
    if (!this.active) return;
    this.active = false;
    this.remove(this);
  }
}

/** A registry of metrics from every component; see the module documentation. */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly collectors = new Set<CollectorEntry>();
  private readonly finalizer = new FinalizationRegistry<CollectorEntry>((entry) => entry.unregister());
  private collectorErrors = 0;

  /** Counter bound to `attributes`; the same definition and attributes return the same object. */
  counter(definition: MetricDefinition, attributes?: Attributes): Counter {
    return this.instrument(definition, attributes, 'counter') as Counter;
  }

  /** Gauge (for `gauge` and `updowncounter` definitions) bound to `attributes`. */
  gauge(definition: MetricDefinition, attributes?: Attributes): Gauge {
    return this.instrument(definition, attributes, 'gauge') as Gauge;
  }

  /** Histogram bound to `attributes`; record values in the definition's record unit. */
  histogram(definition: MetricDefinition, attributes?: Attributes): Histogram {
    return this.instrument(definition, attributes, 'histogram') as Histogram;
  }

  /**
   * Registers a pull collector: at every scrape, `collect(source, sink)` reads
   * `source`'s state. `attributes` are added to every point it reports (e.g.
   * `{ 'cache.name': 'users' }`). The source is held weakly.
   */
  register<T extends object>(source: T, collect: Collector<T>, attributes?: Attributes): Registration {
    if (source === null || (typeof source !== 'object' && typeof source !== 'function')) {
      throw new TypeError('source must be an object');
    }
    checkFunction(collect, 'collect');
    const entry = new CollectorEntry(this.removeCollector, new WeakRef(source), collect as Collector<object>, checkAttributes(attributes, 'attributes'));
    this.collectors.add(entry);
    this.finalizer.register(source, entry, entry);
    return entry;
  }

  /** Number of live collectors (for tests and diagnostics). */
  get collectorCount(): number {
    return this.collectors.size;
  }

  /** Removes every instrument and collector. */
  clear(): void {
    this.families.clear();
    for (const entry of [...this.collectors]) entry.unregister();
    this.collectorErrors = 0;
  }

  /** Every metric as plain JSON-serialisable data, computed now. */
  snapshot(): MetricsSnapshot {
    const collection = new Collection();
    for (const family of this.families.values()) {
      for (const series of family.series.values()) {
        const { instrument } = series;
        collection.add(family.definition, instrument instanceof Histogram ? instrument : instrument.value, series.attributes);
      }
    }
    for (const entry of [...this.collectors]) {
      const source = entry.ref.deref();
      if (source === undefined) {
        entry.unregister();
        continue;
      }
      const sink: MetricSink = {
        observe: (definition, value, attributes) => {
          const merged = attributes === undefined ? entry.attributes : { ...entry.attributes, ...attributes };
          collection.add(definition, value, merged);
        },
      };
      try {
        entry.collect(source, sink);
      } catch {
        this.collectorErrors++;
      }
    }
    this.collectorErrors += collection.errors;
    collection.add(COLLECTOR_ERRORS, this.collectorErrors, undefined);
    return { timestamp: Date.now(), metrics: collection.metrics() };
  }

  /** Prometheus text exposition format (version 0.0.4) of a fresh snapshot. */
  prometheus(options?: PrometheusOptions): string {
    return formatPrometheus(this.snapshot(), options);
  }

  private instrument(definition: MetricDefinition, attributes: Attributes | undefined, kind: 'counter' | 'gauge' | 'histogram'): Instrument {
    const def = this.ensureFamily(definition);
    const expected = kind === 'gauge' ? ['gauge', 'updowncounter'] : [kind];
    if (!expected.includes(def.definition.type)) {
      throw new TypeError(`${def.definition.name} is a ${def.definition.type}, not a ${kind}`);
    }
    const attrs = checkAttributes(attributes, 'attributes');
    const key = attributesKey(attrs);
    let series = def.series.get(key);
    if (series === undefined) {
      const instrument = kind === 'counter' ? new Counter() : kind === 'gauge' ? new Gauge() : new Histogram();
      series = { attributes: attrs, instrument };
      def.series.set(key, series);
    }
    return series.instrument;
  }

  private ensureFamily(definition: MetricDefinition): Family {
    const existing = this.families.get(definition.name);
    if (existing !== undefined) {
      if (!sameMetric(existing.definition, definition)) {
        throw new TypeError(
          `${definition.name} is already registered as a ${existing.definition.type} in ${existing.definition.unit}`,
        );
      }
      return existing;
    }
    const family = { definition: defineMetric(definition), series: new Map<string, Series>() };
    this.families.set(definition.name, family);
    return family;
  }

  private readonly removeCollector = (entry: CollectorEntry): void => {
    this.collectors.delete(entry);
    this.finalizer.unregister(entry);
  };
}

const validDefinitions = new WeakSet<MetricDefinition>();

/** Points of every metric assembled during one scrape; equal series are added together. */
class Collection {
  /** Points dropped because they contradicted their metric's definition. */
  errors = 0;
  private readonly pending = new Map<
    string,
    { definition: MetricDefinition; conflict: boolean; points: Map<string, Point> }
  >();

  add(definition: MetricDefinition, value: number | Histogram | BucketedHistogram, attributes: Attributes | undefined): void {
    if (!validDefinitions.has(definition)) {
      try {
        defineMetric(definition);
      } catch {
        this.errors++;
        return;
      }
      validDefinitions.add(definition);
    }
    let metric = this.pending.get(definition.name);
    if (metric === undefined) {
      metric = { definition, conflict: false, points: new Map() };
      this.pending.set(definition.name, metric);
    } else if (metric.definition !== definition && !sameMetric(metric.definition, definition)) {
      // Two meanings for one name: report neither rather than a wrong one.
      metric.conflict = true;
      this.errors++;
      return;
    }
    const isHistogram = definition.type === 'histogram';
    const valid =
      typeof value === 'number'
        ? !isHistogram && Number.isFinite(value)
        : isHistogram && (value instanceof Histogram || (isBucketed(value) && isValidBucketed(value)));
    if (!valid) {
      this.errors++;
      return;
    }
    const attrs = attributes ?? {};
    const key = attributesKey(attrs);
    const point = metric.points.get(key);
    if (point === undefined) {
      const stored = typeof value === 'number' || value instanceof Histogram ? value : new BucketedAccumulator(value);
      metric.points.set(key, { attributes: attrs, value: stored, owned: !(value instanceof Histogram) });
    } else if (typeof point.value === 'number') {
      point.value += value as number;
    } else if (point.value instanceof Histogram && value instanceof Histogram) {
      if (!point.owned) {
        point.value = point.value.clone();
        point.owned = true;
      }
      point.value.merge(value);
    } else if (point.value instanceof BucketedAccumulator && !(value instanceof Histogram) && typeof value !== 'number') {
      if (!point.value.add(value)) this.errors++;
    } else {
      // One series reported both with fine buckets and with explicit ones.
      this.errors++;
    }
  }

  metrics(): MetricSnapshot[] {
    const out: MetricSnapshot[] = [];
    for (const name of [...this.pending.keys()].sort()) {
      const metric = this.pending.get(name)!;
      if (!metric.conflict) out.push(snapshotMetric(metric.definition, [...metric.points.values()]));
    }
    return out;
  }
}

/** One series being assembled; `owned` when the value is a private copy that may be modified. */
interface Point {
  attributes: Attributes;
  value: number | Histogram | BucketedAccumulator;
  owned: boolean;
}

/**
 * Converts record units to the metric's unit. Scales like 1e-9 are applied as a
 * division by their exact inverse (1e9), so 1000 ns exports as 1e-6, not
 * 1.0000000000000002e-6.
 */
function scaler(scale: number): (value: number) => number {
  if (scale === 1) return (v) => v;
  const inverse = Math.round(1 / scale);
  if (scale < 1 && Math.abs(inverse * scale - 1) < 1e-12) return (v) => v / inverse;
  return (v) => v * scale;
}

function snapshotMetric(definition: MetricDefinition, points: Point[]): MetricSnapshot {
  points.sort((a, b) => (attributesKey(a.attributes) < attributesKey(b.attributes) ? -1 : 1));
  const out: PointSnapshot[] = [];
  for (const { attributes, value } of points) {
    if (typeof value === 'number') {
      out.push({ attributes: { ...attributes }, value });
      continue;
    }
    const scale = scaler(definition.scale ?? 1);
    const quantiles: Record<string, number | null> = {};
    for (const [label, q] of QUANTILES) {
      const v = value.quantile(q);
      quantiles[label] = Number.isNaN(v) ? null : scale(v);
    }
    const fine = value instanceof Histogram;
    const min = fine ? (value.count === 0 ? undefined : value.min) : value.min;
    const max = fine ? (value.count === 0 ? undefined : value.max) : value.max;
    out.push({
      attributes: { ...attributes },
      count: value.count,
      sum: scale(value.sum),
      min: value.count === 0 || min === undefined ? null : scale(min),
      max: value.count === 0 || max === undefined ? null : scale(max),
      bounds: fine ? [...histogramBounds(definition)] : value.bounds.map(scale),
      counts: fine ? value.countsAt(bucketEdges(definition)) : [...value.counts],
      quantiles: quantiles as { p50: number | null; p90: number | null; p99: number | null; p999: number | null },
    });
  }
  return {
    name: definition.name,
    type: definition.type,
    unit: definition.unit,
    description: definition.description,
    points: out,
  };
}

/**
 * The process-wide registry that components report into unless they are given
 * another one (or `metrics: false`).
 */
export const metrics = new MetricsRegistry();
