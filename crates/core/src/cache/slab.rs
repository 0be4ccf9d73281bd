//! Entry storage of one shard, laid out for the cache's access pattern: a
//! hit touches an entry's metadata, its key (to confirm the match), its
//! value, and the list links of it and its neighbours. So the links live in
//! their own compact arrays (8 bytes per entry, mostly cache-resident), the
//! metadata in another, and key and value share one allocation (one cache
//! miss confirms the key and starts the copy). Lists are intrusive over
//! u32 slots: no per-entry allocation beyond that key+value block.

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

/// Per-entry fields other than links and bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Meta {
    /// Absolute expiry in clock milliseconds; 0 = never.
    pub expires: u64,
    pub hash: u32,
    pub key_len: u32,
    pub wbucket: u16,
    pub region: Region,
}

const VACANT: Meta = Meta {
    expires: 0,
    hash: 0,
    key_len: 0,
    wbucket: NO_BUCKET,
    region: Region::Window,
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

/// The slots of one shard.
#[derive(Debug, Default)]
pub(crate) struct Slab {
    /// Key bytes followed by value bytes.
    data: Vec<Box<[u8]>>,
    meta: Vec<Meta>,
    links: Vec<Link>,
    wheel_links: Vec<Link>,
    free: Vec<u32>,
}

fn block(key: &str, value: &[u8]) -> Box<[u8]> {
    let mut data = Vec::with_capacity(key.len() + value.len());
    data.extend_from_slice(key.as_bytes());
    data.extend_from_slice(value);
    data.into_boxed_slice()
}

impl Slab {
    /// Stores an entry (unlinked, in no bucket) and returns its slot.
    pub(crate) fn insert(&mut self, key: &str, value: &[u8], hash: u32, expires: u64) -> u32 {
        let meta = Meta {
            expires,
            hash,
            key_len: key.len() as u32,
            wbucket: NO_BUCKET,
            region: Region::Window,
        };
        let data = block(key, value);
        if let Some(slot) = self.free.pop() {
            let i = slot as usize;
            self.data[i] = data;
            self.meta[i] = meta;
            self.links[i] = UNLINKED;
            self.wheel_links[i] = UNLINKED;
            slot
        } else {
            self.data.push(data);
            self.meta.push(meta);
            self.links.push(UNLINKED);
            self.wheel_links.push(UNLINKED);
            (self.data.len() - 1) as u32
        }
    }

    /// Frees a slot, dropping its key and value.
    pub(crate) fn remove(&mut self, slot: u32) {
        let i = slot as usize;
        self.data[i] = Box::new([]);
        self.meta[i] = VACANT;
        self.free.push(slot);
    }

    /// Replaces the value of an entry, keeping its key.
    pub(crate) fn set_value(&mut self, slot: u32, value: &[u8]) {
        let i = slot as usize;
        let key_len = self.meta[i].key_len as usize;
        let mut data = Vec::with_capacity(key_len + value.len());
        data.extend_from_slice(&self.data[i][..key_len]);
        data.extend_from_slice(value);
        self.data[i] = data.into_boxed_slice();
    }

    /// Drops every entry and returns the memory to the allocator.
    pub(crate) fn release(&mut self) {
        *self = Self::default();
    }

    pub(crate) fn key_bytes(&self, slot: u32) -> &[u8] {
        let i = slot as usize;
        &self.data[i][..self.meta[i].key_len as usize]
    }

    pub(crate) fn key(&self, slot: u32) -> &str {
        // Stored from a &str, so always valid UTF-8.
        std::str::from_utf8(self.key_bytes(slot)).unwrap_or("")
    }

    pub(crate) fn value(&self, slot: u32) -> &[u8] {
        let i = slot as usize;
        &self.data[i][self.meta[i].key_len as usize..]
    }

    /// Key and value bytes (the entry's accounted size minus the fixed overhead).
    pub(crate) fn data_len(&self, slot: u32) -> u64 {
        self.data[slot as usize].len() as u64
    }

    pub(crate) fn meta(&self, slot: u32) -> &Meta {
        &self.meta[slot as usize]
    }

    pub(crate) fn meta_mut(&mut self, slot: u32) -> &mut Meta {
        &mut self.meta[slot as usize]
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

    fn keys(slab: &Slab, list: &List) -> Vec<String> {
        let mut out = vec![];
        let mut s = list.head;
        while s != NIL {
            out.push(slab.key(s).to_string());
            s = slab.next(s);
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
                let s = slab.insert(k, b"v", 0, 0);
                slab.push_tail(Links::Policy, &mut list, s);
                s
            })
            .collect();
        assert_eq!(keys(&slab, &list), ["a", "b", "c"]);
        slab.move_to_tail(Links::Policy, &mut list, slots[0]);
        assert_eq!(keys(&slab, &list), ["b", "c", "a"]);
        slab.unlink(Links::Policy, &mut list, slots[2]);
        assert_eq!(keys(&slab, &list), ["b", "a"]);
        slab.remove(slots[2]);
        assert_eq!(
            slab.insert("d", b"", 0, 0),
            slots[2],
            "a freed slot is reused"
        );
    }

    #[test]
    fn key_and_value_share_one_block_and_updates_keep_the_key() {
        let mut slab = Slab::default();
        let s = slab.insert("kéy", b"value", 1, 0);
        assert_eq!((slab.key(s), slab.value(s)), ("kéy", &b"value"[..]));
        slab.set_value(s, b"longer value");
        assert_eq!((slab.key(s), slab.value(s)), ("kéy", &b"longer value"[..]));
        assert_eq!(slab.data_len(s), 4 + 12);
    }
}
