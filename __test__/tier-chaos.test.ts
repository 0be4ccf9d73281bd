/**
 * Chaos during the multi-process run: while three processes read and write,
 * the redis-server is killed (-9) and restarted, then frozen (SIGSTOP) and
 * resumed. Every call still returns (no hang), no process crashes, there is
 * no unhandled rejection, the staleness checker finds no read staler than the
 * bound (reads served as stale while Redis was unreachable are reported
 * apart), and coherence comes back by itself.
 */
import test from 'ava';
import { RedisServer } from './helpers/redis-server.js';
import { checkStaleness } from './helpers/staleness-checker.js';
import { startProcesses } from './helpers/tier-processes.js';
import { guardUnhandledRejections } from './helpers/tier.js';

const PROCESSES = 3;
const BOUND_MS = 1000;
const NO_HANG_MS = 5000;

const sleepUntil = (at: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

test('kill -9, restart and SIGSTOP of Redis during a 3-process run: no hang, no crash, no stale read past the bound, coherence recovers', async (t) => {
  guardUnhandledRejections(t);
  const server = await RedisServer.start(t);
  const running = startProcesses(PROCESSES, {
    port: server.port,
    namespace: 'chaos',
    mode: 'publish',
    keys: 16,
    loops: 3,
    runMs: 8000,
    commandTimeoutMs: 100,
    heartbeatMs: 100,
    maxStalenessMs: BOUND_MS,
  });
  const { startAt } = await running.started;
  const timeline: string[] = [];
  const mark = (what: string): void => {
    timeline.push(`${what} at +${Date.now() - startAt} ms`);
  };
  await sleepUntil(startAt + 1500);
  await server.kill();
  mark('kill -9');
  await sleepUntil(startAt + 2500);
  await server.restart();
  const restartedAt = Date.now();
  mark('restart');
  await sleepUntil(startAt + 4500);
  server.pause();
  mark('SIGSTOP');
  await sleepUntil(startAt + 5700);
  server.resume();
  const resumedAt = Date.now();
  mark('SIGCONT');
  const run = await running.done;
  t.log(timeline.join(', '));
  t.deepEqual(run.exitCodes, Array(PROCESSES).fill(0), `no process crashed: ${run.stderr.join('\n')}`);
  t.is(run.reports.length, PROCESSES);
  for (const r of run.reports) {
    t.deepEqual(r.unhandled, [], `process ${r.id}: no unhandled rejection`);
    t.true(r.coherentAtEnd, `process ${r.id}: coherence recovered`);
    t.true(
      r.flushes.some((f) => f.at >= restartedAt && (f.reason === 'reconnect' || f.reason === 'connect')),
      `process ${r.id}: L1 flushed when its subscriber came back (${JSON.stringify(r.flushes)})`,
    );
  }
  const ops = run.reports.flatMap((r) => r.ops);
  const result = checkStaleness(ops, BOUND_MS);
  const failed = ops.filter((o) => !o.ok).length;
  const okWritesAfter = ops.filter((o) => o.t === 'w' && o.ok && o.s > resumedAt + 1000).length;
  t.log(
    `${ops.length} ops (${failed} failed during outages), ${result.reads} reads (${result.judged} judged, ${result.degradedReads} served stale); ` +
      `max staleness ${result.maxStalenessMs.toFixed(2)} ms (bound ${BOUND_MS} ms), degraded reads max ${result.maxDegradedStalenessMs.toFixed(1)} ms; ` +
      `longest op ${result.maxOpMs.toFixed(1)} ms; breaker opened: ${run.reports.map((r) => r.stats.breaker).join('/')}`,
  );
  t.true(result.maxOpMs < NO_HANG_MS, `every call returned (longest ${result.maxOpMs.toFixed(0)} ms)`);
  t.true(failed > 0, 'the outages were felt');
  t.true(okWritesAfter > 100, `writes succeed again after recovery (${okWritesAfter})`);
  t.deepEqual(result.phantoms, [], 'no read returned a value nobody wrote');
  t.deepEqual(result.violations.slice(0, 5), [], `violations: ${result.violations.length}`);
});
