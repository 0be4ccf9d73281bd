'use strict';
// Runs every suite (bench/*.bench.js) in its own process, one after another,
// so that one suite's heap and JIT state do not colour the next.
//
// Usage: node bench/index.js [--json DIR] [--quick] [name-filter...]
//   --json DIR  record every table of every suite run as DIR/<suite>.json
//               (format: bench/lib/record.js; compare two runs with
//               bench/compare.js). BENCH_JSON_DIR=DIR does the same.
//   --quick     shorter measurements (bench/lib/settings.js): what
//               `npm run bench:check` runs; not for publishing figures.
// Exits 1 when a suite fails, or records nothing although asked to.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { machine } = require('./lib/machine.js');

/** Parses the command line: { jsonDir, quick, filters }; throws a usage error on a bad one. */
function parseArgs(argv) {
  const out = { jsonDir: null, quick: false, filters: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') {
      if (!argv[i + 1] || argv[i + 1].startsWith('--')) throw new Error('--json needs a directory');
      out.jsonDir = argv[++i];
    } else if (arg.startsWith('--json=')) out.jsonDir = arg.slice('--json='.length);
    else if (arg === '--quick') out.quick = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else out.filters.push(arg);
  }
  return out;
}

/** Suites (file names) in bench/ matching any of `filters` (all when none). */
function listSuites(filters) {
  return fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
}

function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\nusage: node bench/index.js [--json DIR] [--quick] [name-filter...]\n`);
    process.exit(2);
  }
  // `npm run bench -- --json DIR` runs in the package root: resolve DIR against where npm was invoked.
  const base = process.env.INIT_CWD || process.cwd();
  const jsonDir = args.jsonDir ? path.resolve(base, args.jsonDir) : process.env.BENCH_JSON_DIR || null;
  const env = { ...process.env };
  if (jsonDir) {
    fs.mkdirSync(jsonDir, { recursive: true });
    env.BENCH_JSON_DIR = jsonDir;
  }
  if (args.quick) env.BENCH_QUICK = '1';

  const suites = listSuites(args.filters);
  if (suites.length === 0) {
    process.stderr.write(`no suite matches ${args.filters.join(', ')}\n`);
    process.exit(2);
  }
  process.stdout.write(`# tiercache benchmarks${args.quick ? ' (quick mode)' : ''}\n\nMachine: ${machine()}\n`);
  let failed = 0;
  for (const file of suites) {
    const suite = file.replace('.bench.js', '');
    const recorded = jsonDir ? path.join(jsonDir, `${suite}.json`) : null;
    // A run's directory holds that run only: a table left from an earlier run would read as measured now.
    if (recorded) fs.rmSync(recorded, { force: true });
    process.stdout.write(`\n## ${suite}\n`);
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, file)], { stdio: 'inherit', env });
    process.stderr.write(`suite ${suite} took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    if (r.status !== 0) {
      failed++;
      process.stderr.write(`suite ${suite} failed with ${r.status === null ? `signal ${r.signal}` : `status ${r.status}`}\n`);
    } else if (recorded && !fs.existsSync(recorded)) {
      failed++;
      process.stderr.write(`suite ${suite} recorded no table into ${jsonDir} (every printed table must be recorded: lib/harness.js report/record)\n`);
    }
  }
  if (jsonDir) process.stderr.write(`results recorded in ${jsonDir}\n`);
  process.exit(failed === 0 ? 0 : 1);
}

main();
