'use strict';
// The recorded form of a benchmark run: one JSON file per suite in a
// directory (`npm run bench -- --json DIR`), each table with its unit, its
// direction and the row that is its peer, so that ratios can be computed
// later (bench/compare.js, bench/check.js) without guessing.
//
//   DIR/<suite>.json = {
//     format: 'tiercache-bench/1', suite, machine, node, settings,
//     tables: { <table>: { title, unit, lowerIsBetter, peer, rows: [{ case, value, rme?, samples? }] } }
//   }
//
// `peer` names the row that the table's other rows are measured against
// (lru-cache, generic-pool, gzip, ...), or is null for a table whose rows are
// not one measure (e.g. several kinds of timings side by side): such a table
// is recorded for the record and never compared.
const fs = require('node:fs');
const path = require('node:path');
const { machine } = require('./machine.js');
const { settings } = require('./settings.js');

const FORMAT = 'tiercache-bench/1';

/** The directory runs are recorded into: `--json DIR` of bench/index.js passes it on as BENCH_JSON_DIR. */
function recordDir() {
  return process.env.BENCH_JSON_DIR || null;
}

/**
 * Checks a table before it is recorded: a malformed table fails the suite
 * now rather than turning up later as a claim that cannot be measured.
 */
function normalizeTable(suite, table, rows, spec) {
  const where = `bench ${suite} / ${table}`;
  if (typeof suite !== 'string' || suite === '') throw new TypeError(`${where}: suite must be a non-empty string`);
  if (typeof table !== 'string' || table === '') throw new TypeError(`${where}: table must be a non-empty string`);
  if (!spec || !Object.prototype.hasOwnProperty.call(spec, 'peer')) {
    throw new TypeError(`${where}: spec.peer must name the row the others are measured against (or be null for a table that is not compared)`);
  }
  if (!Array.isArray(rows) || rows.length === 0) throw new TypeError(`${where}: rows must be a non-empty array`);
  const seen = new Set();
  const out = rows.map((r, i) => {
    const name = r.case ?? r.name;
    if (typeof name !== 'string' || name === '') throw new TypeError(`${where}: rows[${i}] has no name`);
    if (seen.has(name)) throw new TypeError(`${where}: two rows are named ${JSON.stringify(name)}`);
    seen.add(name);
    if (typeof r.value !== 'number' || Number.isNaN(r.value)) throw new TypeError(`${where}: rows[${i}] (${name}) value must be a number, got ${r.value}`);
    const row = { case: name, value: r.value };
    if (typeof r.rme === 'number' && Number.isFinite(r.rme)) row.rme = r.rme;
    if (typeof r.samples === 'number') row.samples = r.samples;
    return row;
  });
  const peer = spec.peer;
  if (peer !== null && !seen.has(peer)) throw new TypeError(`${where}: peer ${JSON.stringify(peer)} is not one of its rows`);
  return {
    title: spec.title ?? table,
    unit: spec.unit ?? 'ops/s',
    lowerIsBetter: Boolean(spec.lowerIsBetter),
    peer,
    rows: out,
  };
}

/**
 * Records one table of `suite` into BENCH_JSON_DIR/<suite>.json (merging with
 * the tables already recorded there by this run); does nothing when no
 * directory was asked for. Rows are { name, value, rme?, samples? }; spec is
 * { peer, unit?, lowerIsBetter?, title? }. The table is validated either way.
 */
function record(suite, table, rows, spec) {
  const entry = normalizeTable(suite, table, rows, spec);
  const dir = recordDir();
  if (!dir) return entry;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${suite}.json`);
  const existing = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
  const doc =
    existing && existing.format === FORMAT
      ? existing
      : { format: FORMAT, suite, machine: machine(), node: process.version, settings, tables: {} };
  doc.tables[table] = entry;
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return entry;
}

/**
 * Records a table whose rows carry several measures (e.g. round trips, p50
 * and p99 per scenario) as one table per measure, named `<table>.<column>`.
 * `columns` maps a row field to { unit, lowerIsBetter? }.
 */
function recordColumns(suite, table, rows, columns, spec) {
  for (const [field, column] of Object.entries(columns)) {
    record(
      suite,
      `${table}.${field}`,
      rows.map((r) => ({ name: r.name, value: r[field] })),
      { ...spec, ...column, title: `${spec.title ?? table}: ${field}` },
    );
  }
}

module.exports = { FORMAT, record, recordColumns, normalizeTable, recordDir };
