/** Runs N tier-process.ts instances against one server and collects their reports. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProcessConfig, ProcessReport } from './tier-process.js';

const WORKER = path.join(__dirname, 'tier-process.ts');

/** What a run returns: each process's exit code, stderr and report. */
export interface ProcessRun {
  exitCodes: Array<number | null>;
  stderr: string[];
  reports: ProcessReport[];
}

/** Starts `count` processes with `base` settings; they start together at `startAt` and stop at `stopAt`. */
export async function runProcesses(count: number, base: Omit<ProcessConfig, 'id' | 'out' | 'seed'>): Promise<ProcessRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tiercache-procs-'));
  try {
    const children = Array.from({ length: count }, (_, id) => {
      const config: ProcessConfig = { ...base, id, seed: id + 1, out: path.join(dir, `p${id}.json`) };
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => {
        const guard = setTimeout(() => child.kill('SIGKILL'), base.stopAt - Date.now() + 60_000);
        child.on('exit', (code) => {
          clearTimeout(guard);
          resolve(code);
        });
      });
      return { config, exited, stderr: () => stderr };
    });
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
}
