/**
 * A controllable resource factory for ConnectionPool tests: latency, failures,
 * hangs, validation results and "the server closed it" are all set by the test.
 * Delays run on the test's ManualClock, so nothing depends on real time.
 */
import type { ExecutionContext } from 'ava';
import type { ConnectionPool, CreateContext, ManualClock, PoolOptions } from '../../ts/index.js';
import { mulberry32 } from './random.js';

/** A fake connection. */
export class FakeResource {
  /** False once the "server" closed it. */
  alive = true;
  /** Set by destroy. */
  destroyed = false;
  constructor(readonly id: number) {}
}

/** Controls for the factory; change them at any time during a test. */
export class FakeFactory {
  createDelayMs = 0;
  /** Next N creates fail. */
  failNextCreates = 0;
  /** Every create fails while true. */
  failCreates = false;
  /** Creates never settle on their own while true (see releaseHungCreates). */
  hangCreates = false;
  /** Validation result for live resources (dead ones always fail). */
  validateOk = true;
  validateDelayMs = 0;
  destroyThrows = false;
  destroyHangs = false;
  destroyDelayMs = 0;

  readonly created: FakeResource[] = [];
  readonly destroyed: FakeResource[] = [];
  /** Clock times of create attempts. */
  readonly createAttempts: number[] = [];
  readonly validations: FakeResource[] = [];
  private readonly hung: Array<() => void> = [];
  private nextId = 1;

  constructor(readonly clock: ManualClock) {}

  /** Resources created and not destroyed. */
  get live(): FakeResource[] {
    return this.created.filter((r) => !r.destroyed);
  }

  /** "The server closed every connection": marks every live resource dead. */
  killAll(): void {
    for (const r of this.created) r.alive = false;
  }

  /** Lets creates that were hanging finish now (successfully). */
  releaseHungCreates(): void {
    for (const finish of this.hung.splice(0)) finish();
  }

  readonly create = (context: CreateContext): Promise<FakeResource> => {
    this.createAttempts.push(this.clock.now());
    const fail = this.failCreates || this.failNextCreates > 0;
    if (this.failNextCreates > 0) this.failNextCreates--;
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        if (fail) {
          reject(new Error('connection refused'));
          return;
        }
        const r = new FakeResource(this.nextId++);
        this.created.push(r);
        resolve(r);
      };
      if (this.hangCreates) {
        this.hung.push(finish);
        return;
      }
      if (context.signal.aborted) {
        reject(context.signal.reason);
        return;
      }
      if (this.createDelayMs > 0) this.clock.setTimer(finish, this.createDelayMs, true);
      else finish();
    });
  };

  readonly destroy = (r: FakeResource): Promise<void> | void => {
    if (r.destroyed) throw new Error(`resource ${r.id} destroyed twice`);
    r.destroyed = true;
    this.destroyed.push(r);
    if (this.destroyThrows) throw new Error('destroy failed');
    if (this.destroyHangs) return new Promise(() => {});
    if (this.destroyDelayMs > 0) return new Promise((resolve) => this.clock.setTimer(resolve, this.destroyDelayMs, true));
    return undefined;
  };

  readonly validate = (r: FakeResource): boolean | Promise<boolean> => {
    this.validations.push(r);
    const verdict = r.alive && this.validateOk;
    if (this.validateDelayMs === 0) return verdict;
    return new Promise((resolve) => this.clock.setTimer(() => resolve(r.alive && this.validateOk), this.validateDelayMs, true));
  };

  /** Pool options wired to this factory and its clock. */
  options(extra: Partial<PoolOptions<FakeResource>> = {}): PoolOptions<FakeResource> {
    return { create: this.create, destroy: this.destroy, clock: this.clock, random: seededRandom(42), ...extra };
  }
}

/** A deterministic random source (mulberry32). */
export const seededRandom = mulberry32;

/** Checks the gauges against each other and against the factory. */
export function assertConsistent(
  t: ExecutionContext,
  pool: ConnectionPool<FakeResource>,
  max: number,
  factory?: FakeFactory,
): void {
  const s = pool.stats();
  t.is(s.size, s.idle + s.borrowed + s.validating, 'size = idle + borrowed + validating');
  t.is(s.created - s.destroyed, s.size, 'created - destroyed = size');
  t.true(s.size + s.pendingCreates <= max, `size ${s.size} + pending creates ${s.pendingCreates} <= max ${max}`);
  if (factory !== undefined) {
    const inPool = factory.created.filter((r) => !r.destroyed).length;
    t.is(inPool, s.size, 'factory resources not destroyed = size');
  }
}

/**
 * Drains the pool (advancing the manual clock so timers can fire) and asserts
 * that nothing leaked: created == destroyed in the pool's stats and in the
 * factory's own records.
 */
export async function drainAndCheck(
  t: ExecutionContext,
  pool: ConnectionPool<FakeResource>,
  factory: FakeFactory,
  timeoutMs = 1000,
): Promise<void> {
  const drained = pool.drain({ timeoutMs });
  await factory.clock.advance(timeoutMs + 60_000);
  await drained;
  const s = pool.stats();
  t.is(s.state, 'closed');
  t.is(s.created, s.destroyed, 'created == destroyed');
  t.is(factory.live.length, 0, 'every resource the factory created was destroyed');
  t.is(s.size, 0);
}
