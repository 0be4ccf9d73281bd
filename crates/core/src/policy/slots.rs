//! Per-slot state of one policy: metadata in one compact array, the policy
//! queues and timer-wheel buckets as intrusive lists over u32 slots in two
//! more. No keys or values: the caller stores those by the same slot id.
//! The arrays grow to the highest slot the caller uses.

/// No slot: the end of a list.
pub(crate) const NIL: u32 = u32::MAX;
/// An entry that is in no timer-wheel bucket.
pub(crate) const NO_BUCKET: u16 = u16::MAX;

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

/// Per-entry fields other than links.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Meta {
    /// Accounted bytes (the caller's size plus the fixed overhead).
    pub bytes: u64,
    /// Absolute expiry in clock milliseconds; 0 = never.
    pub expires: u64,
    pub hash: u32,
    /// The caller's generation of the slot when the entry was stored: a
    /// recorded hit carrying another generation is for an earlier entry.
    pub generation: u32,
    pub wbucket: u16,
    pub region: Region,
    pub live: bool,
}

const VACANT: Meta = Meta {
    bytes: 0,
    expires: 0,
    hash: 0,
    generation: 0,
    wbucket: NO_BUCKET,
    region: Region::Window,
    live: false,
};

/// Neighbours of an entry in one intrusive list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link {
    pub prev: u32,
    pub next: u32,
}

const UNLINKED: Link = Link {
    prev: NIL,
    next: NIL,
};

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
    meta: Vec<Meta>,
    links: Vec<Link>,
    wheel_links: Vec<Link>,
}

impl Slots {
    /// Makes `slot` addressable, growing the arrays when needed.
    pub(crate) fn ensure(&mut self, slot: u32) {
        let needed = slot as usize + 1;
        if needed > self.meta.len() {
            let size = needed.max(self.meta.len() * 2).max(16);
            self.meta.resize(size, VACANT);
            self.links.resize(size, UNLINKED);
            self.wheel_links.resize(size, UNLINKED);
        }
    }

    /// Number of addressable slots.
    pub(crate) fn capacity(&self) -> usize {
        self.meta.len()
    }

    /// Marks a slot as holding nothing (its hash stays readable until reuse).
    pub(crate) fn vacate(&mut self, slot: u32) {
        let i = slot as usize;
        let m = &mut self.meta[i];
        m.live = false;
        m.wbucket = NO_BUCKET;
        self.links[i] = UNLINKED;
        self.wheel_links[i] = UNLINKED;
    }

    /// Drops every slot and returns the memory to the allocator.
    pub(crate) fn release(&mut self) {
        *self = Self::default();
    }

    pub(crate) fn meta(&self, slot: u32) -> &Meta {
        &self.meta[slot as usize]
    }

    pub(crate) fn meta_mut(&mut self, slot: u32) -> &mut Meta {
        &mut self.meta[slot as usize]
    }

    /// The entry in `slot` when it is live (out-of-range slots are not).
    pub(crate) fn live(&self, slot: u32) -> Option<&Meta> {
        self.meta.get(slot as usize).filter(|m| m.live)
    }

    fn links_of(&mut self, links: Links) -> &mut Vec<Link> {
        match links {
            Links::Policy => &mut self.links,
            Links::Wheel => &mut self.wheel_links,
        }
    }

    pub(crate) fn link(&self, links: Links, slot: u32) -> Link {
        match links {
            Links::Policy => self.links[slot as usize],
            Links::Wheel => self.wheel_links[slot as usize],
        }
    }

    /// The next (more recent) entry in its policy list.
    pub(crate) fn next(&self, slot: u32) -> u32 {
        self.links[slot as usize].next
    }

    /// The previous (less recent) entry in its policy list.
    pub(crate) fn prev(&self, slot: u32) -> u32 {
        self.links[slot as usize].prev
    }

    /// Appends `slot` as the most recent entry of `list`.
    pub(crate) fn push_tail(&mut self, links: Links, list: &mut List, slot: u32) {
        let old_tail = list.tail;
        let l = self.links_of(links);
        l[slot as usize] = Link {
            prev: old_tail,
            next: NIL,
        };
        if old_tail == NIL {
            list.head = slot;
        } else {
            l[old_tail as usize].next = slot;
        }
        list.tail = slot;
    }

    /// Removes `slot` from `list`.
    pub(crate) fn unlink(&mut self, links: Links, list: &mut List, slot: u32) {
        let l = self.links_of(links);
        let Link { prev, next } = l[slot as usize];
        if prev == NIL {
            list.head = next;
        } else {
            l[prev as usize].next = next;
        }
        if next == NIL {
            list.tail = prev;
        } else {
            l[next as usize].prev = prev;
        }
        l[slot as usize] = UNLINKED;
    }

    /// Makes `slot` the most recent entry of `list`.
    pub(crate) fn move_to_tail(&mut self, links: Links, list: &mut List, slot: u32) {
        if list.tail != slot {
            self.unlink(links, list, slot);
            self.push_tail(links, list, slot);
        }
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
        slots.move_to_tail(Links::Policy, &mut list, 0);
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
        slots.meta_mut(1000).live = true;
        assert!(slots.live(1000).is_some());
        slots.vacate(1000);
        assert!(slots.live(1000).is_none());
    }
}
