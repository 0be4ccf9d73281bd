/**
 * bench/check.js judging fixed recorded runs (--from) against claims: a
 * claim holds, a claimed ratio that regressed past the threshold fails with
 * status 1 and is named, a claim that cannot be measured is an error (status
 * 2), never skipped, and --update rewrites the claimed ratios from a run.
 * No timing: the runs are fixture numbers.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { editedRun, fixtureBaseline, fixtureRun, fixtures, removeTempDirs, root, row, runNode, runTool, writeBaseline, writeRun, type Baseline } from './helpers/bench-tools';

const run = path.join(fixtures, 'run');
const baseline = path.join(fixtures, 'baseline.json');
const adaptive = 'tiercache, all features, leakStack adaptive';

test.after.always(removeTempDirs);

function check(...args: string[]) {
  return runTool('check.js', args);
}

test('a run that measures the claimed ratios passes and prints claimed vs measured', async (t) => {
  const r = await check('--from', run, '--baseline', baseline);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, new RegExp(`\\| pool / uncontended \\| ${adaptive} \\| generic-pool 3\\.9\\.0 \\| 3\\.75x \\| 3\\.75x \\| \\+0\\.0% \\| -20% \\| ±2% / ±2% \\| ok \\|`));
  t.regex(r.stdout, /\| local \/ memory\.total \| native \| lru-cache \(lower is better\) \| 0\.444x \| 0\.444x \|/);
  t.regex(r.stdout, /4 claims: 4 hold \(0 better than claimed\), 0 regressed, 0 cannot be measured/);
});

test('a claimed ratio that regressed past the threshold fails with status 1 and names the claim', async (t) => {
  const measured = editedRun((r) => {
    row(r, 'pool', 'uncontended', adaptive).value *= 0.7;
  });
  const r = await check('--from', measured, '--baseline', baseline);
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(r.stdout, new RegExp(`\\| pool / uncontended \\| ${adaptive} \\| generic-pool 3\\.9\\.0 \\| 3\\.75x \\| 2\\.63x \\| -30\\.0% \\| -20% \\| .* \\| \\*\\*REGRESSION\\*\\* \\|`));
  t.regex(r.stdout, /2 regressed/); // against generic-pool and against tarn
  t.regex(r.stdout, /\| local \/ hit-path \| native \| lru-cache \| 0\.15x \| 0\.15x \| \+0\.0% \| -20% \| .* \| ok \|/);
});

test('a fall within the threshold holds; a claim\'s own threshold overrides the default', async (t) => {
  const measured = editedRun((r) => {
    row(r, 'local', 'hit-path', 'native').value *= 0.85;
  });
  t.is((await check('--from', measured, '--baseline', baseline)).code, 0);
  t.is((await check('--from', measured, '--baseline', baseline, '--threshold', '0.1')).code, 1);
  const b = fixtureBaseline();
  b.claims[2].threshold = 0.1;
  const r = await check('--from', measured, '--baseline', writeBaseline(b));
  t.is(r.code, 1);
  t.regex(r.stdout, /\| local \/ hit-path \| native \| lru-cache \| 0\.15x \| 0\.128x \| -15\.0% \| -10% \|/);
});

test('in a lower-is-better table the claim regresses when the ratio rises', async (t) => {
  const measured = editedRun((r) => {
    row(r, 'local', 'memory.total', 'native').value *= 1.4;
  });
  const r = await check('--from', measured, '--baseline', baseline);
  t.is(r.code, 1);
  t.regex(r.stdout, /\| local \/ memory\.total \| native \| lru-cache \(lower is better\) \| 0\.444x \| 0\.622x \| -28\.6% \| -20% \| .* \| \*\*REGRESSION\*\* \|/);
});

test('a case measured well above its claim holds and says the claim undersells', async (t) => {
  const measured = editedRun((r) => {
    row(r, 'local', 'hit-path', 'native').value *= 2;
  });
  const r = await check('--from', measured, '--baseline', baseline);
  t.is(r.code, 0);
  t.regex(r.stdout, /\| local \/ hit-path \| native \| lru-cache \| 0\.15x \| 0\.3x \| \+100\.0% \| -20% \| .* \| better than claimed \|/);
});

test('a claimed case that was renamed or removed is an error (status 2), not skipped', async (t) => {
  const renamed = editedRun((r) => {
    row(r, 'local', 'hit-path', 'native').case = 'native v2';
  });
  const r = await check('--from', renamed, '--baseline', baseline);
  t.is(r.code, 2, r.stdout);
  t.regex(r.stdout, /\| local \/ hit-path \| native \| lru-cache \| 0\.15x \| - \| - \| -20% \| {2}\| \*\*ERROR\*\*: cannot be measured: case "native" is not in the table \|/);
  t.regex(r.stdout, /1 cannot be measured/);

  const noPeer = editedRun((r) => {
    r.pool.tables.uncontended.rows = r.pool.tables.uncontended.rows.filter((x) => !x.case.startsWith('tarn'));
  });
  const r2 = await check('--from', noPeer, '--baseline', baseline);
  t.is(r2.code, 2);
  t.regex(r2.stdout, /cannot be measured: peer "tarn 3\.1\.2" is not in the table/);
});

test('a claimed table or suite that was not recorded is an error', async (t) => {
  const noTable = editedRun((r) => {
    delete r.local.tables['memory.total'];
  });
  const r = await check('--from', noTable, '--baseline', baseline);
  t.is(r.code, 2);
  t.regex(r.stdout, /cannot be measured: table "memory\.total" was not recorded by suite local/);

  const noSuite = editedRun((r) => {
    delete r.pool;
  });
  const r2 = await check('--from', noSuite, '--baseline', baseline);
  t.is(r2.code, 2);
  t.regex(r2.stdout, /cannot be measured: suite pool was not recorded/);
});

test('a regression and an unmeasurable claim together are still status 2', async (t) => {
  const measured = editedRun((r) => {
    row(r, 'pool', 'uncontended', adaptive).value *= 0.5;
    delete r.local;
  });
  const r = await check('--from', measured, '--baseline', baseline);
  t.is(r.code, 2);
  t.regex(r.stdout, /2 regressed, 2 cannot be measured/);
});

test('a claim whose direction disagrees with the recorded table is an error', async (t) => {
  const b = fixtureBaseline();
  delete b.claims[3].lowerIsBetter;
  const r = await check('--from', run, '--baseline', writeBaseline(b));
  t.is(r.code, 2);
  t.regex(r.stdout, /the table's unit \(bytes\) is lower-is-better but the claim says higher \(set "lowerIsBetter": true\)/);
});

test('with several runs each claim is judged on its median ratio', async (t) => {
  const slow = editedRun((r) => {
    row(r, 'local', 'hit-path', 'native').value *= 0.5;
  });
  const fast = editedRun((r) => {
    row(r, 'local', 'hit-path', 'native').value *= 1.1;
  });
  const r = await check('--from', run, '--from', slow, '--from', fast, '--baseline', baseline);
  t.is(r.code, 0, r.stdout);
  t.regex(r.stdout, /median of 3 runs/);
  t.regex(r.stdout, /\| local \/ hit-path \| native \| lru-cache \| 0\.15x \| 0\.15x \(0\.15x, 0\.075x, 0\.165x\) \|/);
});

test('a claim that regressed in one run is judged again on its median with the confirmation runs', async (t) => {
  // bench:check measures the suites of a regressed claim twice more (--confirm,
  // default 2); this drives the judging step on recorded runs.
  const bad = editedRun((r) => {
    row(r, 'local', 'hit-path', 'native').value *= 0.6;
  });
  const script = `
    const { loadRun } = require('./bench/lib/results.js');
    const { loadBaseline, evaluateClaims, confirmRegressions } = require('./bench/lib/claims.js');
    const [baseline, bad, good] = process.argv.slice(1);
    const claims = loadBaseline(baseline).claims;
    const first = evaluateClaims(claims, [loadRun(bad)], { threshold: 0.2 });
    const again = (dirs) => confirmRegressions(first, dirs.map(loadRun), { threshold: 0.2 }).map((r) => r.status);
    console.log(JSON.stringify({ first: first.map((r) => r.status), flake: again([bad, good, good]), real: again([bad, bad, good]) }));`;
  const r = await runNode(['-e', script, baseline, bad, run]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), {
    first: ['ok', 'ok', 'regression', 'ok'],
    flake: ['ok', 'ok', 'ok', 'ok'],
    real: ['ok', 'ok', 'regression', 'ok'],
  });
});

test('--update writes the measured ratios into the baseline, after which the run passes', async (t) => {
  const measured = editedRun((r) => {
    row(r, 'pool', 'uncontended', adaptive).value *= 0.7;
  });
  const b = fixtureBaseline();
  b.claims.push({ suite: 'local', table: 'hit-path', case: 'js twin', peer: 'lru-cache', ratio: null });
  const file = writeBaseline(b);
  const before = await check('--from', measured, '--baseline', file);
  t.is(before.code, 2); // the new claim has no ratio yet
  t.regex(before.stdout, /no claimed ratio yet: run with --update/);

  const update = await check('--from', measured, '--baseline', file, '--update');
  t.is(update.code, 0, update.stdout + update.stderr);
  t.regex(update.stdout, /3 of 5 claimed ratios changed/);
  const text = fs.readFileSync(file, 'utf8');
  const after = JSON.parse(text) as Baseline;
  // One claim per line, so that a moved ratio is a one-line diff.
  t.is(text.split('\n').filter((line) => line.trimStart().startsWith('{ "suite"')).length, 5);
  t.deepEqual(
    after.claims.map((c) => c.ratio),
    [2.63, 6.56, 0.15, 0.444, 0.55],
  );
  t.deepEqual(Object.keys(after.claims[3]), ['suite', 'table', 'case', 'peer', 'ratio', 'lowerIsBetter']);
  t.is((await check('--from', measured, '--baseline', file)).code, 0);
});

test('--update refuses while a claim cannot be measured, and leaves the baseline as it was', async (t) => {
  const file = writeBaseline(fixtureBaseline());
  const before = fs.readFileSync(file, 'utf8');
  const noSuite = editedRun((r) => {
    delete r.pool;
  });
  const r = await check('--from', noSuite, '--baseline', file, '--update');
  t.is(r.code, 2);
  t.regex(r.stderr, /not updating: pool \/ uncontended \/ tiercache, all features, leakStack adaptive vs generic-pool 3\.9\.0: cannot be measured/);
  t.is(fs.readFileSync(file, 'utf8'), before);
});

test('--from judges recorded runs only: --runs, --confirm and --json are refused with it', async (t) => {
  for (const extra of [['--runs', '2'], ['--confirm', '0'], ['--json', 'x']]) {
    const r = await check('--from', run, '--baseline', baseline, ...extra);
    t.is(r.code, 2);
    t.regex(r.stderr, /--from judges recorded runs/);
  }
});

test('--update refuses runs not recorded in quick mode: the claims are what the quick mode measures', async (t) => {
  const file = writeBaseline(fixtureBaseline());
  const before = fs.readFileSync(file, 'utf8');
  const full = editedRun((r) => {
    for (const doc of Object.values(r)) doc.settings.quick = false;
  });
  const r = await check('--from', full, '--baseline', file, '--update');
  t.is(r.code, 2);
  t.regex(r.stderr, /not updating: the claimed ratios are what the quick mode measures/);
  t.is(fs.readFileSync(file, 'utf8'), before);
});

test('an invalid baseline is refused with every problem listed', async (t) => {
  const b = fixtureBaseline() as unknown as { claims: Record<string, unknown>[] };
  b.claims[0].ratio = -1;
  b.claims[1].peer = '';
  b.claims[2].lowerIsbetter = true;
  b.claims.push({ ...b.claims[3] });
  const r = await check('--from', run, '--baseline', writeBaseline(b as unknown as Baseline));
  t.is(r.code, 2);
  t.regex(r.stderr, /claims\[0\]\.ratio must be a positive number/);
  t.regex(r.stderr, /claims\[1\]\.peer must be a non-empty string/);
  t.regex(r.stderr, /claims\[2\] has an unknown field "lowerIsbetter"/);
  t.regex(r.stderr, /claims\[4\]: local \/ memory\.total \/ native vs lru-cache is claimed twice/);
});

test('the committed baseline is valid and claims a ratio in every claim', async (t) => {
  // Judged against the fixture run, where its claims are not recorded: what
  // matters here is that it loads (no validation error) and that no claim is
  // left without a ratio. bench:check proves the claims measurable on a real run.
  const file = path.join(root, 'bench', 'baseline.json');
  const claims = (JSON.parse(fs.readFileSync(file, 'utf8')) as Baseline).claims;
  const r = await check('--from', writeRun(fixtureRun()), '--baseline', file);
  t.is(r.stderr, '');
  t.notRegex(r.stdout, /no claimed ratio yet/);
  t.regex(r.stdout, new RegExp(`\\n${claims.length} claims: `));
  t.true(claims.every((c) => typeof c.ratio === 'number'));
});
