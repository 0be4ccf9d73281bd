/**
 * Runs the benchmark tooling (bench/compare.js, bench/check.js) on recorded
 * runs built from the fixtures in __test__/fixtures/bench: copies that a test
 * edits (a planted regression, a renamed case) in a temporary directory.
 * Nothing here measures time: the runs are fixed numbers.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const root = path.resolve(__dirname, '..', '..');
export const fixtures = path.join(root, '__test__', 'fixtures', 'bench');

export interface Row {
  case: string;
  value: number;
  rme?: number;
}
export interface Table {
  unit: string;
  lowerIsBetter: boolean;
  peer: string | null;
  rows: Row[];
}
export interface SuiteDoc {
  suite: string;
  settings: { quick: boolean };
  tables: Record<string, Table>;
}
export type Run = Record<string, SuiteDoc>;

export interface Claim {
  suite: string;
  table: string;
  case: string;
  peer: string;
  ratio: number | null;
  lowerIsBetter?: boolean;
  threshold?: number;
}
export interface Baseline {
  claims: Claim[];
}

const created: string[] = [];

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tiercache-${prefix}-`));
  created.push(dir);
  return dir;
}

/** Removes every directory tempDir() made (call from test.after.always). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** The fixture run (__test__/fixtures/bench/run), parsed. */
export function fixtureRun(): Run {
  const dir = path.join(fixtures, 'run');
  const run: Run = {};
  for (const file of fs.readdirSync(dir)) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as SuiteDoc;
    run[doc.suite] = doc;
  }
  return run;
}

/** Writes a run as a directory of <suite>.json files; returns the directory. */
export function writeRun(run: Run): string {
  const dir = tempDir('bench-run');
  for (const doc of Object.values(run)) fs.writeFileSync(path.join(dir, `${doc.suite}.json`), JSON.stringify(doc));
  return dir;
}

/** The fixture run with `edit` applied to a copy. */
export function editedRun(edit: (run: Run) => void): string {
  const run = fixtureRun();
  edit(run);
  return writeRun(run);
}

export function row(run: Run, suite: string, table: string, name: string): Row {
  const found = run[suite]?.tables[table]?.rows.find((r) => r.case === name);
  if (!found) throw new Error(`fixture has no ${suite} / ${table} / ${name}`);
  return found;
}

export function fixtureBaseline(): Baseline {
  return JSON.parse(fs.readFileSync(path.join(fixtures, 'baseline.json'), 'utf8')) as Baseline;
}

/** Writes a baseline to a temporary file; returns its path. */
export function writeBaseline(baseline: Baseline): string {
  const file = path.join(tempDir('bench-baseline'), 'baseline.json');
  fs.writeFileSync(file, JSON.stringify(baseline, null, 2));
  return file;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs node with `args` in the repository to completion and returns its exit code and output. */
export function runNode(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_OPTIONS;
  delete childEnv.INIT_CWD;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: root, env: childEnv, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** Runs a bench tool (a path under bench/) to completion and returns its exit code and output. */
export function runTool(tool: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  return runNode([path.join(root, 'bench', tool), ...args], env);
}
