//! Zstandard dictionary training for the codec.
//!
//! Small values (a few hundred bytes to a few KiB of JSON) compress poorly on
//! their own because every value starts with an empty history. A dictionary
//! trained on representative samples gives each value that history up front.
//! zstd-napi can use dictionaries but cannot train them, so training lives
//! here, on zstd's own builder (`ZDICT_trainFromBuffer`, fast-cover).

use crate::error::{Error, ErrorKind, Result};
use crate::text::plural;

/// Smallest dictionary zstd's builder can produce (`ZDICT_DICTSIZE_MIN`).
pub const MIN_DICTIONARY_BYTES: usize = 256;

/// Largest dictionary this crate will train. Bigger dictionaries cost memory in
/// every compression context and rarely help values small enough to need one.
pub const MAX_DICTIONARY_BYTES: usize = 16 << 20;

/// Magic number at the start of a trained (non raw-content) zstd dictionary.
pub const DICTIONARY_MAGIC: u32 = 0xEC30_A437;

/// Trains a zstd dictionary of at most `max_bytes` bytes.
///
/// `sample_data` is every sample concatenated and `sample_sizes` the length of
/// each, in order (one contiguous buffer is what the builder consumes, and it
/// lets the binding cross the N-API boundary once instead of once per sample).
/// zstd's guidance is a total of samples around 100 times `max_bytes`; with
/// too little or too uniform data the builder fails and this returns an
/// [`ErrorKind::Dictionary`] error saying so.
pub fn train(sample_data: &[u8], sample_sizes: &[usize], max_bytes: usize) -> Result<Vec<u8>> {
    if !(MIN_DICTIONARY_BYTES..=MAX_DICTIONARY_BYTES).contains(&max_bytes) {
        return Err(Error::invalid_argument(format!(
            "maxBytes must be between {MIN_DICTIONARY_BYTES} and {MAX_DICTIONARY_BYTES}, got {max_bytes}"
        )));
    }
    if sample_sizes.is_empty() {
        return Err(Error::invalid_argument("samples must not be empty"));
    }
    let total = sample_sizes
        .iter()
        .try_fold(0usize, |sum, &size| sum.checked_add(size));
    if total != Some(sample_data.len()) {
        return Err(Error::invalid_argument(format!(
            "sample sizes add up to {}, but the sample data holds {}",
            total.map_or_else(|| "more than usize::MAX".to_string(), |t| t.to_string()),
            plural(sample_data.len() as u64, "byte")
        )));
    }
    zstd::dict::from_continuous(sample_data, sample_sizes, max_bytes).map_err(|err| {
        Error::new(
            ErrorKind::Dictionary,
            format!(
                "dictionary training failed ({err}): give more and more varied samples \
                 ({} of {} in total were given; zstd suggests about 100 times maxBytes)",
                plural(sample_sizes.len() as u64, "sample"),
                plural(sample_data.len() as u64, "byte")
            ),
        )
    })
}

/// The id a trained dictionary declares in its header, or `None` for a
/// raw-content dictionary (any bytes without the dictionary magic) or one that
/// declares id 0.
pub fn dictionary_id(dictionary: &[u8]) -> Option<u32> {
    if dictionary.len() < 8 {
        return None;
    }
    let magic = u32::from_le_bytes([dictionary[0], dictionary[1], dictionary[2], dictionary[3]]);
    if magic != DICTIONARY_MAGIC {
        return None;
    }
    let id = u32::from_le_bytes([dictionary[4], dictionary[5], dictionary[6], dictionary[7]]);
    (id != 0).then_some(id)
}

#[cfg(test)]
mod tests;
