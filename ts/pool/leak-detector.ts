/**
 * Leak detection: captures where resources are acquired, cheaply, and turns a
 * too-long borrow into a report. The stack is captured with `new Error()` and
 * formatted only when a leak is reported; capturing still walks the stack
 * (microseconds), hence the modes (see LeakStackMode).
 */
import type { LeakStackMode } from './types.js';

// 1 acquire in 1024: a capture costs several microseconds, so this keeps the
// sampling below 1% of a ~1 µs acquire/release round trip.
const ADAPTIVE_SAMPLE_MASK = 1023;

/** Decides which acquires capture a stack, and formats it for a report. */
export class LeakDetector {
  private sampleCounter = 0;
  private leakSeen = false;

  constructor(private readonly mode: LeakStackMode) {}

  /** Whether any acquire may capture a stack. */
  get capturesStacks(): boolean {
    return this.mode !== 'none';
  }

  /** The acquire stack for this borrow, or null when this acquire is not sampled. */
  capture(): Error | null {
    if (this.mode === 'every' || this.leakSeen) return new Error('resource acquired here');
    if (this.mode === 'adaptive' && (++this.sampleCounter & ADAPTIVE_SAMPLE_MASK) === 0) {
      return new Error('resource acquired here');
    }
    return null;
  }

  /** Formats a captured stack for a leak report (drops the pool's own frames); records that a leak was seen. */
  format(stack: Error | null): string | undefined {
    this.leakSeen = true;
    if (stack === null || stack.stack === undefined) return undefined;
    const lines = stack.stack.split('\n');
    const own = /\b(LeakDetector\.capture|ConnectionPool\.(acquire|use))\b/;
    return [lines[0], ...lines.slice(1).filter((line) => !own.test(line))].join('\n');
  }
}
