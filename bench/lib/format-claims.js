'use strict';
// The bench:check report: claimed vs measured ratio per claim, as markdown
// (readable in a terminal and in a GitHub job summary).
const { formatRatio, formatChange } = require('./results.js');

const STATUS = {
  ok: 'ok',
  better: 'better than claimed',
  regression: '**REGRESSION**',
  error: '**ERROR**',
};

function formatRme(rme) {
  if (!rme || rme.every((x) => x === undefined)) return '';
  return rme.map((x) => (x === undefined ? '-' : `±${x.toFixed(0)}%`)).join(' / ');
}

/** rows: lib/claims.js evaluateClaims() output. */
function formatClaims(rows, { baseline, runs, quick, machine, confirmed = 0 }) {
  const lines = [
    `# Claimed ratios (${baseline}) vs measured${quick ? ', quick mode' : ''}${runs > 1 ? `, median of ${runs} runs` : ''}`,
    '',
    `Machine: ${machine ?? 'unknown'}`,
    '',
    ...(confirmed > 0 ? [`${confirmed} claim(s) regressed in the first run and were measured again: judged on the median of all their runs (in brackets).`, ''] : []),
    'ratio = value(case) / value(peer) in one run; change: + is better, in the table\'s direction.',
    '',
    '| suite / table | case | vs peer | claimed | measured | change | allowed | ± (case / peer) | status |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    const c = r.claim;
    const measured = r.perRun && r.perRun.length > 1 ? `${formatRatio(r.measured)} (${r.perRun.map(formatRatio).join(', ')})` : formatRatio(r.measured);
    const direction = c.lowerIsBetter ? ' (lower is better)' : '';
    const status = `${STATUS[r.status]}${r.message ? `: ${r.message}` : ''}`;
    lines.push(
      `| ${c.suite} / ${c.table} | ${c.case} | ${c.peer}${direction} | ${formatRatio(c.ratio)} | ${measured} | ${formatChange(r.change)} | -${(r.threshold * 100).toFixed(0)}% | ${formatRme(r.rme)} | ${status} |`,
    );
  }
  const count = (s) => rows.filter((r) => r.status === s).length;
  lines.push('', `${rows.length} claims: ${count('ok') + count('better')} hold (${count('better')} better than claimed), ${count('regression')} regressed, ${count('error')} cannot be measured.`);
  if (count('better') > 0) lines.push('A claim measured better than claimed is not a failure; if it lasts, the README undersells: update the baseline and the README together.');
  return `${lines.join('\n')}\n`;
}

module.exports = { formatClaims };
