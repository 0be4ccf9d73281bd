'use strict';
// The claimed ratios (bench/baseline.json): what the README says tiercache
// achieves against its peers, each one measurable in a recorded run.
//
//   { "claims": [ { "suite", "table", "case", "peer", "ratio", "lowerIsBetter"?, "threshold"?, "note"? } ] }
//
// ratio = value(case) / value(peer) in that table of one run. lowerIsBetter
// must be given (true) for a table whose unit is lower-is-better (ns, bytes,
// ms), so that a claim says which way is worse; it must agree with the
// recorded table. A claim whose ratio is null has not been measured yet
// (`npm run bench:check -- --update` fills it in). A claim that cannot be
// measured (a suite, table, case or peer renamed or removed) is an error,
// never skipped: the baseline cannot silently rot.
const fs = require('node:fs');
const { BenchInputError, findTable, ratioIn, change, median } = require('./results.js');

const KEYS = new Set(['suite', 'table', 'case', 'peer', 'ratio', 'lowerIsBetter', 'threshold', 'note']);

function claimName(c) {
  return `${c.suite} / ${c.table} / ${c.case} vs ${c.peer}`;
}

/** Validates a baseline document; throws BenchInputError listing every problem. */
function validateBaseline(doc, file = 'baseline') {
  const problems = [];
  if (!doc || !Array.isArray(doc.claims) || doc.claims.length === 0) throw new BenchInputError(`${file}: expected { "claims": [ ... ] } with at least one claim`);
  const seen = new Set();
  doc.claims.forEach((c, i) => {
    const at = `${file}: claims[${i}]`;
    if (!c || typeof c !== 'object') {
      problems.push(`${at} is not an object`);
      return;
    }
    for (const key of Object.keys(c)) if (!KEYS.has(key)) problems.push(`${at} has an unknown field ${JSON.stringify(key)}`);
    for (const key of ['suite', 'table', 'case', 'peer']) {
      if (typeof c[key] !== 'string' || c[key] === '') problems.push(`${at}.${key} must be a non-empty string`);
    }
    if (c.case === c.peer) problems.push(`${at}: case and peer are the same row`);
    if (c.ratio !== null && !(typeof c.ratio === 'number' && c.ratio > 0 && Number.isFinite(c.ratio))) {
      problems.push(`${at}.ratio must be a positive number (or null until measured), got ${JSON.stringify(c.ratio)}`);
    }
    if ('lowerIsBetter' in c && typeof c.lowerIsBetter !== 'boolean') problems.push(`${at}.lowerIsBetter must be true or false`);
    if ('threshold' in c && !(typeof c.threshold === 'number' && c.threshold > 0 && c.threshold < 1)) problems.push(`${at}.threshold must be a fraction between 0 and 1`);
    const name = claimName(c);
    if (seen.has(name)) problems.push(`${at}: ${name} is claimed twice`);
    seen.add(name);
  });
  if (problems.length > 0) throw new BenchInputError(problems.join('\n'));
  return doc;
}

function loadBaseline(file) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new BenchInputError(`cannot read baseline ${file}: ${error.message}`);
  }
  return validateBaseline(doc, file);
}

/**
 * What a run must measure for these claims: { <suite>: { tables, cases } }
 * (the BENCH_SELECT of lib/selection.js), cases including the peers.
 */
function selectionFor(claims) {
  const sel = {};
  for (const c of claims) {
    const s = (sel[c.suite] ??= { tables: [], cases: [] });
    if (!s.tables.includes(c.table)) s.tables.push(c.table);
    for (const name of [c.case, c.peer]) if (!s.cases.includes(name)) s.cases.push(name);
  }
  return sel;
}

/** One claim's ratio in one run: { ratio, rme: [case, peer] } or { error }. */
function measureClaim(claim, run) {
  const found = findTable(run, claim.suite, claim.table);
  if (found.error) return { error: found.error };
  const table = found.table;
  if (Boolean(claim.lowerIsBetter) !== table.lowerIsBetter) {
    return {
      error: `the table's unit (${table.unit}) is ${table.lowerIsBetter ? 'lower' : 'higher'}-is-better but the claim says ${claim.lowerIsBetter ? 'lower' : 'higher'} (set "lowerIsBetter": ${table.lowerIsBetter})`,
    };
  }
  const r = ratioIn(table, claim.case, claim.peer);
  if (r.error) return { error: r.error };
  return { ratio: r.ratio, rme: [r.row.rme, r.peer.rme], unit: table.unit };
}

/**
 * Measures every claim in `runs` (the median ratio over them) and judges it
 * against the claimed ratio. Returns rows [{ claim, measured, change,
 * threshold, status, message }], status 'ok', 'better' (beyond the threshold
 * the other way: the claim understates), 'regression' or 'error'.
 */
function evaluateClaims(claims, runs, { threshold }) {
  return claims.map((claim) => {
    const t = claim.threshold ?? threshold;
    const measures = runs.map((run) => measureClaim(claim, run));
    const failed = measures.find((m) => m.error);
    if (failed) return { claim, threshold: t, status: 'error', message: `cannot be measured: ${failed.error}` };
    const measured = median(measures.map((m) => m.ratio));
    const perRun = measures.map((m) => m.ratio);
    const rme = measures[0].rme;
    if (claim.ratio === null) return { claim, measured, perRun, rme, threshold: t, status: 'error', message: 'no claimed ratio yet: run with --update' };
    const c = change(claim.ratio, measured, Boolean(claim.lowerIsBetter));
    const status = c < -t ? 'regression' : c > t ? 'better' : 'ok';
    return { claim, measured, perRun, rme, change: c, threshold: t, status };
  });
}

/** The claims of `rows` that regressed. */
function regressedClaims(rows) {
  return rows.filter((r) => r.status === 'regression').map((r) => r.claim);
}

/**
 * `rows` with every claim that regressed judged again on its median over
 * `runs` (the run it regressed in and the confirmation runs): a slow spell of
 * a shared machine fails a claim once, a regression fails it every time.
 */
function confirmRegressions(rows, runs, { threshold }) {
  const rejudged = evaluateClaims(regressedClaims(rows), runs, { threshold });
  return rows.map((r) => rejudged.find((x) => x.claim === r.claim) ?? r);
}

/** Three significant digits: what a claimed ratio is written with. */
function roundRatio(r) {
  return Number(r.toPrecision(3));
}

/**
 * The baseline with every claim's ratio replaced by the measured one. Refuses
 * (throws) when a claim could not be measured: fix or remove it first.
 */
function updatedBaseline(doc, rows) {
  const broken = rows.filter((r) => r.measured === undefined);
  if (broken.length > 0) throw new BenchInputError(`not updating: ${broken.map((r) => `${claimName(r.claim)}: ${r.message}`).join('; ')}`);
  const byName = new Map(rows.map((r) => [claimName(r.claim), r.measured]));
  return { ...doc, claims: doc.claims.map((c) => ({ ...c, ratio: roundRatio(byName.get(claimName(c))) })) };
}

/** The baseline as written to disk: one claim per line, so that a change to a ratio is a one-line diff. */
function formatBaseline(doc) {
  const { claims, ...rest } = doc;
  const fields = Object.entries(rest).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  const lines = claims.map((c) => `    { ${Object.entries(c).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')} }`);
  return `{\n${fields.map((f) => `${f}\n`).join('')}  "claims": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

module.exports = { formatBaseline, claimName, regressedClaims, confirmRegressions, validateBaseline, loadBaseline, selectionFor, measureClaim, evaluateClaims, updatedBaseline, roundRatio };
