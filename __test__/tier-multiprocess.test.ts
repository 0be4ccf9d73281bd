/**
 * Three separate Node processes share one redis-server and run random reads,
 * writes and deletes for a few seconds; the staleness checker replays every
 * acknowledgement and every read and asserts that no read returned a value
 * older than the newest write acknowledged more than the bound earlier. The
 * bound is coherence.maxStalenessMs (the trust window); the maximum observed
 * staleness is logged (docs/coherence.md quotes it). Run once per coherence
 * mode: the evaluation of publish vs tracking on the same workload.
 */
import test from 'ava';
import type { CoherenceMode } from '../ts/index.js';
import { RedisServer } from './helpers/redis-server.js';
import { checkStaleness } from './helpers/staleness-checker.js';
import { runProcesses } from './helpers/tier-processes.js';

const PROCESSES = 3;
const RUN_MS = 4000;
const BOUND_MS = 1000;

for (const mode of ['publish', 'tracking'] as CoherenceMode[]) {
  test.serial(`[${mode}] ${PROCESSES} processes, random reads and writes: no read is staler than the bound`, async (t) => {
    const server = await RedisServer.start(t);
    const run = await runProcesses(PROCESSES, {
      port: server.port,
      namespace: `mp-${mode}`,
      mode,
      keys: 16,
      loops: 3,
      runMs: RUN_MS,
      commandTimeoutMs: 1000,
      heartbeatMs: 100,
      maxStalenessMs: BOUND_MS,
    });
    t.deepEqual(run.exitCodes, Array(PROCESSES).fill(0), run.stderr.join('\n'));
    t.is(run.reports.length, PROCESSES);
    for (const r of run.reports) {
      t.deepEqual(r.unhandled, [], `process ${r.id}: unhandled rejections`);
      t.true(r.coherentAtEnd, `process ${r.id} coherent at the end`);
    }
    const ops = run.reports.flatMap((r) => r.ops);
    const result = checkStaleness(ops, BOUND_MS);
    t.log(
      `${mode}: ${ops.length} ops, ${result.reads} reads (${result.judged} judged), ${result.writes} writes; ` +
        `max staleness ${result.maxStalenessMs.toFixed(2)} ms (bound ${BOUND_MS} ms); longest op ${result.maxOpMs.toFixed(1)} ms; ` +
        `invalidations received ${run.reports.map((r) => r.stats.invalidations.received).join('/')}`,
    );
    t.true(result.judged > 200, `enough reads were judged (${result.judged})`);
    t.deepEqual(result.phantoms, [], 'no read returned a value nobody wrote');
    t.deepEqual(result.violations.slice(0, 5), [], `violations: ${result.violations.length}`);
  });
}
