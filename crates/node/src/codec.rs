//! Binding of the codec's dictionary trainer (`tiercache_core::dict`).

use napi::bindgen_prelude::{Buffer, Uint32Array, Uint8Array};
use napi_derive::napi;

use crate::error::{map_error, Code};

/// Trains a zstd dictionary of at most `maxBytes` bytes from samples given as
/// one concatenated buffer (`sampleData`) plus the length of each sample
/// (`sampleSizes`), so that any number of samples crosses N-API once.
/// Blocks the calling thread for the duration of training (typically tens of
/// milliseconds per MiB of samples). Fails with `ERR_CODEC_DICTIONARY` when
/// zstd cannot build a dictionary from the samples (too few or too uniform)
/// and `ERR_INVALID_ARG_VALUE` when the sizes do not add up or `maxBytes` is
/// out of range.
#[napi(catch_unwind)]
pub fn train_dictionary(
    sample_data: Uint8Array,
    sample_sizes: Uint32Array,
    max_bytes: u32,
) -> napi::Result<Buffer, Code> {
    let sizes: Vec<usize> = sample_sizes.iter().map(|&size| size as usize).collect();
    tiercache_core::dict::train(&sample_data, &sizes, max_bytes as usize)
        .map(Buffer::from)
        .map_err(map_error)
}
