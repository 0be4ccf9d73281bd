/** The JSON shape of {@link MetricsRegistry.snapshot}. */
import type { AttributeValue, MetricType } from './definition.js';

/** A counter, up-down counter or gauge data point. */
export interface ValuePointSnapshot {
  /** Series attributes. */
  attributes: Record<string, AttributeValue>;
  /** Current value. */
  value: number;
}

/** A histogram data point; every number is in the metric's unit (already scaled). */
export interface HistogramPointSnapshot {
  /** Series attributes. */
  attributes: Record<string, AttributeValue>;
  /** Number of recorded values. */
  count: number;
  /** Sum of recorded values. */
  sum: number;
  /** Smallest recorded value (null while empty). */
  min: number | null;
  /** Largest recorded value (null while empty). */
  max: number | null;
  /** Explicit upper bounds (inclusive), as in OpenTelemetry. */
  bounds: number[];
  /** Count per bucket, not cumulative: `counts[i]` is in (bounds[i-1], bounds[i]]; the last is above the last bound. */
  counts: number[];
  /** Quantiles from the fine buckets (within 10% of the true value; null while empty). */
  quantiles: { p50: number | null; p90: number | null; p99: number | null; p999: number | null };
}

/** Any data point. */
export type PointSnapshot = ValuePointSnapshot | HistogramPointSnapshot;

/** One metric with all its series. */
export interface MetricSnapshot {
  /** OpenTelemetry name. */
  name: string;
  /** Instrument kind. */
  type: MetricType;
  /** UCUM unit. */
  unit: string;
  /** Description. */
  description: string;
  /** Data points, sorted by attributes. */
  points: PointSnapshot[];
}

/** Every metric of a registry at one instant. */
export interface MetricsSnapshot {
  /** Milliseconds since the epoch when the snapshot was taken. */
  timestamp: number;
  /** Metrics sorted by name. */
  metrics: MetricSnapshot[];
}
