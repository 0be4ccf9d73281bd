//! The dedupe index of the open batch: key -> slot, without an allocation per
//! key. Text keys are copied into one UTF-16 arena; the open-addressing table
//! is cleared in O(1) by bumping a generation when the batch is sealed.

/// A load's key, as JavaScript's `Map` compares keys (SameValueZero): text by
/// its UTF-16 code units, numbers by value with `-0 == 0` and `NaN == NaN`.
/// A text key never equals a number key.
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    /// A string key, as UTF-16 code units.
    Text(&'a [u16]),
    /// A number key.
    Number(f64),
}

#[derive(Debug, Clone, Copy)]
enum Stored {
    Text { start: u32, len: u32 },
    Number(u64),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    hash: u64,
    key: Stored,
    slot: u32,
}

/// Where a key that is not in the index would go (from [`KeyIndex::find`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Vacant {
    hash: u64,
    bucket: usize,
}

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    generation: u32,
    entry: u32,
}

const MIN_BUCKETS: usize = 64;
const SHRINK_ABOVE: usize = 1 << 14;

/// Maps the keys of the open batch to their slots.
#[derive(Debug)]
pub(crate) struct KeyIndex {
    buckets: Vec<Bucket>,
    generation: u32,
    entries: Vec<Entry>,
    arena: Vec<u16>,
}

#[inline(always)]
fn canonical_number(value: f64) -> u64 {
    if value == 0.0 {
        0
    } else if value.is_nan() {
        f64::NAN.to_bits()
    } else {
        value.to_bits()
    }
}

const SEED: u64 = 0x517c_c1b7_2722_0a95;

#[inline(always)]
fn mix(h: u64) -> u64 {
    let h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

#[inline(always)]
fn hash_key(key: Key<'_>) -> u64 {
    match key {
        Key::Text(units) => {
            let mut h = units.len() as u64;
            let mut chunks = units.chunks_exact(4);
            for c in &mut chunks {
                let w = u64::from(c[0])
                    | (u64::from(c[1]) << 16)
                    | (u64::from(c[2]) << 32)
                    | (u64::from(c[3]) << 48);
                h = (h.rotate_left(5) ^ w).wrapping_mul(SEED);
            }
            for &u in chunks.remainder() {
                h = (h.rotate_left(5) ^ u64::from(u)).wrapping_mul(SEED);
            }
            mix(h)
        }
        Key::Number(v) => mix(canonical_number(v).wrapping_mul(SEED) ^ 0x9e37_79b9_7f4a_7c15),
    }
}

impl KeyIndex {
    pub(crate) fn new() -> Self {
        Self {
            buckets: vec![Bucket::default(); MIN_BUCKETS],
            generation: 1,
            entries: Vec::new(),
            arena: Vec::new(),
        }
    }

    #[inline(always)]
    fn matches(&self, entry: &Entry, key: Key<'_>) -> bool {
        match (entry.key, key) {
            (Stored::Text { start, len }, Key::Text(units)) => {
                let start = start as usize;
                self.arena[start..start + len as usize] == *units
            }
            (Stored::Number(bits), Key::Number(v)) => bits == canonical_number(v),
            _ => false,
        }
    }

    /// The slot of `key` in the open batch, or where to insert it.
    #[inline(always)]
    pub(crate) fn find(&self, key: Key<'_>) -> Result<u32, Vacant> {
        let hash = hash_key(key);
        let mask = self.buckets.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let bucket = self.buckets[i];
            if bucket.generation != self.generation {
                return Err(Vacant { hash, bucket: i });
            }
            let entry = &self.entries[bucket.entry as usize];
            if entry.hash == hash && self.matches(entry, key) {
                return Ok(entry.slot);
            }
            i = (i + 1) & mask;
        }
    }

    /// Where `key`, known to be absent, would go.
    pub(crate) fn vacancy(&self, key: Key<'_>) -> Vacant {
        let hash = hash_key(key);
        let mask = self.buckets.len() - 1;
        let mut i = hash as usize & mask;
        while self.buckets[i].generation == self.generation {
            i = (i + 1) & mask;
        }
        Vacant { hash, bucket: i }
    }

    /// Records `key`, found vacant at `vacant` just before, as living in `slot`.
    #[inline(always)]
    pub(crate) fn insert(&mut self, key: Key<'_>, vacant: Vacant, slot: u32) {
        let stored = match key {
            Key::Text(units) => {
                let start = self.arena.len() as u32;
                self.arena.extend_from_slice(units);
                Stored::Text {
                    start,
                    len: units.len() as u32,
                }
            }
            Key::Number(v) => Stored::Number(canonical_number(v)),
        };
        let index = self.entries.len() as u32;
        self.entries.push(Entry {
            hash: vacant.hash,
            key: stored,
            slot,
        });
        if self.entries.len() * 2 > self.buckets.len() {
            self.grow();
        } else {
            self.buckets[vacant.bucket] = Bucket {
                generation: self.generation,
                entry: index,
            };
        }
    }

    fn place(&mut self, hash: u64, entry: u32) {
        let mask = self.buckets.len() - 1;
        let mut i = hash as usize & mask;
        while self.buckets[i].generation == self.generation {
            i = (i + 1) & mask;
        }
        self.buckets[i] = Bucket {
            generation: self.generation,
            entry,
        };
    }

    fn grow(&mut self) {
        let size = self.buckets.len() * 2;
        self.rebuild(size);
    }

    fn rebuild(&mut self, size: usize) {
        self.buckets = vec![Bucket::default(); size];
        self.generation = 1;
        for index in 0..self.entries.len() {
            let hash = self.entries[index].hash;
            self.place(hash, index as u32);
        }
    }

    /// Forgets every key (the open batch was sealed or dropped).
    pub(crate) fn reset(&mut self) {
        let used = self.entries.len();
        self.entries.clear();
        self.arena.clear();
        if self.buckets.len() > SHRINK_ABOVE && used * 8 < self.buckets.len() {
            let size = (used * 2).next_power_of_two().max(MIN_BUCKETS);
            self.rebuild(size);
            self.arena.shrink_to(size);
            self.entries.shrink_to(size);
            return;
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.buckets.fill(Bucket::default());
            self.generation = 1;
        }
    }

    #[cfg(test)]
    pub(crate) fn set_generation_for_test(&mut self, generation: u32) {
        self.buckets.fill(Bucket::default());
        self.generation = generation;
    }

    #[cfg(test)]
    pub(crate) fn bucket_count(&self) -> usize {
        self.buckets.len()
    }
}
