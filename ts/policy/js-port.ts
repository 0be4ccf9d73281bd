/**
 * The JS twin behind LocalCache's PolicyPort: the same protocol as the
 * native port (crates/node/src/policy.rs), over JsSlotPolicy.
 */
import { JsSlotPolicy } from './js-policy.js';
import { OUT_PAIRS, RING_PAIRS, type PolicyBudget, type PolicyKind, type PolicyPort, type Reason } from './protocol.js';

export class JsPolicyPort implements PolicyPort {
  readonly ring = new Int32Array(RING_PAIRS * 2);
  readonly out = new Int32Array(OUT_PAIRS * 2);
  private readonly policy: JsSlotPolicy;
  /** The next pair of `policy.removed` to page into `out`. */
  private cursor = 0;

  constructor(kind: PolicyKind, budget: PolicyBudget, now: number) {
    this.policy = new JsSlotPolicy(kind, budget, 0, now);
  }

  drain(pending: number): void {
    if (pending !== 0) this.policy.drain(this.ring, pending);
  }

  write(pending: number, slot: number, generation: number, hash: number, bytes: number, expires: number, now: number): number {
    this.drain(pending);
    const kept = this.policy.write(slot, generation, hash, bytes, expires, now);
    return this.report(kept ? 1 : 0);
  }

  delete(pending: number, slot: number, reason: Reason, now: number): number {
    this.drain(pending);
    const removed = this.policy.delete(slot, reason, now);
    return this.report(removed ? 1 : 0);
  }

  purge(pending: number, now: number): number {
    this.drain(pending);
    this.policy.expireDue(now);
    return this.report(0);
  }

  private report(flag: number): number {
    this.cursor = 0;
    const total = this.policy.removed.length / 2;
    this.more();
    return total * 2 + flag;
  }

  more(): number {
    const removed = this.policy.removed;
    const from = this.cursor * 2;
    const n = Math.min(OUT_PAIRS, removed.length / 2 - this.cursor);
    for (let i = 0; i < n * 2; i++) this.out[i] = removed[from + i];
    this.cursor += n;
    return n;
  }

  clear(): void {
    this.policy.clear();
  }

  order(pending: number, now: number): number[] {
    this.drain(pending);
    const out: number[] = [];
    this.policy.order(now, out);
    return out;
  }

  state(): number[] {
    return this.policy.state();
  }

  bytes(): number {
    return this.policy.bytes;
  }
}
