/** BatchProcessor: the public surface of ts/batch. */
export { BatchProcessor } from './processor.js';
export type { BatchLoadOptions, BatchCloseOptions } from './processor.js';
export type { BatchProcessorOptions, BatchResults } from './options.js';
export type { BatchStats } from './stats.js';
