//! Per-slot state of one policy, split by access pattern: what a hit touches
//! (hash, generation, region, the policy-queue links) in one 16-byte record,
//! what only writes touch (bytes, expiry, timer-wheel links) in another. The
//! queues and wheel buckets are intrusive lists over u32 slots. No keys or
//! values: the caller stores those by the same slot id. The arrays grow to
//! the highest slot the caller uses.

/// No slot: the end of a list.
pub(crate) const NIL: u32 = u32::MAX;
/// An entry that is in no timer-wheel bucket.
pub(crate) const NO_BUCKET: u16 = u16::MAX;

/// A prefetch hint for the cache line holding `p` (no effect where the
/// target has no prefetch instruction). Never faults, whatever `p` is.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and never changes memory.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Which policy queue an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// The admission window (the only queue of the LRU policy).
    Window,
    /// The main space's probationary segment.
    Probation,
    /// The main space's protected segment.
    Protected,
}

impl Region {
    /// The region's number in policy-state dumps and the hit ring protocol.
    pub fn index(self) -> usize {
        match self {
            Region::Window => 0,
            Region::Probation => 1,
            Region::Protected => 2,
        }
    }
}

/// The fields a recorded hit touches, with the policy-queue links: 16 bytes,
/// four entries to a cache line, so draining hits over a large cache touches
/// as little memory as possible (it competes with the JS index for the CPU
/// cache).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hot {
    pub prev: u32,
    pub next: u32,
    pub hash: u32,
    /// The caller's generation of the slot (mod 32) when the entry was
    /// stored: a recorded hit carrying another generation is for an earlier
    /// entry.
    pub generation: u8,
    pub region: Region,
    pub live: bool,
}

/// The fields only writes, expiry and eviction touch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cold {
    /// Accounted bytes (the caller's size plus the fixed overhead).
    pub bytes: u64,
    /// Absolute expiry in clock milliseconds; 0 = never.
    pub expires: u64,
    pub wprev: u32,
    pub wnext: u32,
    pub wbucket: u16,
}

const VACANT_HOT: Hot = Hot {
    prev: NIL,
    next: NIL,
    hash: 0,
    generation: 0,
    region: Region::Window,
    live: false,
};

const VACANT_COLD: Cold = Cold {
    bytes: 0,
    expires: 0,
    wprev: NIL,
    wnext: NIL,
    wbucket: NO_BUCKET,
};

/// Neighbours of an entry in one intrusive list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link {
    pub prev: u32,
    pub next: u32,
}

/// The head (least recent) and tail (most recent) of an intrusive list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct List {
    pub head: u32,
    pub tail: u32,
}

impl Default for List {
    fn default() -> Self {
        Self {
            head: NIL,
            tail: NIL,
        }
    }
}

/// Which link array a list is threaded through.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Links {
    /// Policy queues.
    Policy,
    /// Timer-wheel buckets.
    Wheel,
}

/// The slots of one policy.
#[derive(Debug, Default)]
pub(crate) struct Slots {
    hot: Vec<Hot>,
    cold: Vec<Cold>,
}

impl Slots {
    /// Makes `slot` addressable, growing the arrays when needed.
    pub(crate) fn ensure(&mut self, slot: u32) {
        let needed = slot as usize + 1;
        if needed > self.hot.len() {
            let size = needed.max(self.hot.len() * 2).max(16);
            self.hot.resize(size, VACANT_HOT);
            self.cold.resize(size, VACANT_COLD);
        }
    }

    /// Number of addressable slots.
    pub(crate) fn capacity(&self) -> usize {
        self.hot.len()
    }

    /// Marks a slot as holding nothing (its hash stays readable until reuse).
    pub(crate) fn vacate(&mut self, slot: u32) {
        let i = slot as usize;
        let hot = &mut self.hot[i];
        hot.live = false;
        hot.prev = NIL;
        hot.next = NIL;
        let cold = &mut self.cold[i];
        cold.wbucket = NO_BUCKET;
        cold.wprev = NIL;
        cold.wnext = NIL;
    }

    /// Drops every slot and returns the memory to the allocator.
    pub(crate) fn release(&mut self) {
        *self = Self::default();
    }

    pub(crate) fn hot(&self, slot: u32) -> &Hot {
        &self.hot[slot as usize]
    }

    pub(crate) fn hot_mut(&mut self, slot: u32) -> &mut Hot {
        &mut self.hot[slot as usize]
    }

    pub(crate) fn cold(&self, slot: u32) -> &Cold {
        &self.cold[slot as usize]
    }

    pub(crate) fn cold_mut(&mut self, slot: u32) -> &mut Cold {
        &mut self.cold[slot as usize]
    }

    /// Asks the CPU to start loading `slot`'s record (a hint; any slot is fine).
    #[inline]
    pub(crate) fn prefetch(&self, slot: u32) {
        prefetch(self.hot.as_ptr().wrapping_add(slot as usize));
    }

