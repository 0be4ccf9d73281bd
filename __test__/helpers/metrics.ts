import type { HistogramPointSnapshot, MetricsSnapshot, ValuePointSnapshot } from '../../ts/metrics/index.js';

/** The value (or histogram count) of the series of `name` with exactly these attributes. */
export function metricValue(snapshot: MetricsSnapshot, name: string, attributes: Record<string, string>): number | undefined {
  const metric = snapshot.metrics.find((m) => m.name === name);
  const p = metric?.points.find(
    (x) =>
      Object.entries(attributes).every(([k, v]) => x.attributes[k] === v) &&
      Object.keys(x.attributes).length === Object.keys(attributes).length,
  );
  if (p === undefined) return undefined;
  return 'value' in p ? (p as ValuePointSnapshot).value : (p as HistogramPointSnapshot).count;
}
