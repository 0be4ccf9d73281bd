/**
 * The native PolicyPort: `NativePolicy` from the addon (typed by the
 * generated declarations), its ring/io/out arrays allocated here and
 * attached once, and the hot calls through `policyFastPaths()` (raw
 * Node-API functions taking the policy's handle and the pending hit count;
 * the other arguments travel in `io`).
 */
import type { NativeBinding } from '../native/index.js';
import {
  IO_EXPIRES,
  IO_GENERATION,
  IO_HASH,
  IO_BYTES,
  IO_LENGTH,
  IO_NOW,
  IO_REASON,
  IO_SLOT,
  IO_TOTAL_BYTES,
  OUT_PAIRS,
  RING_PAIRS,
  type PolicyBudget,
  type PolicyKind,
  type PolicyPort,
  type Reason,
} from './protocol.js';

type FastPaths = ReturnType<NativeBinding['policyFastPaths']>;
type Owner = InstanceType<NativeBinding['NativePolicy']>;

const fastPathsByBinding = new WeakMap<NativeBinding, FastPaths>();

function fastPathsOf(binding: NativeBinding): FastPaths {
  let fast = fastPathsByBinding.get(binding);
  if (fast === undefined) {
    fast = binding.policyFastPaths();
    fastPathsByBinding.set(binding, fast);
  }
  return fast;
}

export class NativePolicyPort implements PolicyPort {
  readonly ring = new Int32Array(RING_PAIRS * 2);
  readonly out = new Int32Array(OUT_PAIRS * 2);
  private readonly io = new Float64Array(IO_LENGTH);
  private readonly owner: Owner;
  private readonly handle: number;
  private readonly fast: FastPaths;

  constructor(binding: NativeBinding, kind: PolicyKind, budget: PolicyBudget, now: number) {
    this.owner = new binding.NativePolicy(kind, budget.maxEntries, budget.maxBytes, now, this.ring, this.io, this.out);
    this.handle = this.owner.handle;
    this.fast = fastPathsOf(binding);
  }

  drain(pending: number): void {
    this.fast.drain(this.handle, pending);
  }

  write(pending: number, slot: number, generation: number, hash: number, bytes: number, expires: number, now: number): number {
    const io = this.io;
    io[IO_SLOT] = slot;
    io[IO_GENERATION] = generation;
    io[IO_HASH] = hash;
    io[IO_BYTES] = bytes;
    io[IO_EXPIRES] = expires;
    io[IO_NOW] = now;
    return this.fast.write(this.handle, pending);
  }

  delete(pending: number, slot: number, reason: Reason, now: number): number {
    const io = this.io;
    io[IO_SLOT] = slot;
    io[IO_REASON] = reason;
    io[IO_NOW] = now;
    return this.fast.delete(this.handle, pending);
  }

  purge(pending: number, now: number): number {
    this.io[IO_NOW] = now;
    return this.fast.purge(this.handle, pending);
  }

  more(): number {
    return this.fast.more(this.handle);
  }

  clear(): void {
    this.owner.clear();
  }

  order(pending: number, now: number): number[] {
    return this.owner.order(pending, now);
  }

  state(): number[] {
    return this.owner.state();
  }

  bytes(): number {
    return this.io[IO_TOTAL_BYTES];
  }
}