    /// Asks the CPU to start loading the records of `slot`'s queue
    /// neighbours (a hint: they may have moved by the time they are used).
    #[inline]
    pub(crate) fn prefetch_links(&self, slot: u32) {
        if let Some(h) = self.hot.get(slot as usize) {
            prefetch(self.hot.as_ptr().wrapping_add(h.prev as usize));
            prefetch(self.hot.as_ptr().wrapping_add(h.next as usize));
        }
    }

    /// The entry in `slot` when it is live (out-of-range slots are not).
    pub(crate) fn live(&self, slot: u32) -> Option<&Hot> {
        self.hot.get(slot as usize).filter(|h| h.live)
    }

    pub(crate) fn link(&self, links: Links, slot: u32) -> Link {
        match links {
            Links::Policy => {
                let h = &self.hot[slot as usize];
                Link {
                    prev: h.prev,
                    next: h.next,
                }
            }
            Links::Wheel => {
                let c = &self.cold[slot as usize];
                Link {
                    prev: c.wprev,
                    next: c.wnext,
                }
            }
        }
    }

    fn set_prev(&mut self, links: Links, slot: u32, prev: u32) {
        match links {
            Links::Policy => self.hot[slot as usize].prev = prev,
            Links::Wheel => self.cold[slot as usize].wprev = prev,
        }
    }

    fn set_next(&mut self, links: Links, slot: u32, next: u32) {
        match links {
            Links::Policy => self.hot[slot as usize].next = next,
            Links::Wheel => self.cold[slot as usize].wnext = next,
        }
    }

    /// The next (more recent) entry in its policy list.
    pub(crate) fn next(&self, slot: u32) -> u32 {
        self.hot[slot as usize].next
    }

    /// The previous (less recent) entry in its policy list.
    pub(crate) fn prev(&self, slot: u32) -> u32 {
        self.hot[slot as usize].prev
    }

    /// Appends `slot` as the most recent entry of `list`.
    pub(crate) fn push_tail(&mut self, links: Links, list: &mut List, slot: u32) {
        let old_tail = list.tail;
        self.set_prev(links, slot, old_tail);
        self.set_next(links, slot, NIL);
        if old_tail == NIL {
            list.head = slot;
        } else {
            self.set_next(links, old_tail, slot);
        }
        list.tail = slot;
    }

    /// Removes `slot` from `list`.
    pub(crate) fn unlink(&mut self, links: Links, list: &mut List, slot: u32) {
        let Link { prev, next } = self.link(links, slot);
        if prev == NIL {
            list.head = next;
        } else {
            self.set_next(links, prev, next);
        }
        if next == NIL {
            list.tail = prev;
        } else {
            self.set_prev(links, next, prev);
        }
        self.set_prev(links, slot, NIL);
        self.set_next(links, slot, NIL);
    }

    /// Makes `slot` the most recent entry of the policy queue `list` (the
    /// hit path: unlink and append in one pass, touching each record once).
    #[inline]
    pub(crate) fn move_to_tail(&mut self, list: &mut List, slot: u32) {
        let Hot { prev, next, .. } = self.hot[slot as usize];
        if next == NIL {
            return; // already the most recent
        }
        if prev == NIL {
            list.head = next;
        } else {
            self.hot[prev as usize].next = next;
        }
        self.hot[next as usize].prev = prev;
        let tail = list.tail;
        self.hot[tail as usize].next = slot;
        let hot = &mut self.hot[slot as usize];
        hot.prev = tail;
        hot.next = NIL;
        list.tail = slot;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(slots: &Slots, list: &List) -> Vec<u32> {
        let mut out = vec![];
        let mut s = list.head;
        while s != NIL {
            out.push(s);
            s = slots.next(s);
        }
        out
    }

    #[test]
    fn lists_keep_order_through_moves_and_unlinks() {
        let mut slots = Slots::default();
        let mut list = List::default();
        for s in 0..3 {
            slots.ensure(s);
            slots.push_tail(Links::Policy, &mut list, s);
        }
        assert_eq!(order(&slots, &list), [0, 1, 2]);
        slots.move_to_tail(&mut list, 0);
        assert_eq!(order(&slots, &list), [1, 2, 0]);
        slots.unlink(Links::Policy, &mut list, 2);
        assert_eq!(order(&slots, &list), [1, 0]);
        assert_eq!((list.head, list.tail), (1, 0));
    }

    #[test]
    fn slots_grow_on_demand_and_out_of_range_slots_are_not_live() {
        let mut slots = Slots::default();
        assert!(slots.live(1000).is_none());
        slots.ensure(1000);
        assert!(slots.capacity() > 1000);
        slots.hot_mut(1000).live = true;
        assert!(slots.live(1000).is_some());
        slots.vacate(1000);
        assert!(slots.live(1000).is_none());
    }
}
