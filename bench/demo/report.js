'use strict';
// The demo's outputs: the terminal table, the JSON report and a small
// self-contained HTML page with a latency chart (inline SVG, no scripts,
// nothing fetched).

const fmt = (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

const COLUMNS = [
  ['configuration', (r) => r.label],
  ['req/s', (r) => fmt(r.rps)],
  ['p50 ms', (r) => fmt(r.latencyMs.p50, 2)],
  ['p99 ms', (r) => fmt(r.latencyMs.p99, 2)],
  ['bytes/resp', (r) => fmt(r.bytesPerResponse)],
  ['hit ratio', (r) => (r.hitRatio === null ? '-' : `${fmt(r.hitRatio * 100, 1)}%`)],
  ['compression', (r) => `${fmt(r.compressionRatio, 2)}x`],
  ['handler runs', (r) => fmt(r.handlerRuns)],
  ['backend queries', (r) => fmt(r.backendQueries)],
  ['saved: batching', (r) => fmt(r.savedByBatching)],
  ['saved: coalescing', (r) => fmt(r.savedByCoalescing)],
];

/** The results as a Markdown table (readable in a terminal, pasteable into docs). */
function table(results) {
  const rows = results.map((r) => COLUMNS.map(([, f]) => f(r)));
  const widths = COLUMNS.map(([h], i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const sep = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : '-'.repeat(w - 1) + ':')).join(' | ')} |`;
  return [line(COLUMNS.map(([h]) => h)), sep, ...rows.map(line)].join('\n');
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

/** Horizontal bars of p50 and p99 per configuration, log-free and labelled. */
function chart(results) {
  const max = Math.max(...results.map((r) => r.latencyMs.p99 ?? 0), 0.001);
  const rowH = 56;
  const left = 150;
  const width = 560;
  const h = results.length * rowH + 40;
  const bars = results
    .map((r, i) => {
      const y = 20 + i * rowH;
      const w50 = ((r.latencyMs.p50 ?? 0) / max) * width;
      const w99 = ((r.latencyMs.p99 ?? 0) / max) * width;
      return `<text x="${left - 10}" y="${y + 22}" text-anchor="end" class="l">${escapeHtml(r.label)}</text>
<rect x="${left}" y="${y}" width="${w99.toFixed(1)}" height="16" class="p99"/><text x="${(left + w99 + 6).toFixed(1)}" y="${y + 13}" class="v">p99 ${fmt(r.latencyMs.p99, 2)} ms</text>
<rect x="${left}" y="${y + 20}" width="${w50.toFixed(1)}" height="16" class="p50"/><text x="${(left + w50 + 6).toFixed(1)}" y="${y + 33}" class="v">p50 ${fmt(r.latencyMs.p50, 2)} ms</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 140}" height="${h}" role="img" aria-label="Latency per configuration">
<style>.l{font:13px sans-serif}.v{font:11px sans-serif;fill:#333}.p50{fill:#2b8a3e}.p99{fill:#f08c00}</style>
${bars}
</svg>`;
}

/** A self-contained HTML report. */
function html(report) {
  const head = COLUMNS.map(([h]) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = report.configurations.map((r) => `<tr>${COLUMNS.map(([, f]) => `<td>${escapeHtml(f(r))}</td>`).join('')}</tr>`).join('\n');
  const notes = report.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('');
  const coherence =
    report.coherence === null
      ? ''
      : `<p>Coherence across two app instances: ${report.coherence.ok ? 'a write through one instance was seen by the other' : 'FAILED'} (${escapeHtml(report.coherence.detail)}).</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tiercache demo report</title>
<style>body{font:14px/1.4 sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}caption{text-align:left;font-weight:bold;margin:.5em 0}</style>
</head><body>
<h1>tiercache demo</h1>
<p>${escapeHtml(report.machine.cpus)} x ${escapeHtml(report.machine.cpu)}, Node ${escapeHtml(report.machine.node)}; ${escapeHtml(report.options.durationS)} s per configuration, ${escapeHtml(report.options.connections)} connections; ${escapeHtml(report.startedAt)}.</p>
<h2>Latency per configuration</h2>
${chart(report.configurations)}
<table><caption>Results</caption><thead><tr>${head}</tr></thead><tbody>
${rows}
</tbody></table>
${coherence}
<ul>${notes}</ul>
<p>How to read it: docs/demo.md.</p>
</body></html>
`;
}

module.exports = { table, html };
