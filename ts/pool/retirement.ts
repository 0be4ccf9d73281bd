/**
 * Max-lifetime retirement with per-resource jitter: resources created together
 * retire spread over [maxLifetimeMs - jitterMs, maxLifetimeMs], so a pool does
 * not replace all its connections at once (a thundering herd on the backend).
 */

/** The clock time at which a resource created at `createdAt` should retire (Infinity when lifetimes are off). */
export function retirementTime(createdAt: number, maxLifetimeMs: number, jitterMs: number, random: () => number): number {
  if (maxLifetimeMs === 0) return Number.POSITIVE_INFINITY;
  return createdAt + maxLifetimeMs - jitterMs * random();
}
