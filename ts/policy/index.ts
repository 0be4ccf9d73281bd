/**
 * The slot policy of both caches, native or JS: LocalCache drives it
 * through a PolicyPort (protocol.ts); the off-heap cache's JS twin uses
 * JsSlotPolicy directly, one per shard.
 */
import { nativeBinding, requireNativeBinding, type Implementation } from '../native/index.js';
import { JsPolicyPort } from './js-port.js';
import { NativePolicyPort } from './native-port.js';
import type { PolicyBudget, PolicyKind, PolicyPort } from './protocol.js';

export { Reason, OUT_PAIRS, RING_PAIRS, type PolicyBudget, type PolicyKind, type PolicyPort } from './protocol.js';

/** A policy port of implementation `impl`. */
export function createPolicyPort(impl: Implementation, kind: PolicyKind, budget: PolicyBudget, now: number): PolicyPort {
  if (impl === 'js') return new JsPolicyPort(kind, budget, now);
  return new NativePolicyPort(nativeBinding ?? requireNativeBinding(), kind, budget, now);
}
