'use strict';
// Compares two benchmark runs recorded with BENCH_JSON_DIR (e.g. main and a
// pull request, run on the same CI machine one after the other) and prints a
// markdown table per suite. What is compared are the ratios against the peer
// in each table, not raw ops/s, so that a slower or busier runner does not
// read as a regression. Exits 1 when a ratio falls by more than --threshold
// (default 15%).
// Usage: node bench/compare.js <base-dir> <head-dir> [--threshold 0.15]
const fs = require('node:fs');
const path = require('node:path');

const [baseDir, headDir] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const tIndex = process.argv.indexOf('--threshold');
const threshold = tIndex > 0 ? Number(process.argv[tIndex + 1]) : 0.15;
if (!baseDir || !headDir) {
  console.error('usage: node bench/compare.js <base-dir> <head-dir> [--threshold 0.15]');
  process.exit(2);
}

/** Rows of a recorded table with a numeric `value`, normalised to its last row (the suites list the peers last). */
function ratios(rows) {
  if (!Array.isArray(rows)) return null;
  const numeric = rows.filter((r) => typeof r.value === 'number' && r.value > 0);
  if (numeric.length < 2) return null;
  const pivot = numeric[numeric.length - 1].value;
  return new Map(numeric.map((r) => [r.name, r.value / pivot]));
}

const lines = ['# Benchmark comparison (ratios within each table, head vs base)', ''];
let regressions = 0;
for (const file of fs.readdirSync(headDir).filter((f) => f.endsWith('.json')).sort()) {
  const basePath = path.join(baseDir, file);
  if (!fs.existsSync(basePath)) continue;
  const base = JSON.parse(fs.readFileSync(basePath, 'utf8'));
  const head = JSON.parse(fs.readFileSync(path.join(headDir, file), 'utf8'));
  for (const [table, rows] of Object.entries(head.tables)) {
    const h = ratios(rows);
    const b = ratios(base.tables[table]);
    if (!h || !b) continue;
    lines.push(`## ${file.replace('.json', '')} / ${table}`, '', '| case | base | head | change |', '| --- | ---: | ---: | ---: |');
    for (const [name, hr] of h) {
      const br = b.get(name);
      if (br === undefined) continue;
      const change = hr / br - 1;
      const flag = change < -threshold ? ' (regression)' : '';
      if (flag) regressions++;
      lines.push(`| ${name} | ${br.toFixed(3)} | ${hr.toFixed(3)} | ${(change * 100).toFixed(1)}%${flag} |`);
    }
    lines.push('');
  }
}
lines.push(regressions === 0 ? 'No ratio fell by more than the threshold.' : `${regressions} ratio(s) fell by more than ${threshold * 100}%.`);
console.log(lines.join('\n'));
process.exit(regressions === 0 ? 0 : 1);
