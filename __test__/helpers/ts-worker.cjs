// Starts a TypeScript worker thread: Node 20 does not run --import preloads
// in worker threads, so register tsx here, then load workerData.script.
require('tsx/cjs');
require(require('node:worker_threads').workerData.script);
