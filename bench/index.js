'use strict';
// Runs every suite (bench/*.bench.js) in its own process, one after another,
// so that one suite's heap and JIT state do not colour the next.
// Usage: node bench/index.js [name-filter...]
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { machine } = require('./lib/harness.js');

const filters = process.argv.slice(2);
const suites = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

process.stdout.write(`# tiercache benchmarks\n\nMachine: ${machine()}\n`);
let failed = 0;
for (const file of suites) {
  process.stdout.write(`\n## ${file.replace('.bench.js', '')}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`suite ${file} failed with status ${r.status}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
