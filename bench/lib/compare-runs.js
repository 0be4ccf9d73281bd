'use strict';
// Compares two recorded runs (e.g. a pull request and its base, run one after
// the other on the same machine) table by table: each case's ratio against
// its table's peer in head, against the same ratio in base.
const { findTable, ratioIn, change, formatRatio, formatChange } = require('./results.js');

/**
 * Returns { tables: [{ suite, table, peer, unit, lowerIsBetter, rows }], regressions, errors, notes }.
 * rows: [{ case, base, head, change, status }] with status 'ok', 'regression',
 * 'new' (only in head), 'n/a' (no ratio in one run, e.g. a peer measuring 0).
 * A suite, table or case recorded in base and missing from head, or a table
 * whose peer or direction changed, is an error: its ratio cannot be compared
 * (with allowMissing, a missing one is a note instead).
 */
function compareRuns(base, head, { threshold, allowMissing = false }) {
  const out = { tables: [], regressions: [], errors: [], notes: [] };
  const missing = (message) => (allowMissing ? out.notes : out.errors).push(message);
  for (const [suite, baseDoc] of base.suites) {
    if (!head.suites.has(suite)) {
      missing(`${suite}: recorded in base, missing from head`);
      continue;
    }
    for (const [name, b] of Object.entries(baseDoc.tables)) {
      const where = `${suite} / ${name}`;
      const found = findTable(head, suite, name);
      if (found.error) {
        missing(`${where}: recorded in base, missing from head`);
        continue;
      }
      const h = found.table;
      if (b.peer === null || h.peer === null) {
        out.notes.push(`${where}: not compared (no peer: its rows are not one measure)`);
        continue;
      }
      if (b.peer !== h.peer) {
        out.errors.push(`${where}: peer changed from ${JSON.stringify(b.peer)} to ${JSON.stringify(h.peer)}; ratios are not comparable`);
        continue;
      }
      if (b.lowerIsBetter !== h.lowerIsBetter || b.unit !== h.unit) {
        out.errors.push(`${where}: unit changed from ${b.unit} to ${h.unit}; ratios are not comparable`);
        continue;
      }
      const section = { suite, table: name, peer: b.peer, unit: b.unit, lowerIsBetter: b.lowerIsBetter, rows: [] };
      for (const row of b.rows) {
        if (row.case === b.peer) continue;
        const br = ratioIn(b, row.case, b.peer);
        const hr = ratioIn(h, row.case, h.peer);
        if (hr.missing) {
          missing(`${where}: ${hr.error} in head (it is in base)`);
          continue;
        }
        if (br.error || hr.error) {
          section.rows.push({ case: row.case, base: br.ratio, head: hr.ratio, status: 'n/a', note: br.error ?? hr.error });
          continue;
        }
        const c = change(br.ratio, hr.ratio, b.lowerIsBetter);
        const status = c < -threshold ? 'regression' : 'ok';
        section.rows.push({ case: row.case, base: br.ratio, head: hr.ratio, change: c, status });
        if (status === 'regression') out.regressions.push(`${where}: ${row.case} (${formatChange(c)} vs ${b.peer})`);
      }
      for (const row of h.rows) {
        if (row.case !== h.peer && !b.rows.some((r) => r.case === row.case)) {
          section.rows.push({ case: row.case, head: ratioIn(h, row.case, h.peer).ratio, status: 'new' });
        }
      }
      out.tables.push(section);
    }
  }
  for (const [suite, headDoc] of head.suites) {
    for (const name of Object.keys(headDoc.tables)) {
      if (findTable(base, suite, name).error) out.notes.push(`${suite} / ${name}: new in head, nothing to compare with`);
    }
  }
  return out;
}

/** The comparison as markdown (for a terminal or a CI job summary). */
function formatComparison(result, { threshold }) {
  const lines = ['# Benchmark comparison: ratios against each table\'s peer, head vs base', ''];
  for (const t of result.tables) {
    lines.push(
      `## ${t.suite} / ${t.table}`,
      '',
      `vs ${t.peer}; ${t.unit}, ${t.lowerIsBetter ? 'lower' : 'higher'} is better; change: + is better`,
      '',
      '| case | base | head | change | |',
      '| --- | ---: | ---: | ---: | --- |',
    );
    for (const r of t.rows) {
      const status = r.status === 'regression' ? '**regression**' : r.status === 'ok' ? '' : r.note ? `${r.status}: ${r.note}` : r.status;
      lines.push(`| ${r.case} | ${formatRatio(r.base)} | ${formatRatio(r.head)} | ${formatChange(r.change)} | ${status} |`);
    }
    lines.push('');
  }
  if (result.notes.length > 0) lines.push('Notes:', '', ...result.notes.map((n) => `- ${n}`), '');
  if (result.errors.length > 0) lines.push('Errors (cannot compare):', '', ...result.errors.map((e) => `- ${e}`), '');
  if (result.regressions.length > 0) {
    lines.push(`${result.regressions.length} ratio(s) fell by more than ${(threshold * 100).toFixed(0)}%:`, '', ...result.regressions.map((r) => `- ${r}`));
  } else {
    lines.push(`No ratio fell by more than ${(threshold * 100).toFixed(0)}%.`);
  }
  return `${lines.join('\n')}\n`;
}

module.exports = { compareRuns, formatComparison };
