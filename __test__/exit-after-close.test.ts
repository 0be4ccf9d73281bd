/**
 * Every component, finished every way a user can finish with it (close(),
 * close options, drain variants, never closing), leaves nothing that keeps
 * the process alive: once close() settles no timer, socket, worker or
 * request is left (checked in the child with process.getActiveResourcesInfo(),
 * deterministically), the event loop then empties ('beforeExit'), and the
 * child exits by itself. Scenarios are in fixtures/exit-scenarios.ts; the
 * components with a native side run under both implementations. The only
 * time limit is a generous hang guard.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import path from 'node:path';

const HANG_GUARD_MS = 60_000;
const SCRIPT = path.join(__dirname, 'fixtures', 'exit-scenarios.ts');

interface Report {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: string[];
  stderr: string;
}

function runChild(component: string, implementation: string): Promise<Report> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import=tsx', SCRIPT, component], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TIERCACHE_IMPL: implementation },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, lines: stdout.split('\n').filter((l) => l !== ''), stderr });
    });
  });
}

const RUNS: [component: string, implementations: string[]][] = [
  ['local', ['native', 'js']],
  ['offheap', ['native', 'js']],
  ['batch', ['native', 'js']],
  ['tier', ['native', 'js']],
  ['http', ['native']],
  ['pool', ['js']],
  ['codec', ['js']],
  ['metrics', ['native']],
];

for (const [component, implementations] of RUNS) {
  for (const implementation of implementations) {
    const label = implementations.length > 1 ? `${component} (${implementation})` : component;
    test(`${label}: after every way of closing, nothing is left running and the process exits by itself`, async (t) => {
      const report = await runChild(component, implementation);
      const plan = JSON.parse(report.lines[0]?.replace(/^plan /, '') ?? '[]') as string[];
      const stuck = plan.find((name) => !report.lines.includes(`idle ${name}`));
      t.is(report.signal, null, `killed by the hang guard, stuck in: ${stuck}; stderr: ${report.stderr}`);
      t.true(plan.length > 0, `no plan; stderr: ${report.stderr}`);
      t.deepEqual(
        report.lines.filter((l) => l.startsWith('error ')),
        [],
      );
      for (const name of plan) {
        t.true(report.lines.includes(`closed ${name} []`), `${name}: ${report.lines.find((l) => l.startsWith(`closed ${name} `)) ?? 'never closed'}`);
        t.true(report.lines.includes(`idle ${name}`), `${name}: the event loop never emptied`);
      }
      t.is(report.code, 0, report.stderr);
    });
  }
}
