/**
 * BatchProcessor's report to the metrics registry (`batch.*`). The counters
 * come from `stats()` at scrape time; the only work done while running is one
 * histogram record per executed batch for its size and one for its duration,
 * on events that already cost microseconds.
 */
import { Attr, BatchMetrics, Histogram, type Attributes, type MetricSink } from '../metrics/index.js';
import type { BatchStats } from './stats.js';

const FLUSH_REASONS = ['size', 'bytes', 'oversize', 'time', 'tick', 'manual', 'close'] as const;
const FLUSH = FLUSH_REASONS.map((reason) => Object.freeze({ [Attr.batchFlushReason]: reason }));
const QUEUE_FULL = Object.freeze({ [Attr.batchRejectionReason]: 'queue_full' });
const TOO_LARGE = Object.freeze({ [Attr.batchRejectionReason]: 'too_large' });
const ABORTED = Object.freeze({ [Attr.batchRejectionReason]: 'aborted' });
const CLOSED = Object.freeze({ [Attr.batchRejectionReason]: 'closed' });

/** The histograms one BatchProcessor records into, and how it reads its stats. */
export class BatchRecorder {
  /** Items (unique keys) per executed batch. */
  readonly sizes = new Histogram();
  /** Duration of `execute` calls that succeeded, in nanoseconds. */
  readonly executeOk = new Histogram();
  /** Duration of failed `execute` calls by error code (`error.type`). */
  readonly executeFailed = new Map<string, { histogram: Histogram; attributes: Attributes }>();

  constructor(readonly stats: () => BatchStats) {}

  /** Records the duration of a failed `execute` under its error code. */
  failed(code: string, ns: number): void {
    let entry = this.executeFailed.get(code);
    if (entry === undefined) {
      entry = { histogram: new Histogram(), attributes: Object.freeze({ [Attr.errorType]: code }) };
      this.executeFailed.set(code, entry);
    }
    entry.histogram.record(ns);
  }
}

/** Reports one processor (a module-level function: the registry holds the recorder weakly). */
export function collectBatch(r: BatchRecorder, sink: MetricSink): void {
  const s = r.stats();
  for (let i = 0; i < FLUSH_REASONS.length; i++) sink.observe(BatchMetrics.flushes, s.flushes[FLUSH_REASONS[i]], FLUSH[i]);
  sink.observe(BatchMetrics.items, s.items);
  sink.observe(BatchMetrics.deduplicated, s.deduped);
  sink.observe(BatchMetrics.rejections, s.rejected.queueFull, QUEUE_FULL);
  sink.observe(BatchMetrics.rejections, s.rejected.tooLarge, TOO_LARGE);
  sink.observe(BatchMetrics.rejections, s.rejected.aborted, ABORTED);
  sink.observe(BatchMetrics.rejections, s.rejected.closed, CLOSED);
  sink.observe(BatchMetrics.queued, s.queued);
  sink.observe(BatchMetrics.queuedBytes, s.queuedBytes);
  sink.observe(BatchMetrics.inFlight, s.inFlight);
  sink.observe(BatchMetrics.size, r.sizes);
  sink.observe(BatchMetrics.executeDuration, r.executeOk);
  for (const { histogram, attributes } of r.executeFailed.values()) sink.observe(BatchMetrics.executeDuration, histogram, attributes);
}
