'use strict';
// Reading recorded runs (lib/record.js) and the ratios in them. A ratio is
// always measured within one run: value(case) / value(peer) in one table, so a
// slower or busier machine cancels out. Ratios are compared in the table's
// own direction: for a lower-is-better unit (ns, bytes, ms) a ratio that rises
// is a regression.
const fs = require('node:fs');
const path = require('node:path');
const { FORMAT } = require('./record.js');

/**
 * How far a ratio may fall before it counts as a regression (a fraction of the
 * reference ratio). Chosen from repeated quick runs on the shared 2-core VM
 * (docs/benchmarks.md): an unchanged tree stayed within about 15% of most
 * claims, and a regression of 30% or more fails.
 */
const DEFAULT_THRESHOLD = 0.2;

/** A usage or data problem that makes a comparison impossible (exit status 2). */
class BenchInputError extends Error {}

function readJson(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new BenchInputError(`cannot read ${file}: ${error.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BenchInputError(`${file} is not valid JSON: ${error.message}`);
  }
}

function checkSuiteDoc(doc, file) {
  if (!doc || doc.format !== FORMAT) {
    throw new BenchInputError(
      `${file} is not a run recorded by bench/lib/record.js (format ${JSON.stringify(doc && doc.format)}, expected ${FORMAT}); record it again with npm run bench -- --json DIR`,
    );
  }
  if (typeof doc.suite !== 'string' || !doc.tables || typeof doc.tables !== 'object') throw new BenchInputError(`${file} has no suite name or tables`);
  for (const [name, table] of Object.entries(doc.tables)) {
    if (!table || !Array.isArray(table.rows) || !('peer' in table)) throw new BenchInputError(`${file}: table ${JSON.stringify(name)} has no rows or no peer`);
  }
  return doc;
}

/**
 * Loads a run: a directory of <suite>.json files (or one such file). Returns
 * { source, suites: Map<suite, doc> }.
 */
function loadRun(location) {
  let stat;
  try {
    stat = fs.statSync(location);
  } catch {
    throw new BenchInputError(`no recorded run at ${location}`);
  }
  const files = stat.isDirectory()
    ? fs
        .readdirSync(location)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => path.join(location, f))
    : [location];
  if (files.length === 0) throw new BenchInputError(`${location} holds no recorded suite (*.json)`);
  const suites = new Map();
  for (const file of files) {
    const doc = checkSuiteDoc(readJson(file), file);
    if (suites.has(doc.suite)) throw new BenchInputError(`${location}: suite ${doc.suite} is recorded twice`);
    suites.set(doc.suite, doc);
  }
  return { source: location, suites };
}

/** The recorded table, or an { error } saying what is missing. */
function findTable(run, suite, table) {
  const doc = run.suites.get(suite);
  if (!doc) return { error: `suite ${suite} was not recorded` };
  const t = doc.tables[table];
  if (!t) return { error: `table ${JSON.stringify(table)} was not recorded by suite ${suite}` };
  return { table: t };
}

/**
 * value(caseName) / value(peerName) in `table`: { ratio } or { error, missing }
 * (missing: a row is absent, as when a case was renamed or removed).
 */
function ratioIn(table, caseName, peerName) {
  const row = table.rows.find((r) => r.case === caseName);
  if (!row) return { error: `case ${JSON.stringify(caseName)} is not in the table`, missing: true };
  const peer = table.rows.find((r) => r.case === peerName);
  if (!peer) return { error: `peer ${JSON.stringify(peerName)} is not in the table`, missing: true };
  if (!(peer.value > 0) || !Number.isFinite(peer.value)) return { error: `peer ${JSON.stringify(peerName)} measured ${peer.value}: no ratio` };
  if (!(row.value > 0) || !Number.isFinite(row.value)) return { error: `case measured ${row.value}: no ratio` };
  return { ratio: row.value / peer.value, row, peer };
}

/**
 * Relative change from `reference` to `measured` ratio, positive when better
 * in the table's direction: -0.25 = a quarter worse.
 */
function change(reference, measured, lowerIsBetter) {
  return lowerIsBetter ? reference / measured - 1 : measured / reference - 1;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A ratio as printed: three significant digits and an x. */
function formatRatio(r) {
  return r === undefined || r === null ? '-' : `${Number(r.toPrecision(3))}x`;
}

function formatChange(c) {
  return c === undefined ? '-' : `${c >= 0 ? '+' : ''}${(c * 100).toFixed(1)}%`;
}

module.exports = { DEFAULT_THRESHOLD, BenchInputError, loadRun, findTable, ratioIn, change, median, formatRatio, formatChange };
