//! Entry storage of one shard: a slab of entries addressed by u32 slot, with
//! intrusive doubly-linked lists (policy order and timer-wheel buckets)
//! threaded through the slots, so no per-entry allocation beyond the key
//! and value themselves.

/// No slot: the end of a list.
pub(crate) const NIL: u32 = u32::MAX;
/// An entry that is in no timer-wheel bucket.
pub(crate) const NO_BUCKET: u16 = u16::MAX;

/// Which policy queue an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Region {
    /// The admission window (the only queue of the LRU policy).
    Window,
    /// The main space's probationary segment.
    Probation,
    /// The main space's protected segment.
    Protected,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub key: Box<str>,
    pub value: Box<[u8]>,
    /// Absolute expiry in clock milliseconds; 0 = never.
    pub expires: u64,
    /// Accounted bytes: key + value + per-entry overhead.
    pub bytes: u64,
    pub hash: u32,
    pub prev: u32,
    pub next: u32,
    pub wprev: u32,
    pub wnext: u32,
    pub wbucket: u16,
    pub region: Region,
}

impl Entry {
    fn vacant() -> Self {
        Self {
            key: Box::from(""),
            value: Box::new([]),
            expires: 0,
            bytes: 0,
            hash: 0,
            prev: NIL,
            next: NIL,
            wprev: NIL,
            wnext: NIL,
            wbucket: NO_BUCKET,
            region: Region::Window,
        }
    }
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

/// The slots of one shard.
#[derive(Debug, Default)]
pub(crate) struct Slab {
    entries: Vec<Entry>,
    free: Vec<u32>,
}

impl Slab {
    /// Stores an entry in a free slot and returns the slot.
    pub(crate) fn insert(&mut self, entry: Entry) -> u32 {
        if let Some(slot) = self.free.pop() {
            self.entries[slot as usize] = entry;
            slot
        } else {
            self.entries.push(entry);
            (self.entries.len() - 1) as u32
        }
    }

    /// Frees a slot, dropping its key and value, and returns the entry.
    pub(crate) fn remove(&mut self, slot: u32) -> Entry {
        self.free.push(slot);
        std::mem::replace(&mut self.entries[slot as usize], Entry::vacant())
    }

    /// Drops every entry and returns the memory to the allocator.
    pub(crate) fn release(&mut self) {
        self.entries = Vec::new();
        self.free = Vec::new();
    }

    /// A new vacant-initialised entry to fill in.
    pub(crate) fn blank() -> Entry {
        Entry::vacant()
    }

    pub(crate) fn get(&self, slot: u32) -> &Entry {
        &self.entries[slot as usize]
    }

    pub(crate) fn get_mut(&mut self, slot: u32) -> &mut Entry {
        &mut self.entries[slot as usize]
    }

    /// Appends `slot` as the most recent entry of `list`.
    pub(crate) fn push_tail(&mut self, list: &mut List, slot: u32) {
        let old_tail = list.tail;
        {
            let e = self.get_mut(slot);
            e.prev = old_tail;
            e.next = NIL;
        }
        if old_tail == NIL {
            list.head = slot;
        } else {
            self.get_mut(old_tail).next = slot;
        }
        list.tail = slot;
    }

    /// Removes `slot` from `list`.
    pub(crate) fn unlink(&mut self, list: &mut List, slot: u32) {
        let (prev, next) = {
            let e = self.get(slot);
            (e.prev, e.next)
        };
        if prev == NIL {
            list.head = next;
        } else {
            self.get_mut(prev).next = next;
        }
        if next == NIL {
            list.tail = prev;
        } else {
            self.get_mut(next).prev = prev;
        }
        let e = self.get_mut(slot);
        e.prev = NIL;
        e.next = NIL;
    }

    /// Makes `slot` the most recent entry of `list`.
    pub(crate) fn move_to_tail(&mut self, list: &mut List, slot: u32) {
        if list.tail != slot {
            self.unlink(list, slot);
            self.push_tail(list, slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(slab: &Slab, list: &List) -> Vec<String> {
        let mut out = vec![];
        let mut s = list.head;
        while s != NIL {
            out.push(slab.get(s).key.to_string());
            s = slab.get(s).next;
        }
        out
    }

    #[test]
    fn lists_keep_order_through_moves_and_unlinks() {
        let mut slab = Slab::default();
        let mut list = List::default();
        let slots: Vec<u32> = ["a", "b", "c"]
            .iter()
            .map(|k| {
                let mut e = Slab::blank();
                e.key = Box::from(*k);
                let s = slab.insert(e);
                slab.push_tail(&mut list, s);
                s
            })
            .collect();
        assert_eq!(keys(&slab, &list), ["a", "b", "c"]);
        slab.move_to_tail(&mut list, slots[0]);
        assert_eq!(keys(&slab, &list), ["b", "c", "a"]);
        slab.unlink(&mut list, slots[2]);
        assert_eq!(keys(&slab, &list), ["b", "a"]);
        slab.remove(slots[2]);
        let mut e = Slab::blank();
        e.key = Box::from("d");
        assert_eq!(slab.insert(e), slots[2], "a freed slot is reused");
    }
}
