/**
 * Prometheus text exposition format (0.0.4), written from a snapshot.
 * Names follow the OpenTelemetry-to-Prometheus rules: `.` and other invalid
 * characters become `_`, the unit is appended (`_seconds`, `_bytes`,
 * `_ratio`; annotations such as `{request}` are dropped) and counters end
 * in `_total`.
 */
import type { HistogramPointSnapshot, MetricsSnapshot, ValuePointSnapshot } from './snapshot.js';
import type { MetricType } from './definition.js';

/** Options of {@link formatPrometheus}. */
export interface PrometheusOptions {
  /** Prepended to every metric name, e.g. `'myapp_'`. Default none. */
  prefix?: string;
}

const UNIT_SUFFIX: Record<string, string> = {
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  '1': 'ratio',
  '%': 'percent',
};

const PROM_TYPE: Record<MetricType, string> = {
  counter: 'counter',
  updowncounter: 'gauge',
  gauge: 'gauge',
  histogram: 'histogram',
};

/** The Prometheus metric name for an OpenTelemetry name, type and unit. */
export function prometheusName(name: string, type: MetricType, unit: string, prefix = ''): string {
  let out = `${prefix}${name}`.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_+/g, '_');
  if (/^[0-9]/.test(out)) out = `_${out}`;
  const suffix = UNIT_SUFFIX[unit] ?? (unit.startsWith('{') || unit === '' ? '' : unit.replace(/[^a-zA-Z0-9_]/g, '_'));
  // A gauge in unit 1 is a ratio only when it is not a count of something.
  if (suffix !== '' && !(suffix === 'ratio' && type !== 'gauge') && !out.endsWith(`_${suffix}`)) out += `_${suffix}`;
  if (type === 'counter' && !out.endsWith('_total')) out += '_total';
  return out;
}

/** A Prometheus label name for an attribute name. */
export function prometheusLabel(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(out)) out = `_${out}`;
  // `__` is reserved by Prometheus; le and quantile are the bucket/quantile labels.
  if (out.startsWith('__') || out === 'le' || out === 'quantile') out = `attr_${out}`;
  return out;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Formats a sample value as Prometheus (Go ParseFloat) accepts it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function labels(attributes: Record<string, unknown>, extra?: [string, string]): string {
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const key of Object.keys(attributes).sort()) {
    const label = prometheusLabel(key);
    if (seen.has(label)) continue;
    seen.add(label);
    parts.push(`${label}="${escapeLabelValue(String(attributes[key]))}"`);
  }
  if (extra !== undefined) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Formats `snapshot` in the Prometheus text exposition format, one family per metric. */
export function formatPrometheus(snapshot: MetricsSnapshot, options: PrometheusOptions = {}): string {
  const prefix = options.prefix ?? '';
  if (prefix !== '' && !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
    throw new RangeError(`options.prefix must be a valid Prometheus name prefix, got ${JSON.stringify(prefix)}`);
  }
  const lines: string[] = [];
  const written = new Set<string>();
  for (const metric of snapshot.metrics) {
    const name = prometheusName(metric.name, metric.type, metric.unit, prefix);
    // Two OpenTelemetry names can collapse to one Prometheus name (a.b and a_b); keep the first.
    if (written.has(name)) continue;
    written.add(name);
    // An empty HELP line (`# HELP name `) trips some parsers; leave it out instead.
    if (metric.description !== '') lines.push(`# HELP ${name} ${escapeHelp(metric.description)}`);
    lines.push(`# TYPE ${name} ${PROM_TYPE[metric.type]}`);
    for (const point of metric.points) {
      if (metric.type !== 'histogram') {
        const p = point as ValuePointSnapshot;
        lines.push(`${name}${labels(p.attributes)} ${formatValue(p.value)}`);
        continue;
      }
      const h = point as HistogramPointSnapshot;
      let cumulative = 0;
      for (let i = 0; i < h.bounds.length; i++) {
        cumulative += h.counts[i];
        lines.push(`${name}_bucket${labels(h.attributes, ['le', formatValue(h.bounds[i])])} ${cumulative}`);
      }
      lines.push(`${name}_bucket${labels(h.attributes, ['le', '+Inf'])} ${h.count}`);
      lines.push(`${name}_sum${labels(h.attributes)} ${formatValue(h.sum)}`);
      lines.push(`${name}_count${labels(h.attributes)} ${h.count}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
