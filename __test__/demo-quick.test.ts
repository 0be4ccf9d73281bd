/**
 * `npm run demo -- --quick`: runs the real demo (child processes, autocannon,
 * loopback HTTP) and checks its report's structure and invariants, its exit
 * code, and that no process it started outlives it, also after Ctrl-C.
 * Speeds are never asserted.
 */
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const RUN = path.join(__dirname, '..', 'bench', 'demo', 'run.js');

interface Row {
  name: string;
  requests: number;
  rps: number;
  latencyMs: { p50: number; p99: number };
  bytesPerResponse: number;
  hitRatio: number | null;
  compressionRatio: number;
  handlerRuns: number;
  itemLoads: number;
  backendQueries: number;
  savedByBatching: number;
  savedByCoalescing: number;
}

function children(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pids: number[]): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (pids.some(alive)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

test('--quick writes a JSON report whose cached rows leave the origin less work, exits 0, and leaves no process', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tiercache-demo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const json = path.join(dir, 'out.json');
  const htmlFile = path.join(dir, 'report.html');
  const child = spawn(process.execPath, [RUN, '--quick', '--json', json, '--html', htmlFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const seen = new Set<number>();
  const poll = setInterval(() => children(child.pid!).forEach((p) => seen.add(p)), 100);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  t.is(code, 0, stderr);
  t.true(seen.size >= 2, 'the backend and an app ran as child processes');
  // redis-server, when the demo started one, is among them and must be gone too.
  t.true(await gone([...seen]), 'every child process has exited');

  const report = JSON.parse(readFileSync(json, 'utf8')) as {
    configurations: Row[];
    notes: string[];
    options: { quick: boolean };
    coherence: { ok: boolean; lagMs: number; detail: string } | null;
  };
  t.true(report.options.quick);
  const byName = new Map(report.configurations.map((r) => [r.name, r]));
  const bare = byName.get('no-cache')!;
  const l1 = byName.get('l1')!;
  t.truthy(bare);
  t.truthy(l1);
  for (const row of report.configurations) {
    t.true(row.requests > 0, row.name);
    t.true(row.rps > 0, row.name);
    t.true(row.latencyMs.p50 > 0 && row.latencyMs.p99 >= row.latencyMs.p50, row.name);
    t.true(row.bytesPerResponse > 0, row.name);
    t.true(row.backendQueries > 0, row.name);
    t.true(row.savedByBatching >= 0 && row.savedByBatching <= row.itemLoads, row.name);
  }
  t.is(bare.hitRatio, null);
  t.is(bare.compressionRatio, 1);
  t.true(bare.handlerRuns >= bare.requests, 'the bare origin runs its handler for every request');
  t.true(l1.hitRatio! > 0, `L1 hit ratio ${l1.hitRatio}`);
  t.true(l1.compressionRatio > 1, `L1 compression ${l1.compressionRatio}`);
  t.true(l1.handlerRuns < l1.requests, 'the cache answered some requests without the handler');
  // Per request, the cache leaves less work for the origin. (Backend queries per request need not fall
  // in a few cold seconds: batching merges more loads when every request loads, see docs/demo.md.)
  t.true(l1.handlerRuns / l1.requests < bare.handlerRuns / bare.requests, 'fewer handler runs per request with the cache');
  t.true(l1.itemLoads / l1.requests < bare.itemLoads / bare.requests, 'fewer backend loads per request with the cache');
  t.true(bare.savedByBatching > 0, 'batching merged loads');
  // L1+L2 runs whenever redis-server is on the PATH (CI installs it) or REDIS_URL is set.
  const tiered = byName.get('l1-l2');
  if (tiered === undefined) {
    t.true(report.notes.some((n) => n.startsWith('L1+L2 skipped')), 'a missing L1+L2 row is explained');
  } else {
    t.true(tiered.hitRatio! > 0, `L1+L2 hit ratio ${tiered.hitRatio}`);
    t.true(tiered.itemLoads / tiered.requests < bare.itemLoads / bare.requests);
    t.truthy(report.coherence);
    t.true(report.coherence!.ok, report.coherence!.detail);
  }
  t.regex(stdout, /\| configuration +\| +req\/s/);
  t.regex(stdout, /\| L1 only /);
  const page = readFileSync(htmlFile, 'utf8');
  t.regex(page, /<svg[^>]*aria-label="Latency per configuration"/);
  t.notRegex(page, /<script|https?:\/\/(?!www\.w3\.org)/, 'self-contained: no scripts, nothing fetched');
});

test('--help lists the options; a bad option exits 2', (t) => {
  const help = execFileSync(process.execPath, [RUN, '--help'], { encoding: 'utf8' });
  for (const option of ['--quick', '--json', '--html', '--duration', '--connections']) t.true(help.includes(option), option);
  const bad = (() => {
    try {
      execFileSync(process.execPath, [RUN, '--nope'], { stdio: 'pipe' });
      return 0;
    } catch (err) {
      return (err as { status: number }).status;
    }
  })();
  t.is(bad, 2);
});

test('Ctrl-C (SIGINT) mid-run stops every process the demo started', async (t) => {
  const child = spawn(process.execPath, [RUN, '--duration', '30'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  let kids: number[] = [];
  while (kids.length < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    kids = children(child.pid!);
  }
  t.true(kids.length >= 2, `children while running: ${kids.length}; ${stderr}`);
  child.kill('SIGINT');
  await exited;
  t.true(await gone(kids), 'no child survives Ctrl-C');
});
