'use strict';
// How long the suites measure. The full run (`npm run bench`) is what the
// README's figures come from; the quick mode (`--quick`, BENCH_QUICK=1) is
// what `npm run bench:check` runs in CI: short samples, taken in rounds in
// which the cases take turns, enough to catch a ratio that falls by a few
// tens of percent, not to publish figures. Each can be overridden.

function fromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

/** The main thread's CPU time where the kernel exposes it (Linux), else the process's. */
function threadClockAvailable() {
  try {
    require('node:fs').accessSync('/proc/thread-self/schedstat');
    return true;
  } catch {
    return false;
  }
}

function clock() {
  const raw = process.env.BENCH_CLOCK || (quick ? (threadClockAvailable() ? 'thread' : 'cpu') : 'wall');
  if (!['cpu', 'thread', 'wall'].includes(raw)) throw new RangeError(`BENCH_CLOCK must be cpu, thread or wall, got ${JSON.stringify(raw)}`);
  return raw;
}

const quick = process.env.BENCH_QUICK === '1';

const settings = Object.freeze({
  quick,
  /** Benchmark.js maxTime per case (per round in quick mode), in seconds. */
  maxTime: fromEnv('BENCH_MAX_TIME', quick ? 0.3 : 2),
  /** Benchmark.js minTime: the least time per sample, in seconds (Benchmark.js defaults to 0.05). */
  minTime: fromEnv('BENCH_MIN_TIME', quick ? 0.025 : 0.05),
  /** Upper bound on a case's minSamples (suites ask for 5-20). */
  maxMinSamples: fromEnv('BENCH_MIN_SAMPLES', quick ? 5 : Infinity),
  /**
   * Interleaved rounds: the suites that run each case in a process of its own
   * (local, batch) always take the median of this many; Benchmark.js suites
   * in one process do in quick mode (the full run measures each case once, longer).
   */
  rounds: fromEnv('BENCH_ROUNDS', 3),
  /**
   * What Benchmark.js times: 'wall' (elapsed time), 'cpu' (the process's CPU
   * time, all threads) or 'thread' (the main thread's CPU time, Linux). Other
   * processes on a shared machine inflate wall time, not CPU time; the
   * process's CPU time still varies with the GC's helper threads.
   */
  clock: clock(),
});

module.exports = { settings };
