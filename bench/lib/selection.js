'use strict';
// What a run is asked to measure. By default everything; `npm run bench:check`
// sets BENCH_SELECT to the tables and cases its claims need (plus their
// peers), as JSON { <suite>: { tables: [...], cases: [...] } }, so that the
// quick check skips the rest. Suites consult it with wants() before a section
// and pick() on a list of cases that run independently of each other
// (never where dropping a case would change how the others are measured).

let parsed;
function selection() {
  if (parsed === undefined) {
    const raw = process.env.BENCH_SELECT;
    parsed = raw ? JSON.parse(raw) : null;
  }
  return parsed;
}

/** True when any of `tables` (or a `<table>.<column>` table under one) of `suite` is wanted. */
function wants(suite, ...tables) {
  const sel = selection();
  if (!sel) return true;
  const want = sel[suite];
  if (!want) return false;
  return want.tables.some((t) => tables.some((x) => t === x || t.startsWith(`${x}.`)));
}

/** The items of `list` whose name (`nameOf(item)`, default the item) is a wanted case of `suite`. */
function pick(suite, list, nameOf = (x) => x) {
  const sel = selection();
  if (!sel) return list;
  const cases = new Set(sel[suite] ? sel[suite].cases : []);
  return list.filter((item) => cases.has(nameOf(item)));
}

module.exports = { wants, pick };
