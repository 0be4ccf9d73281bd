import test from 'ava';
import { ConnectionPool, ErrorCode, ManualClock, type TierCacheError } from '../ts/index.js';
import { assertConsistent, drainAndCheck, FakeFactory, type FakeResource, seededRandom } from './helpers/fake-factory.js';

const EXPECTED_REJECTIONS = new Set<string>([ErrorCode.TIMEOUT, ErrorCode.ABORTED, ErrorCode.POOL_FULL]);

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`random load with random create/validate/destroy failures and delays never exceeds max or hands a resource out twice (seed ${seed})`, async (t) => {
    const random = seededRandom(seed);
    const pick = (n: number): number => Math.floor(random() * n);
    const clock = new ManualClock();
    const factory = new FakeFactory(clock);
    const max = 1 + pick(8);
    const min = pick(max + 1);
    const pool = new ConnectionPool<FakeResource>(
      factory.options({
        min,
        max,
        validate: factory.validate,
        validationBypassMs: pick(3) * 20,
        healthCheckIntervalMs: 50 + pick(200),
        idleTimeoutMs: pick(2) * (50 + pick(300)),
        maxLifetimeMs: pick(2) * (200 + pick(500)),
        leakDetectionMs: 100,
        leakStack: 'none',
        acquireTimeoutMs: 20 + pick(200),
        createTimeoutMs: 30 + pick(60),
        validateTimeoutMs: 20,
        destroyTimeoutMs: 20,
        maxWaiters: 5 + pick(30),
        maxConcurrentCreates: 1 + pick(3),
        createRetry: { initialDelayMs: 5, maxDelayMs: 50 },
        random,
      }),
    );
    pool.on('error', () => {});
    const borrowed = new Set<FakeResource>();
    let duplicates = 0;
    let deadHandedOut = 0;
    let unexpected = 0;
    let served = 0;

    const user = async (): Promise<void> => {
      const controller = random() < 0.1 ? new AbortController() : undefined;
      if (controller !== undefined) clock.setTimer(() => controller.abort(), pick(50), true);
      let r: FakeResource;
      try {
        r = await pool.acquire(controller === undefined ? undefined : { signal: controller.signal });
      } catch (error) {
        if (!EXPECTED_REJECTIONS.has((error as TierCacheError).code)) unexpected++;
        return;
      }
      served++;
      if (borrowed.has(r)) duplicates++;
      if (r.destroyed) deadHandedOut++;
      borrowed.add(r);
      await new Promise<void>((resolve) => clock.setTimer(resolve, pick(40), true));
      borrowed.delete(r);
      if (random() < 0.1) pool.destroy(r);
      else pool.release(r);
    };

    const users: Promise<void>[] = [];
    for (let step = 0; step < 400; step++) {
      factory.createDelayMs = pick(4) === 0 ? pick(120) : pick(10);
      factory.failNextCreates = random() < 0.05 ? 1 + pick(3) : factory.failNextCreates;
      factory.validateDelayMs = pick(5) === 0 ? pick(40) : 0;
      factory.validateOk = random() > 0.05;
      factory.destroyThrows = random() < 0.05;
      factory.destroyDelayMs = pick(5) === 0 ? pick(60) : 0;
      if (random() < 0.02) factory.killAll();
      const arrivals = pick(4);
      for (let i = 0; i < arrivals; i++) users.push(user());
      await clock.advance(1 + pick(10));
      const s = pool.stats();
      t.true(s.size <= max, `size ${s.size} <= max ${max}`);
      t.is(s.size, s.idle + s.borrowed + s.validating);
      t.is(s.created - s.destroyed, s.size);
      t.is(s.borrowed, borrowed.size, 'stats.borrowed matches the resources users hold');
      t.true(s.pendingCreates <= max - s.size);
    }
    factory.failNextCreates = 0;
    factory.validateOk = true;
    factory.destroyThrows = false;
    await clock.advance(5000);
    await Promise.all(users);
    t.is(duplicates, 0, 'no resource handed to two users at once');
    t.is(deadHandedOut, 0, 'no destroyed resource handed out');
    t.is(unexpected, 0, 'only timeouts, aborts and full-queue rejections');
    t.true(served > 0);
    assertConsistent(t, pool, max, factory);
    await drainAndCheck(t, pool, factory);
  });
}
