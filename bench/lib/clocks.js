'use strict';
// Clocks for Benchmark.js. Wall time is what users see, and what the full run
// (the README's figures) measures; on a shared machine it also measures how
// much of the CPU the other processes leave. The CPU-time clocks do not
// advance while another process runs: the quick mode (bench:check) uses them.
const fs = require('node:fs');
const Benchmark = require('benchmark');

/**
 * process.hrtime's interface over the process's CPU time (user + system, all
 * threads, microsecond resolution): a clock that does not advance while
 * other processes hold the CPU, so that on a shared machine a case measures
 * the work it does rather than its share of the cores.
 */
function cpuHrtime(previous) {
  const { user, system } = process.cpuUsage();
  return hrtimeOf((user + system) * 1000, previous);
}

/** [s, ns] from a nanosecond count, or the difference from `previous` as process.hrtime does. */
function hrtimeOf(ns, previous) {
  const now = [Math.floor(ns / 1e9), ns % 1e9];
  if (!previous) return now;
  let s = now[0] - previous[0];
  let r = now[1] - previous[1];
  if (r < 0) {
    s -= 1;
    r += 1e9;
  }
  return [s, r];
}

/**
 * The same over the main thread's own CPU time (Linux), which leaves out GC
 * helper and worker threads. /proc/thread-self/schedstat gives nanoseconds on
 * the CPU, but the kernel brings it up to date only at a scheduler tick or a
 * context switch (every 4 ms here): between updates the clock advances with
 * wall time (the thread reading it is running), never by more than a tick's
 * worth, so that it is smooth enough for Benchmark.js's calibration (a clock
 * reading 0 makes it run thousands of times too many iterations).
 */
function threadHrtime() {
  const fd = fs.openSync('/proc/thread-self/schedstat', 'r');
  const buf = Buffer.alloc(128);
  const maxInterpolation = 10e6; // ns: the longest scheduler tick (HZ=100)
  let lastRaw = -1;
  let seenAt = 0n;
  let last = 0;
  const nowNs = () => {
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const raw = Number(buf.toString('latin1', 0, n).split(' ')[0]);
    const wall = process.hrtime.bigint();
    if (raw !== lastRaw) {
      lastRaw = raw;
      seenAt = wall;
    }
    last = Math.max(last, raw + Math.min(Number(wall - seenAt), maxInterpolation));
    return last;
  };
  return (previous) => hrtimeOf(nowNs(), previous);
}

const libraries = new Map();
/**
 * Benchmark.js timing with `clock`: 'wall' (its own, process.hrtime), 'cpu'
 * (cpuHrtime) or 'thread' (threadHrtime). Benchmark.js takes its timer from
 * the `process` of the context it runs in.
 */
function benchmarkWithClock(clock) {
  if (clock === 'wall') return Benchmark;
  if (!libraries.has(clock)) {
    const hrtime = clock === 'thread' ? threadHrtime() : cpuHrtime;
    libraries.set(clock, Benchmark.runInContext({ process: { hrtime } }));
  }
  return libraries.get(clock);
}

module.exports = { benchmarkWithClock };
