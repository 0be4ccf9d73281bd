/**
 * bench/compare.js on fixed recorded runs: it compares each case's ratio
 * against its table's declared peer between two runs, fails (status 1) when a
 * ratio falls by more than the threshold and names the case, and refuses
 * (status 2) what it cannot compare. No timing: the runs are fixture numbers.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { editedRun, fixtures, removeTempDirs, row, runTool, tempDir } from './helpers/bench-tools';

const base = path.join(fixtures, 'run');
const adaptive = 'tiercache, all features, leakStack adaptive';

test.after.always(removeTempDirs);

test('equal runs pass and print the ratio of every case against its peer', async (t) => {
  const r = await runTool('compare.js', [base, base]);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /## pool \/ uncontended/);
  t.regex(r.stdout, /vs generic-pool 3\.9\.0/);
  // 3,000,000 / 800,000 round trips/s against generic-pool.
  t.regex(r.stdout, new RegExp(`\\| ${adaptive} \\| 3\\.75x \\| 3\\.75x \\| \\+0\\.0% \\|`));
  t.regex(r.stdout, /No ratio fell by more than 20%/);
});

test('a case that falls by more than the threshold against its peer fails with status 1 and is named', async (t) => {
  const head = editedRun((run) => {
    row(run, 'pool', 'uncontended', adaptive).value *= 0.7;
  });
  const r = await runTool('compare.js', [base, head]);
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(r.stdout, new RegExp(`\\| ${adaptive} \\| 3\\.75x \\| 2\\.63x \\| -30\\.0% \\| \\*\\*regression\\*\\* \\|`));
  t.regex(r.stdout, new RegExp(`1 ratio\\(s\\) fell by more than 20%:\\n\\n- pool / uncontended: ${adaptive} \\(-30\\.0% vs generic-pool 3\\.9\\.0\\)`));
});

test('a fall within the threshold passes, and --threshold tightens it', async (t) => {
  const head = editedRun((run) => {
    row(run, 'pool', 'uncontended', adaptive).value *= 0.9;
  });
  t.is((await runTool('compare.js', [base, head])).code, 0);
  const strict = await runTool('compare.js', [base, head, '--threshold', '0.05']);
  t.is(strict.code, 1);
  t.regex(strict.stdout, /fell by more than 5%/);
});

test('a machine that is slower for every case is not a regression: only ratios are compared', async (t) => {
  const head = editedRun((run) => {
    for (const r of run.pool.tables.uncontended.rows) r.value /= 2;
  });
  const r = await runTool('compare.js', [base, head]);
  t.is(r.code, 0, r.stdout);
});

test('the peer getting faster reads as every other case falling', async (t) => {
  const head = editedRun((run) => {
    row(run, 'pool', 'uncontended', 'generic-pool 3.9.0').value *= 1.5;
  });
  const r = await runTool('compare.js', [base, head]);
  t.is(r.code, 1);
  t.regex(r.stdout, /- pool \/ uncontended: tiercache, no optional features/);
  t.regex(r.stdout, /- pool \/ uncontended: tarn 3\.1\.2/);
});

test('in a lower-is-better table a rising ratio is the regression', async (t) => {
  const worse = editedRun((run) => {
    row(run, 'local', 'memory.total', 'native').value *= 1.4;
  });
  const r = await runTool('compare.js', [base, worse]);
  t.is(r.code, 1, r.stdout);
  t.regex(r.stdout, /- local \/ memory\.total: native \(-28\.6% vs lru-cache\)/);

  const better = editedRun((run) => {
    row(run, 'local', 'memory.total', 'native').value *= 0.6;
  });
  t.is((await runTool('compare.js', [base, better])).code, 0);
});

test('a case of base missing from head is an error (status 2) naming it, unless --allow-missing', async (t) => {
  const head = editedRun((run) => {
    row(run, 'local', 'hit-path', 'native').case = 'native (renamed)';
  });
  const r = await runTool('compare.js', [base, head]);
  t.is(r.code, 2, r.stdout);
  t.regex(r.stdout, /local \/ hit-path: case "native" is not in the table in head/);
  t.regex(r.stdout, /\| native \(renamed\) \| - \| 0\.15x \| - \| new \|/);
  const allowed = await runTool('compare.js', [base, head, '--allow-missing']);
  t.is(allowed.code, 0, allowed.stdout);
});

test('a table or a suite missing from head is an error', async (t) => {
  const noTable = editedRun((run) => {
    delete run.local.tables['hit-path'];
  });
  const r1 = await runTool('compare.js', [base, noTable]);
  t.is(r1.code, 2);
  t.regex(r1.stdout, /local \/ hit-path: recorded in base, missing from head/);

  const noSuite = editedRun((run) => {
    delete run.pool;
  });
  const r2 = await runTool('compare.js', [base, noSuite]);
  t.is(r2.code, 2);
  t.regex(r2.stdout, /pool: recorded in base, missing from head/);
});

test('a table whose peer changed cannot be compared', async (t) => {
  const head = editedRun((run) => {
    run.pool.tables.uncontended.peer = 'tarn 3.1.2';
  });
  const r = await runTool('compare.js', [base, head]);
  t.is(r.code, 2);
  t.regex(r.stdout, /pool \/ uncontended: peer changed from "generic-pool 3\.9\.0" to "tarn 3\.1\.2"/);
});

test('a table recorded without a peer is listed, never compared', async (t) => {
  const head = editedRun((run) => {
    run.local.tables['offload-crossover'].rows[0].value *= 10;
  });
  const r = await runTool('compare.js', [base, head]);
  t.is(r.code, 0);
  t.regex(r.stdout, /local \/ offload-crossover: not compared \(no peer/);
});

test('a run recorded by the old harness (no peer per table) is refused with a clear message', async (t) => {
  const old = tempDir('bench-old');
  fs.writeFileSync(path.join(old, 'pool.json'), JSON.stringify({ machine: 'x', tables: { t: [{ name: 'a', value: 1 }] } }));
  const r = await runTool('compare.js', [old, base]);
  t.is(r.code, 2);
  t.regex(r.stderr, /pool\.json is not a run recorded by bench\/lib\/record\.js/);
});

test('a bad command line is status 2, not a regression', async (t) => {
  t.is((await runTool('compare.js', [base])).code, 2);
  const r = await runTool('compare.js', [base, base, '--threshold', '20']);
  t.is(r.code, 2);
  t.regex(r.stderr, /--threshold must be a fraction between 0 and 1/);
  t.is((await runTool('compare.js', [base, path.join(fixtures, 'nowhere')])).code, 2);
});
