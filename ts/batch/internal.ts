/**
 * Internal: build a BatchProcessor on a chosen implementation regardless of
 * the process-wide one, for the differential test and the benchmarks. Not
 * part of the public API.
 */
import type { Implementation } from '../native/index.js';
import type { Accumulator, AccumulatorLimits } from './accumulator.js';
import { JsAccumulator } from './js-accumulator.js';
import { NativeAccumulator } from './native-accumulator.js';
import type { BatchProcessorOptions } from './options.js';
import { BatchProcessor, constructWith } from './processor.js';
import { requireNativeBinding } from '../native/index.js';

/** A BatchProcessor on `chosen` ('native' needs the addon: ERR_NATIVE_UNAVAILABLE otherwise). */
export function createBatchProcessor<K, V>(options: BatchProcessorOptions<K, V>, chosen: Implementation): BatchProcessor<K, V> {
  return constructWith(chosen, () => new BatchProcessor<K, V>(options));
}

/** A bare accumulator of `chosen`, for the differential test. */
export function createAccumulator(limits: AccumulatorLimits, chosen: Implementation): Accumulator {
  return chosen === 'native' ? new NativeAccumulator(requireNativeBinding(), limits) : new JsAccumulator(limits);
}
