/**
 * Exponential backoff between failed creates, so a dead backend is probed at a
 * bounded rate (no hot loop) and pools restarted together do not retry in step.
 */

/** Backoff parameters (see CreateRetryOptions). */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  jitter: number;
}

/**
 * The delay before the next attempt after `failures` consecutive failures
 * (>= 1): min(maxDelayMs, initialDelayMs * factor^(failures-1)), scaled by a
 * random factor in [1 - jitter, 1].
 */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 1000);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** exponent);
  return base * (1 - policy.jitter * random());
}
