/**
 * The protocol between LocalCache's index and its policy, driven directly
 * on both implementations in one process: recorded hits carry the slot's
 * generation, removals page through `out`, and both ports answer alike.
 */
import test from 'ava';
import { createPolicyPort, OUT_PAIRS, Reason, refOf, type PolicyPort } from '../ts/policy/index.js';

const IMPLS = ['native', 'js'] as const;
/** state() index of the climber's requests in the current sample (5 policy numbers, then sampling, requests, ...). */
const REQUESTS_IN_SAMPLE = 6;

/** Writes hits on (slot, generation) into the ring as the index would; how many. */
function record(port: PolicyPort, hits: [number, number][]): number {
  hits.forEach(([slot, generation], i) => (port.ring[i] = refOf(slot, generation, false)));
  return hits.length;
}

for (const impl of IMPLS) {
  test(`${impl}: a hit recorded for a slot that is freed and reused before the drain credits nothing`, (t) => {
    // LocalCache drains before every write, so it never lets this happen;
    // the generation check is what makes it harmless if it ever did.
    const port = createPolicyPort(impl, 'tinylfu', { maxEntries: 2, maxBytes: 0 }, 0);
    t.is(port.write(0, 0, 0, 111, 100, 0, 0) & 1, 1, 'key A stored in slot 0, generation 0');
    // Key C fills the policy, so that its climber counts hits.
    t.is(port.write(0, 1, 0, 333, 100, 0, 0) & 1, 1);
    const stale = record(port, [
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    // Slot 0 is deleted and reused by key B (generation 1) without draining.
    t.is(port.delete(0, 0, Reason.Deleted, 0), 2 + 1);
    t.deepEqual([port.out[0], port.out[1]], [0, Reason.Deleted]);
    t.is(port.write(0, 0, 1, 222, 100, 0, 0) & 1, 1);
    const before = port.state();
    port.drain(stale);
    t.deepEqual(port.state(), before, 'the stale hits moved nothing');
    // The same hits with the current generation count.
    port.drain(
      record(port, [
        [0, 1],
        [0, 1],
      ]),
    );
    t.is(port.state()[REQUESTS_IN_SAMPLE], before[REQUESTS_IN_SAMPLE] + 2);
  });

  test(`${impl}: hits for slots never stored are ignored`, (t) => {
    const port = createPolicyPort(impl, 'lru', { maxEntries: 4, maxBytes: 0 }, 0);
    port.write(0, 0, 0, 1, 100, 0, 0);
    port.write(0, 1, 0, 2, 100, 0, 0);
    port.drain(record(port, [[5, 0], [1000, 0], [2 ** 25 - 1, 0], [0, 7]]));
    t.deepEqual(port.order(0, 0), [1, 0], 'order unchanged: most recent first');
    port.drain(record(port, [[0, 0]]));
    t.deepEqual(port.order(0, 0), [0, 1]);
  });

  test(`${impl}: removals beyond one page of out are paged through more()`, (t) => {
    const port = createPolicyPort(impl, 'lru', { maxEntries: 5000, maxBytes: 0 }, 0);
    const n = OUT_PAIRS * 3 + 17;
    for (let slot = 0; slot < n; slot++) port.write(0, slot, 0, slot, 100, 10, 0);
    t.is(port.bytes(), n * 100);
    const result = port.purge(0, 5000);
    t.is(result, n * 2, 'every entry expired; the flag is 0');
    const seen: number[] = [];
    let page = Math.min(OUT_PAIRS, n);
    while (page > 0) {
      for (let i = 0; i < page; i++) {
        t.is(port.out[2 * i + 1], Reason.Expired);
        seen.push(port.out[2 * i]);
      }
      page = seen.length < n ? port.more() : 0;
    }
    t.is(port.more(), 0, 'nothing left');
    t.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i),
    );
    t.is(port.bytes(), 0);
  });
}

test('both implementations answer a random call sequence identically', (t) => {
  const ports = IMPLS.map((impl) => createPolicyPort(impl, 'tinylfu', { maxEntries: 40, maxBytes: 6000 }, 0));
  let seed = 7;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const generations = new Uint8Array(64);
  for (let i = 0; i < 20_000; i++) {
    const op = rand(10);
    const slot = rand(64);
    const now = i;
    let results: unknown[];
    if (op < 5) {
      const pairs = 1 + rand(8);
      const ring: [number, number][] = [];
      for (let j = 0; j < pairs; j++) {
        const s = rand(64);
        ring.push([s, generations[s]]);
      }
      results = ports.map((p) => {
        p.drain(record(p, ring));
        return p.state();
      });
    } else if (op < 9) {
      const args = [slot, generations[slot], rand(2 ** 32), 96 + rand(300), rand(3) === 0 ? now + rand(500) : 0, now] as const;
      results = ports.map((p) => [p.write(0, ...args), [...p.out.subarray(0, 8)], p.bytes()]);
    } else {
      results = ports.map((p) => [p.delete(0, slot, Reason.Deleted, now), [...p.out.subarray(0, 8)], p.bytes()]);
    }
    if (JSON.stringify(results[0]) !== JSON.stringify(results[1])) return t.fail(`op ${i}: ${JSON.stringify(results)}`);
    // A removed slot is free again: the caller bumps its generation.
    const removed = results[0] as [number, number[]];
    if (op >= 5) for (let j = 0; j < Math.min(4, Math.floor(removed[0] / 2)); j++) generations[removed[1][2 * j]]++;
  }
  t.deepEqual(ports[0].order(0, 20_000), ports[1].order(0, 20_000));
});
