use super::*;
use crate::test_rng::Rng;

fn entries(n: u64, kind: Policy) -> SlotPolicy {
    SlotPolicy::new(
        kind,
        Budget {
            max_entries: n,
            max_bytes: None,
        },
        0,
        0,
    )
}

/// A caller that allocates slots the way LocalCache's JS index does: a free
/// list, and a generation per slot bumped whenever the slot is freed.
#[derive(Default)]
struct Caller {
    free: Vec<u32>,
    next: u32,
    generation: Vec<u32>,
    live: std::collections::HashSet<u32>,
}

impl Caller {
    fn alloc(&mut self) -> u32 {
        self.free.pop().unwrap_or_else(|| {
            self.next += 1;
            self.generation.push(0);
            self.next - 1
        })
    }

    fn collect(&mut self, policy: &SlotPolicy) -> Vec<(u32, Reason)> {
        let removed = policy.removed().to_vec();
        for &(slot, _) in &removed {
            self.live.remove(&slot);
            self.generation[slot as usize] += 1;
            self.free.push(slot);
        }
        removed
    }

    fn insert(
        &mut self,
        p: &mut SlotPolicy,
        hash: u32,
        bytes: u64,
        expires: u64,
        now: u64,
    ) -> (u32, bool) {
        let slot = self.alloc();
        let kept = p.write(
            slot,
            self.generation[slot as usize],
            hash,
            bytes,
            expires,
            now,
        );
        if kept {
            self.live.insert(slot);
        }
        self.collect(p);
        (slot, kept)
    }
}

#[test]
fn a_recorded_hit_for_a_reused_slot_credits_nothing() {
    let mut p = entries(2, Policy::Lru);
    let mut c = Caller::default();
    let (a, _) = c.insert(&mut p, 1, 1, 0, 0);
    let (b, _) = c.insert(&mut p, 2, 1, 0, 0);
    // A hit on `a` is recorded but not yet drained...
    let stale = [a as i32, c.generation[a as usize] as i32];
    // ...when `a` is deleted and its slot reused by a new entry.
    assert!(p.delete(a, Reason::Deleted, 0));
    assert_eq!(c.collect(&p), vec![(a, Reason::Deleted)]);
    let (reused, _) = c.insert(&mut p, 3, 1, 0, 0);
    assert_eq!(reused, a, "the slot was reused");
    // LRU order now: b (older), reused (newer). A credited stale hit would
    // make `reused` most recent; it already is, so touch b first.
    p.drain(&[b as i32, c.generation[b as usize] as i32]);
    let mut order = vec![];
    p.order(0, &mut order);
    assert_eq!(order, vec![b, reused]);
    p.drain(&stale);
    order.clear();
    p.order(0, &mut order);
    assert_eq!(order, vec![b, reused], "the stale hit moved nothing");
    // A hit with the current generation does count.
    p.drain(&[reused as i32, c.generation[reused as usize] as i32]);
    order.clear();
    p.order(0, &mut order);
    assert_eq!(order, vec![reused, b]);
}

#[test]
fn hits_for_slots_never_stored_or_already_freed_are_ignored() {
    let mut p = entries(4, Policy::TinyLfu);
    let mut c = Caller::default();
    let (a, _) = c.insert(&mut p, 7, 1, 0, 0);
    let before = p.state();
    p.drain(&[99, 0, -1, 0, 1000, 3]);
    assert_eq!(p.state(), before);
    p.remove_now(a, Reason::Deleted);
    c.collect(&p);
    p.drain(&[a as i32, 0]);
    assert_eq!(p.len(), 0);
}

