'use strict';
// Checks the ratios the README claims (bench/baseline.json) against a run:
// runs the suites that have claims in quick mode, only the tables and cases
// the claims need, and fails when a measured ratio is worse than its claim by
// more than the threshold, or when a claim cannot be measured.
//
// Usage: node bench/check.js [options]   (npm run bench:check -- [options])
//   --baseline FILE  the claims (default bench/baseline.json)
//   --threshold F    default allowed fall, 0.2 = 20% (a claim's own "threshold" wins)
//   --runs N         run the suites N times and judge each claim's median ratio (default 1)
//   --confirm N      a claim that regressed in a single run is measured N more times and
//                    judged on its median over all runs (default 2; 0: fail at once)
//   --json DIR       keep the recorded run(s) in DIR (default: a temporary directory, removed)
//   --from DIR       judge recorded run(s) instead of running (repeatable: median over them)
//   --update         write the measured ratios into the baseline (after a change that
//                    legitimately moves a ratio; review the diff). Only from quick-mode
//                    runs: the claimed ratios are what the quick mode measures.
// Exit status: 0 every claim holds; 1 a claimed ratio regressed; 2 a claim
// cannot be measured, a suite failed, or the input is bad.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('./lib/args.js');
const { DEFAULT_THRESHOLD, BenchInputError, loadRun } = require('./lib/results.js');
const { loadBaseline, selectionFor, evaluateClaims, regressedClaims, confirmRegressions, updatedBaseline, formatBaseline } = require('./lib/claims.js');
const { formatClaims } = require('./lib/format-claims.js');

const SPEC = { baseline: 'string', threshold: 'fraction', runs: 'count', confirm: 'whole', json: 'string', from: 'strings', update: 'boolean' };

/** Runs the claimed suites `runs` times in quick mode via bench/index.js; returns the run directories and whether every suite succeeded. */
function measure(claims, { runs, jsonDir, what = 'run' }) {
  const selection = selectionFor(claims);
  const suites = Object.keys(selection);
  const dirs = [];
  let ok = true;
  for (let i = 1; i <= runs; i++) {
    const dir = runs === 1 ? jsonDir : path.join(jsonDir, `run-${i}`);
    process.stderr.write(`\n# bench:check ${what} ${i} of ${runs} (quick mode): ${suites.join(', ')} -> ${dir}\n`);
    const args = [path.join(__dirname, 'index.js'), '--json', dir, '--quick', ...suites.map((s) => `${s}.bench.js`)];
    // The suites' own tables go to stderr: stdout is the check's report.
    const r = spawnSync(process.execPath, args, {
      stdio: ['ignore', 2, 2],
      env: { ...process.env, BENCH_SELECT: JSON.stringify(selection) },
    });
    if (r.status !== 0) ok = false;
    dirs.push(dir);
  }
  return { dirs, ok };
}

function main(argv) {
  const { options, positional } = parseArgs(argv, SPEC);
  if (positional.length > 0) throw new BenchInputError(`unexpected argument ${positional[0]} (options: ${Object.keys(SPEC).map((k) => `--${k}`).join(' ')})`);
  if (options.from && (options.runs || options.json || options.confirm !== undefined)) {
    throw new BenchInputError('--from judges recorded runs: it cannot be combined with --runs, --confirm or --json');
  }
  const baselineFile = path.resolve(process.env.INIT_CWD || process.cwd(), options.baseline ?? path.join(__dirname, 'baseline.json'));
  const baseline = loadBaseline(baselineFile);
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;

  let dirs;
  let suitesOk = true;
  let temporary = null;
  let jsonDir = null;
  if (options.from) {
    dirs = options.from.map((d) => path.resolve(process.env.INIT_CWD || process.cwd(), d));
  } else {
    jsonDir = options.json ? path.resolve(process.env.INIT_CWD || process.cwd(), options.json) : (temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'tiercache-bench-check-')));
    const measured = measure(baseline.claims, { runs: options.runs ?? 1, jsonDir });
    dirs = measured.dirs;
    suitesOk = measured.ok;
  }
  try {
    const runs = dirs.map((d) => loadRun(d));
    let rows = evaluateClaims(baseline.claims, runs, { threshold });
    // One slow spell of a shared machine can fail a claim once; a regression fails it every time.
    const confirm = options.from || options.runs || options.update ? 0 : (options.confirm ?? 2);
    const suspects = regressedClaims(rows);
    let confirmed = 0;
    if (confirm > 0 && suspects.length > 0 && suitesOk) {
      process.stderr.write(`\n# ${suspects.length} claim(s) regressed in this run: measuring them ${confirm} more time(s), judged on the median\n`);
      const again = measure(suspects, { runs: confirm, jsonDir: path.join(jsonDir, 'confirm'), what: 'confirmation run' });
      suitesOk = again.ok;
      rows = confirmRegressions(rows, [...runs, ...again.dirs.map((d) => loadRun(d))], { threshold });
      confirmed = suspects.length;
    }
    const shown = path.relative(process.cwd(), baselineFile) || baselineFile;
    const docs = runs.flatMap((run) => [...run.suites.values()]);
    const machine = docs.map((doc) => doc.machine).find(Boolean);
    const quick = docs.every((doc) => doc.settings && doc.settings.quick);
    process.stdout.write(formatClaims(rows, { baseline: shown, runs: runs.length, quick, machine, confirmed }));
    if (!suitesOk) process.stdout.write('\nA suite failed (see its output above): its claims are errors.\n');
    if (options.update) {
      if (!suitesOk) throw new BenchInputError('not updating: a suite failed');
      if (!quick) throw new BenchInputError('not updating: the claimed ratios are what the quick mode measures, and these runs were not all recorded in quick mode (--quick)');
      const next = updatedBaseline(baseline, rows);
      fs.writeFileSync(baselineFile, formatBaseline(next));
      const moved = rows.filter((r) => r.claim.ratio !== next.claims[baseline.claims.indexOf(r.claim)].ratio).length;
      process.stdout.write(`\nUpdated ${baselineFile}: ${moved} of ${rows.length} claimed ratios changed. Review the diff, and the README's figures.\n`);
      return 0;
    }
    if (!suitesOk || rows.some((r) => r.status === 'error')) return 2;
    return rows.some((r) => r.status === 'regression') ? 1 : 0;
  } finally {
    if (temporary) fs.rmSync(temporary, { recursive: true, force: true });
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  // Any failure to check is status 2, never 1 (which means "regressed").
  process.stderr.write(`${error instanceof BenchInputError ? error.message : error.stack}\n`);
  process.exitCode = 2;
}
