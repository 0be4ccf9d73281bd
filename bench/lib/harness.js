'use strict';
// Shared plumbing for the benchmark suites: run Benchmark.js suites, print a
// markdown table with ratios against a named peer, and record JSON results so
// CI can compare a change against main (bench/compare.js).
const fs = require('node:fs');
const path = require('node:path');
const Benchmark = require('benchmark');

/** Machine description printed with every table: ratios only mean something on one machine. */
function machine() {
  const os = require('node:os');
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0] ? cpus[0].model.trim() : 'unknown cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}-${process.arch}`;
}

/**
 * Runs one Benchmark.js suite. `cases` is an array of { name, fn, defer?, setup?, teardown? };
 * with `defer: true`, fn receives a deferred and calls deferred.resolve().
 * Resolves to [{ name, hz, rme, samples }].
 */
function runSuite(title, cases, options = {}) {
  return new Promise((resolve, reject) => {
    const suite = new Benchmark.Suite(title);
    for (const c of cases) {
      suite.add(c.name, {
        fn: c.fn,
        defer: Boolean(c.defer),
        minSamples: options.minSamples ?? 20,
        maxTime: options.maxTime ?? Number(process.env.BENCH_MAX_TIME ?? 2),
        onStart: c.setup,
        onComplete: c.teardown,
      });
    }
    const results = [];
    suite.on('cycle', (event) => {
      const b = event.target;
      if (b.error) {
        reject(b.error);
        return;
      }
      results.push({ name: b.name, hz: b.hz, rme: b.stats.rme, samples: b.stats.sample.length });
      if (!options.quiet) process.stderr.write(`  ${String(b)}\n`);
    });
    suite.on('complete', () => resolve(results));
    suite.on('error', (e) => reject(e.target.error));
    suite.run({ async: true });
  });
}

function fmt(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(n < 10 ? 2 : 0);
}

/**
 * Prints a markdown table of `rows` ({ name, value, rme? }) with a ratio column
 * against the row named `baseline` (higher value is better unless lowerIsBetter).
 */
function printTable(title, rows, { baseline, unit = 'ops/s', lowerIsBetter = false } = {}) {
  const base = rows.find((r) => r.name === baseline);
  const lines = [`\n### ${title}`, '', `| case | ${unit} | ± | vs ${baseline ?? '-'} |`, '| --- | ---: | ---: | ---: |'];
  for (const r of rows) {
    let ratio = '-';
    if (base && base.value > 0 && r.value > 0) {
      ratio = `${(lowerIsBetter ? base.value / r.value : r.value / base.value).toFixed(2)}x`;
    }
    const rme = r.rme === undefined ? '' : `${r.rme.toFixed(1)}%`;
    lines.push(`| ${r.name} | ${typeof r.value === 'number' ? fmt(r.value) : r.value} | ${rme} | ${ratio} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Converts runSuite results to table rows. */
function toRows(results, scale = 1) {
  return results.map((r) => ({ name: r.name, value: r.hz * scale, rme: r.rme }));
}

/** Appends a suite's rows to $BENCH_JSON_DIR/<suite>.json when that variable is set. */
function record(suite, table, rows) {
  const dir = process.env.BENCH_JSON_DIR;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${suite}.json`);
  const existing = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { machine: machine(), tables: {} };
  existing.tables[table] = rows;
  fs.writeFileSync(file, `${JSON.stringify(existing, null, 2)}\n`);
}

/** Loads the built package (run `npm run build:ts` first; `npm run bench` does). */
function loadTiercache() {
  return require('../../dist/index.js');
}

module.exports = { machine, runSuite, printTable, toRows, record, loadTiercache, fmt };
