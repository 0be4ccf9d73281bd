/** The pool's clock: the shared {@link Clock} of ts/common/clock.ts under the name the pool's API uses. */
export { ManualClock, systemClock, type TimerHandle } from '../common/clock.js';
export type { Clock as PoolClock } from '../common/clock.js';
