/** OffHeapCache reports into the metrics registry (both implementations). */
import test from 'ava';
import { OffHeapCache } from '../ts/index.js';
import { registerCacheMetricsTest } from './helpers/metrics.js';

registerCacheMetricsTest(test, (options) => new OffHeapCache(options), Buffer.alloc(20_000));
