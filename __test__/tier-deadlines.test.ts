/**
 * The shared deadline timer of TierCache's command channels (ts/tier/deadlines.ts),
 * on a ManualClock: every tracked call settles with its own result or with
 * ERR_TIER_COMMAND_TIMEOUT at its own deadline, in whatever order calls
 * start and end, with one timer armed at a time and none left once idle.
 */
import test from 'ava';
import { ErrorCode, ManualClock, type TierCacheError } from '../ts/index.js';
import { Deadlines } from '../ts/tier/deadlines.js';
import { deferred } from './helpers/deferred.js';

/** Settles to ['ok', value] or ['error', code or message]. */
function outcome<T>(p: Promise<T>): Promise<[string, unknown]> {
  return p.then(
    (v) => ['ok', v],
    (e: TierCacheError) => ['error', e.code ?? e.message],
  );
}

function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

test('a call that answers in time gets its value; one that does not is rejected at its deadline with ERR_TIER_COMMAND_TIMEOUT', async (t) => {
  const clock = new ManualClock();
  const d = new Deadlines(clock);
  const fast = deferred<string>();
  const slow = deferred<string>();
  const a = outcome(d.track(fast.promise, 50, 'read'));
  const b = outcome(d.track(slow.promise, 50, 'read'));
  fast.resolve('v');
  t.deepEqual(await a, ['ok', 'v']);
  await clock.advance(49);
  let settled = false;
  void b.then(() => (settled = true));
  await flush();
  t.false(settled, 'not before its deadline');
  await clock.advance(1);
  t.deepEqual(await b, ['error', ErrorCode.TIER_COMMAND_TIMEOUT]);
  slow.resolve('late'); // a late answer is absorbed
  await flush();
  t.is(d.size, 0);
});

test('the error a call rejects with is passed through, and onEnd sees every outcome with its context and may replace the error', async (t) => {
  const clock = new ManualClock();
  const d = new Deadlines(clock);
  const seen: Array<[unknown, unknown, string]> = [];
  const onEnd = (error: unknown, context: unknown, what: string): unknown => {
    seen.push([error === undefined ? undefined : (error as Error).message ?? (error as TierCacheError).code, context, what]);
    return error === undefined ? undefined : new Error(`mapped: ${(error as Error).message}`);
  };
  const ok = deferred<number>();
  const failing = deferred<number>();
  const hanging = deferred<number>();
  const a = outcome(d.track(ok.promise, 50, 'first', onEnd, 'c1'));
  const b = outcome(d.track(failing.promise, 50, 'second', onEnd, 'c2'));
  const c = outcome(d.track(hanging.promise, 50, 'third', onEnd, 'c3'));
  ok.resolve(1);
  failing.reject(new Error('connection reset'));
  await clock.advance(50);
  t.deepEqual(await a, ['ok', 1]);
  t.deepEqual(await b, ['error', 'mapped: connection reset']);
  t.deepEqual(await c, ['error', 'mapped: third: Redis did not answer within 50 ms (commandTimeoutMs)']);
  t.deepEqual(seen, [
    [undefined, 'c1', 'first'],
    ['connection reset', 'c2', 'second'],
    ['third: Redis did not answer within 50 ms (commandTimeoutMs)', 'c3', 'third'],
  ]);
});

test('deadlines in call order share one timer, which fires once per batch of overdue calls and re-arms for the next', async (t) => {
  const clock = new ManualClock();
  const d = new Deadlines(clock);
  const calls = Array.from({ length: 5 }, () => deferred<number>());
  const results: Array<Promise<[string, unknown]>> = [];
  for (let i = 0; i < calls.length; i++) {
    results.push(outcome(d.track(calls[i].promise, 50, `call ${i}`)));
    await clock.advance(10); // started at 0, 10, 20, 30, 40
  }
  t.is(clock.pendingTimers, 1, 'one timer for five calls');
  calls[1].resolve(1);
  calls[3].resolve(3);
  await clock.advance(10); // now 60: call 0 (due 50) and call 1 (answered) are done
  t.deepEqual(await results[0], ['error', ErrorCode.TIER_COMMAND_TIMEOUT]);
  t.deepEqual(await results[1], ['ok', 1]);
  t.is(clock.pendingTimers, 1, 're-armed for call 2');
  await clock.advance(10); // 70: call 2 is due
  t.deepEqual(await results[2], ['error', ErrorCode.TIER_COMMAND_TIMEOUT]);
  t.deepEqual(await results[3], ['ok', 3]);
  calls[4].resolve(4);
  t.deepEqual(await results[4], ['ok', 4]);
  t.is(d.size, 0);
  await clock.advance(100);
  t.is(clock.pendingTimers, 0, 'nothing in flight: no timer left armed');
  t.false(d.armed);
});

test('a call with a shorter deadline than those before it still times out at its own deadline', async (t) => {
  const clock = new ManualClock();
  const d = new Deadlines(clock);
  const long = deferred<number>();
  const short = deferred<number>();
  const a = outcome(d.track(long.promise, 50, 'long'));
  const b = outcome(d.track(short.promise, 5, 'short'));
  await clock.advance(5);
  t.deepEqual(await b, ['error', ErrorCode.TIER_COMMAND_TIMEOUT]);
  let settled = false;
  void a.then(() => (settled = true));
  await flush();
  t.false(settled);
  await clock.advance(45);
  t.deepEqual(await a, ['error', ErrorCode.TIER_COMMAND_TIMEOUT]);
  // Inserted in the middle of the list.
  const c1 = deferred<number>();
  const c2 = deferred<number>();
  const c3 = deferred<number>();
  const r1 = outcome(d.track(c1.promise, 30, 'c1'));
  const r2 = outcome(d.track(c2.promise, 50, 'c2'));
  const r3 = outcome(d.track(c3.promise, 40, 'c3'));
  await clock.advance(30);
  t.deepEqual(await r1, ['error', ErrorCode.TIER_COMMAND_TIMEOUT]);
  await clock.advance(10);
  t.deepEqual(await r3, ['error', ErrorCode.TIER_COMMAND_TIMEOUT]);
  c2.resolve(2);
  t.deepEqual(await r2, ['ok', 2]);
});

test('close() stops the timer; a call tracked afterwards arms it again', async (t) => {
  const clock = new ManualClock();
  const d = new Deadlines(clock);
  const c = deferred<number>();
  void d.track(c.promise, 50, 'x').catch(() => {});
  t.is(clock.pendingTimers, 1);
  d.close();
  t.is(clock.pendingTimers, 0);
  c.resolve(1);
  const again = outcome(d.track(new Promise<number>(() => {}), 50, 'y'));
  t.is(clock.pendingTimers, 1);
  await clock.advance(50);
  t.deepEqual(await again, ['error', ErrorCode.TIER_COMMAND_TIMEOUT]);
});