#[test]
fn every_removal_is_reported_once_with_its_reason() {
    let mut p = SlotPolicy::new(
        Policy::Lru,
        Budget {
            max_entries: 3,
            max_bytes: Some(1000),
        },
        0,
        0,
    );
    let mut c = Caller::default();
    let (a, _) = c.insert(&mut p, 1, 100, 50, 0);
    let (b, _) = c.insert(&mut p, 2, 100, 0, 0);
    let (_d, _) = c.insert(&mut p, 3, 100, 0, 0);
    // A fourth entry evicts the least recent (a).
    let slot = c.alloc();
    assert!(p.write(slot, 0, 4, 100, 0, 10));
    assert_eq!(c.collect(&p), vec![(a, Reason::Evicted)]);
    // Too large for the byte budget: refused, reported as rejected, never live.
    let big = c.alloc();
    assert!(!p.write(big, 0, 5, 1001, 0, 10));
    assert_eq!(c.collect(&p), vec![(big, Reason::Rejected)]);
    assert!(!p.is_live(big));
    // An update that grows past the budget removes the previous value too.
    assert!(!p.write(b, 0, 2, 1001, 0, 10));
    assert_eq!(c.collect(&p), vec![(b, Reason::Rejected)]);
    // Expiry: swept by the next write after its time.
    let (e, _) = c.insert(&mut p, 6, 100, 20, 10);
    let next = c.alloc();
    p.write(next, 0, 7, 100, 0, 5000);
    assert_eq!(c.collect(&p), vec![(e, Reason::Expired)]);
    assert!(p.delete(next, Reason::Deleted, 5000));
    assert_eq!(c.collect(&p), vec![(next, Reason::Deleted)]);
    assert!(!p.delete(next, Reason::Deleted, 5000), "already gone");
    p.check_invariants();
}

#[test]
fn budgets_hold_and_bookkeeping_stays_consistent_under_random_operations() {
    for kind in [Policy::TinyLfu, Policy::Lru] {
        let mut p = SlotPolicy::new(
            kind,
            Budget {
                max_entries: 50,
                max_bytes: Some(50 * 150),
            },
            3,
            0,
        );
        let mut c = Caller::default();
        let mut rng = Rng(11);
        let mut now = 0;
        let mut ring = Vec::new();
        for i in 0..40_000u64 {
            match rng.below(10) {
                0..=4 => {
                    if let Some(&slot) = c
                        .live
                        .iter()
                        .nth(rng.below(c.live.len().max(1) as u64) as usize)
                    {
                        ring.extend([slot as i32, c.generation[slot as usize] as i32]);
                    }
                }
                5..=7 => {
                    p.drain(&ring);
                    ring.clear();
                    let ttl = rng.below(3) * 300;
                    let expires = if ttl == 0 { 0 } else { now + ttl };
                    c.insert(&mut p, rng.next() as u32, 96 + rng.below(200), expires, now);
                }
                8 => {
                    p.drain(&ring);
                    ring.clear();
                    if let Some(&slot) = c.live.iter().next() {
                        p.delete(slot, Reason::Deleted, now);
                        c.collect(&p);
                    }
                }
                _ => now += rng.below(100),
            }
            if i % 101 == 0 {
                p.check_invariants();
            }
            assert!(p.len() <= 50 && p.bytes() <= 50 * 150);
            assert_eq!(
                p.len() as usize,
                c.live.len(),
                "{kind:?}: caller and policy agree"
            );
        }
    }
}

#[test]
fn order_lists_regions_most_recent_first_and_skips_expired_entries() {
    let mut p = entries(10, Policy::Lru);
    let mut c = Caller::default();
    let (a, _) = c.insert(&mut p, 1, 1, 0, 0);
    let (b, _) = c.insert(&mut p, 2, 1, 100, 0);
    let (d, _) = c.insert(&mut p, 3, 1, 0, 0);
    p.drain(&[a as i32, 0]);
    let mut out = vec![];
    p.order(0, &mut out);
    assert_eq!(out, vec![a, d, b]);
    out.clear();
    p.order(100, &mut out);
    assert_eq!(out, vec![a, d]);
}

#[test]
fn frequent_entries_survive_a_scan_under_tinylfu() {
    let mut p = entries(100, Policy::TinyLfu);
    let mut c = Caller::default();
    let mut hot = vec![];
    for h in 0..50 {
        hot.push(c.insert(&mut p, h, 1, 0, 0).0);
    }
    for _ in 0..20 {
        let ring: Vec<i32> = hot
            .iter()
            .flat_map(|&s| [s as i32, c.generation[s as usize] as i32])
            .collect();
        p.drain(&ring);
    }
    for h in 1000..3000 {
        c.insert(&mut p, h, 1, 0, 0);
    }
    let survivors = hot.iter().filter(|&&s| c.live.contains(&s)).count();
    assert!(survivors >= 45, "{survivors} of 50 hot entries survived");
}
