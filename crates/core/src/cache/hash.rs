//! The key hash shared, bit for bit, with the JS twin (ts/local/js/hash.ts):
//! FNV-1a over the key's UTF-8 bytes, finished with murmur3's fmix32 so that
//! every output bit depends on every input bit.

/// Hashes a key's UTF-8 bytes. The JS twin computes the same value from the
/// string's UTF-16 code units without materialising the UTF-8 bytes.
pub fn hash_key(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    fmix32(h)
}

/// murmur3's 32-bit finaliser.
pub fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// Which of `1 << shard_bits` shards a key hash belongs to: the top bits, so
/// that the bits the per-shard hash table uses stay independent of the shard.
pub fn shard_of(hash: u32, shard_bits: u32) -> usize {
    if shard_bits == 0 {
        0
    } else {
        (hash >> (32 - shard_bits)) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_reference_vectors_shared_with_the_js_twin() {
        // Computed independently (Python); the same vectors are asserted by
        // __test__/local-hash.test.ts against the JS twin.
        assert_eq!(hash_key(b""), 0xab3e_7c0b);
        assert_eq!(hash_key(b"a"), 0x1a80_b1b3);
        assert_eq!(hash_key("user:42".as_bytes()), 0x23bf_9c12);
        assert_eq!(hash_key("k\u{e9}y-\u{1f600}".as_bytes()), 0x28ff_cbc8);
    }

    #[test]
    fn shard_of_uses_the_top_bits() {
        assert_eq!(shard_of(0xffff_ffff, 0), 0);
        assert_eq!(shard_of(0xffff_ffff, 4), 15);
        assert_eq!(shard_of(0x1000_0000, 4), 1);
        assert_eq!(shard_of(0x8000_0000, 1), 1);
    }
}
