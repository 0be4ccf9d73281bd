'use strict';
// Invalidation traffic and staleness with 3, 6 and 12 app processes on one
// redis-server (docs/scaling.md): each process runs the multi-process test's
// workload (__test__/helpers/tier-process.ts, through tsx) for a few seconds;
// the staleness checker replays every operation. Reports, per process count:
// writes, invalidation messages received in total and per write (the pub/sub
// fan-out), the maximum staleness observed and the slowest operation.
//
// Run: node bench/tier-scale.js [counts...]   (default 3 6 12; BENCH_RUN_MS)
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { machine } = require('./lib/harness.js');

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const script = `
const { RedisServer } = require('./__test__/helpers/redis-server.ts');
const { runProcesses } = require('./__test__/helpers/tier-processes.ts');
const { checkStaleness } = require('./__test__/helpers/staleness-checker.ts');
const counts = ${JSON.stringify(counts.length > 0 ? counts : [3, 6, 12])};
const runMs = ${Number(process.env.BENCH_RUN_MS || 4000)};
(async () => {
  const rows = [];
  for (const n of counts) {
    const server = await RedisServer.start();
    const run = await runProcesses(n, { port: server.port, namespace: 'scale', mode: 'publish', keys: 64, loops: 2, runMs, commandTimeoutMs: 1000, heartbeatMs: 250, maxStalenessMs: 1000 });
    const ops = run.reports.flatMap((r) => r.ops);
    const writes = ops.filter((o) => o.t !== 'r' && o.ok).length;
    const received = run.reports.reduce((s, r) => s + r.stats.invalidations.received, 0);
    const result = checkStaleness(ops, 1000);
    rows.push({ n, ok: run.exitCodes.every((c) => c === 0), writes, received, perWrite: received / Math.max(1, writes), ops: ops.length, maxStaleness: result.maxStalenessMs, maxOp: result.maxOpMs, violations: result.violations.length });
    await server.stop();
  }
  console.log(JSON.stringify(rows));
})();
`;
const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
  cwd: path.join(__dirname, '..'),
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
if (r.status !== 0) {
  process.stderr.write(r.stderr);
  process.exit(1);
}
const rows = JSON.parse(r.stdout.trim().split('\n').pop());
const lines = [
  `\nMachine: ${machine()}`,
  '',
  '### Invalidation traffic and staleness by process count (publish mode, one redis-server)',
  '',
  '| processes | operations | acked writes+deletes | invalidations received | per write (fan-out) | max staleness | slowest op | violations |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const x of rows) {
  lines.push(`| ${x.n} | ${x.ops} | ${x.writes} | ${x.received} | ${x.perWrite.toFixed(2)} | ${x.maxStaleness.toFixed(1)} ms | ${x.maxOp.toFixed(1)} ms | ${x.violations}${x.ok ? '' : ' (a process failed)'} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
