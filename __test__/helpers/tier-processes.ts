/** Runs N tier-process.ts instances against one server and collects their reports. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProcessConfig, ProcessReport } from './tier-process.js';

const WORKER = path.join(__dirname, 'tier-process.ts');
/** Bound on process start-up (a loaded machine starts Node + tsx slowly). */
const STARTUP_GUARD_MS = 120_000;

/** What a run returns: each process's exit code, stderr and report. */
export interface ProcessRun {
  exitCodes: Array<number | null>;
  stderr: string[];
  reports: ProcessReport[];
}

/** A run in progress: `started` resolves with the common start and stop times once every process is ready. */
export interface RunningProcesses {
  started: Promise<{ startAt: number; stopAt: number }>;
  done: Promise<ProcessRun>;
}

/**
 * Starts `count` processes; once every one has connected, they are told to
 * start together (shortly after) and run for `runMs`.
 */
export function startProcesses(count: number, base: Omit<ProcessConfig, 'id' | 'out' | 'seed'>): RunningProcesses {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tiercache-procs-'));
  let ready = 0;
  let resolveStarted!: (times: { startAt: number; stopAt: number }) => void;
  let rejectStarted!: (error: Error) => void;
  const started = new Promise<{ startAt: number; stopAt: number }>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  started.catch(() => {});
  const children = Array.from({ length: count }, (_, id) => {
    const config: ProcessConfig = { ...base, id, seed: id + 1, out: path.join(dir, `p${id}.json`) };
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      const before = stdout.includes('ready');
      stdout += d.toString();
      if (!before && stdout.includes('ready') && ++ready === count) {
        const startAt = Date.now() + 200;
        const times = { startAt, stopAt: startAt + base.runMs };
        for (const c of children) c.child.stdin?.end(`${JSON.stringify(times)}\n`);
        resolveStarted(times);
      }
    });
    child.stdin?.on('error', () => {});
    const exited = new Promise<number | null>((resolve) => {
      const guard = setTimeout(() => child.kill('SIGKILL'), STARTUP_GUARD_MS + base.runMs);
      child.on('exit', (code) => {
        clearTimeout(guard);
        if (ready < count) rejectStarted(new Error(`process ${id} exited (${code}) before the run started: ${stderr}`));
        resolve(code);
      });
    });
    return { config, child, exited, stderr: () => stderr };
  });
  const done = (async (): Promise<ProcessRun> => {
    try {
      const exitCodes = await Promise.all(children.map((c) => c.exited));
      const reports: ProcessReport[] = [];
      for (const c of children) {
        try {
          reports.push(JSON.parse(readFileSync(c.config.out, 'utf8')) as ProcessReport);
        } catch {
          // a process that crashed wrote no report: its exit code says so
        }
      }
      return { exitCodes, stderr: children.map((c) => c.stderr()), reports };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return { started, done };
}

/** Starts the processes and waits for the whole run. */
export async function runProcesses(count: number, base: Omit<ProcessConfig, 'id' | 'out' | 'seed'>): Promise<ProcessRun> {
  return startProcesses(count, base).done;
}
