'use strict';
// Shared plumbing for the benchmark suites: run Benchmark.js suites, print a
// markdown table with ratios against the table's peer, and record each table
// (with its peer, unit and direction: lib/record.js) so that CI can compute
// ratios from a run (bench/compare.js, bench/check.js).
const { spawnSync } = require('node:child_process');
const { benchmarkWithClock } = require('./clocks.js');
const { machine } = require('./machine.js');
const { settings } = require('./settings.js');
const { record, recordColumns } = require('./record.js');
const { wants, pick } = require('./selection.js');
const { median } = require('./results.js');

/** One pass of a Benchmark.js suite over `cases`: [{ name, hz, rme, samples }]. */
function runOnce(title, cases, options) {
  return new Promise((resolve, reject) => {
    const suite = new (benchmarkWithClock(settings.clock).Suite)(title);
    for (const c of cases) {
      suite.add(c.name, {
        fn: c.fn,
        defer: Boolean(c.defer),
        minSamples: Math.min(options.minSamples ?? 20, settings.maxMinSamples),
        maxTime: options.maxTime ?? settings.maxTime,
        minTime: settings.minTime,
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

/** Per case, the median over rounds: rounds is [[{ name, hz, rme, samples }]]. */
function medianOfRounds(names, rounds) {
  return names.map((name) => {
    const all = rounds.map((round) => round.find((r) => r.name === name));
    return { name, hz: median(all.map((r) => r.hz)), rme: median(all.map((r) => r.rme)), samples: all.reduce((n, r) => n + r.samples, 0) };
  });
}

/**
 * Runs Benchmark.js over `cases` ({ name, fn, defer?, setup?, teardown? };
 * with `defer: true`, fn receives a deferred and calls deferred.resolve()).
 * Resolves to [{ name, hz, rme, samples }]. The full run measures each case
 * once for maxTime; the quick mode (or options.rounds) runs `rounds` short
 * passes in which the cases take turns and reports each case's median, so
 * that a slow spell of a shared machine hits every case rather than one.
 */
async function runSuite(title, cases, options = {}) {
  const rounds = options.rounds ?? (settings.quick ? settings.rounds : 1);
  const passes = [];
  for (let round = 0; round < rounds; round++) passes.push(await runOnce(title, cases, options));
  return rounds === 1 ? passes[0] : medianOfRounds(cases.map((c) => c.name), passes);
}

/**
 * Runs each case in a process of its own (a real process uses one
 * implementation; sharing one would make call sites polymorphic and let one
 * case's garbage land in the next one's samples): `node --expose-gc file
 * ...argsFor(name)`, whose last stdout line is printCaseResult()'s. The cases
 * take turns over settings.rounds rounds; each case's figure is its median.
 * Returns [{ name, hz, rme, samples }].
 */
function runIsolated(file, argsFor, names, rounds = settings.rounds) {
  const passes = [];
  for (let round = 0; round < rounds; round++) {
    passes.push(
      names.map((name) => {
        const r = spawnSync(process.execPath, ['--expose-gc', file, ...argsFor(name)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
        if (r.status !== 0) throw new Error(`case ${name} of ${file} failed with status ${r.status}`);
        return { ...JSON.parse(r.stdout.trim().split('\n').pop()), name };
      }),
    );
  }
  return medianOfRounds(names, passes);
}

/** In the child process of runIsolated(): runs the one case and prints its result. */
async function printCaseResult(caseSpec) {
  const [result] = await runOnce('case', [caseSpec], { quiet: true });
  process.stdout.write(`${JSON.stringify(result)}\n`);
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

/** A value in its unit: durations in ns/µs/ms, anything else as fmt(). */
function fmtIn(unit, n) {
  if (unit !== 'ns') return fmt(n);
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} ms`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} µs`;
  return `${n.toFixed(0)} ns`;
}

/**
 * Prints a markdown table of rows carrying several measures (`columns`: {
 * field: { unit, lowerIsBetter?, label? } }), each with its ratio against the
 * row named `baseline` (in the column's direction: > 1 is better).
 */
function printColumns(title, rows, columns, baseline) {
  const fields = Object.entries(columns);
  const base = rows.find((r) => r.name === baseline);
  const head = fields.map(([f, c]) => `${c.label ?? f} (${c.unit})`);
  const ratios = base ? fields.map(([f]) => `${columns[f].label ?? f} vs ${baseline}`) : [];
  const lines = [`\n### ${title}`, '', `| case | ${[...head, ...ratios].join(' | ')} |`, `| --- |${' ---: |'.repeat(head.length + ratios.length)}`];
  for (const r of rows) {
    const cells = fields.map(([f, c]) => fmtIn(c.unit, r[f]));
    if (base) {
      for (const [f, c] of fields) {
        const ok = base[f] > 0 && r[f] > 0;
        cells.push(ok ? `${(c.lowerIsBetter ? base[f] / r[f] : r[f] / base[f]).toFixed(2)}x` : '-');
      }
    }
    lines.push(`| ${r.name} | ${cells.join(' | ')} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Prints a table and records it (when the run records: `npm run bench --
 * --json DIR`). rows: [{ name, value, rme? }]; spec: { peer, title, unit?,
 * lowerIsBetter? }, where peer names the row the others are measured against
 * (null: the rows are not one measure and are not compared).
 *
 * With `spec.columns` ({ field: { unit, lowerIsBetter?, label? } }) the rows
 * carry several measures (e.g. ops/s, p50, p99): one table is printed with a
 * ratio per measure (> 1 is better), and each measure is recorded as its own
 * table `<table>.<field>` with the same peer (recordColumns).
 */
function report(suite, table, rows, spec) {
  if (spec.columns !== undefined) {
    const { columns, ...rest } = spec;
    printColumns(spec.title ?? table, rows, columns, spec.peer ?? undefined);
    recordColumns(suite, table, rows, columns, rest);
    return;
  }
  printTable(spec.title ?? table, rows, { baseline: spec.peer ?? undefined, unit: spec.unit, lowerIsBetter: spec.lowerIsBetter });
  record(suite, table, rows, spec);
}

/** Loads the built package (run `npm run build:ts` first; `npm run bench` does). */
function loadTiercache() {
  return require('../../dist/index.js');
}

module.exports = {
  machine,
  settings,
  runSuite,
  runIsolated,
  printCaseResult,
  printTable,
  toRows,
  report,
  record,
  recordColumns,
  wants,
  pick,
  loadTiercache,
  fmt,
  fmtIn,
};
