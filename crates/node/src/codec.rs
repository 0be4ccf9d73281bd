//! Binding of the codec's native pieces: the dictionary trainer
//! (`tiercache_core::dict`) and the zstd engine (`tiercache_core::codec`) the
//! Codec uses when zstd-napi cannot be loaded.

use napi::bindgen_prelude::{Buffer, Env, Uint32Array, Uint8Array};
use napi_derive::napi;
use tiercache_core::codec::{Compressor, Decompressor, FrameSize};

use crate::convert::{self, Bytes, BytesMut, RawValue};
use crate::error::{map_error, map_napi_error, Code};

// Spelled `Result<T, Code>`: napi-derive recognises a fallible export by the
// last path segment being `Result`.
type Result<T> = napi::Result<T, Code>;

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

/// Compresses values into single zstd frames (content size always, checksum
/// when asked, no dictionary id), one context per codec and thread. Private
/// to tiercache (`ts/codec/native-frames.ts` wraps it).
#[napi]
pub struct NativeZstdCompressor {
    inner: Compressor,
}

#[napi]
impl NativeZstdCompressor {
    /// `level` is zstd's (the codec has clamped it); `dictionary` is trained
    /// or raw content. Fails with `ERR_CODEC_DICTIONARY` for an unusable
    /// dictionary.
    #[napi(
        constructor,
        ts_args_type = "level: number, checksum: boolean, dictionary: Uint8Array | null"
    )]
    pub fn new(level: i32, checksum: bool, dictionary: Option<Bytes>) -> Result<Self> {
        let inner = Compressor::new(level, checksum, dictionary.as_ref().map(Bytes::as_slice))
            .map_err(map_error)?;
        Ok(Self { inner })
    }

    /// Compresses `input` into one frame at the start of `out` (at least
    /// zstd's compress bound for the input); returns the frame's length.
    #[napi(catch_unwind, ts_args_type = "input: Uint8Array, out: Uint8Array")]
    pub fn compress(&mut self, input: Bytes, mut out: BytesMut) -> Result<u32> {
        self.inner
            .compress_into(input.as_slice(), out.as_mut_slice())
            .map(|len| len as u32)
            .map_err(map_error)
    }
}

/// Decompresses single zstd frames under the codec's bomb guard (declared
/// size checked before allocating, 8 MiB window, streamed decode stopped at
/// the limit). Private to tiercache (`ts/codec/native-frames.ts` wraps it).
#[napi]
pub struct NativeZstdDecompressor {
    inner: Decompressor,
}

#[napi]
impl NativeZstdDecompressor {
    /// A decompressor without dictionaries.
    #[napi(constructor)]
    pub fn new() -> Result<Self> {
        Ok(Self {
            inner: Decompressor::new().map_err(map_error)?,
        })
    }

    /// Accepts frames compressed with `dictionary` when the envelope names
    /// `id`; `name` is the option it came from, for the error message.
    #[napi(ts_args_type = "id: number, dictionary: Uint8Array, name: string")]
    pub fn add_dictionary(&mut self, id: u32, dictionary: Bytes, name: String) -> Result<()> {
        self.inner
            .add_dictionary(id, dictionary.as_slice(), &name)
            .map_err(map_error)
    }

    /// Decodes exactly one frame with dictionary `dictionaryId` (0 for none)
    /// into `out`, sized from the content size the frame declares (read by
    /// the facade, so the Buffer comes from V8's pool: a Buffer made here
    /// costs about a microsecond). Fails like `decompress`, and with
    /// `ERR_INVALID_ARG_VALUE` when the frame declares another size.
    #[napi(
        catch_unwind,
        ts_args_type = "frame: Uint8Array, dictionaryId: number, limit: number, out: Uint8Array"
    )]
    pub fn decompress_into(
        &mut self,
        frame: Bytes,
        dictionary_id: u32,
        limit: u32,
        mut out: BytesMut,
    ) -> Result<()> {
        self.inner
            .decompress_into(
                frame.as_slice(),
                dictionary_id,
                limit as usize,
                out.as_mut_slice(),
            )
            .map_err(map_error)
    }

    /// Decodes exactly one frame with dictionary `dictionaryId` (0 for none)
    /// into a new Buffer of at most `limit` bytes: for frames whose size the
    /// facade does not know (none declared, or a header it cannot read). Fails with
    /// `ERR_CODEC_TOO_LARGE`, `ERR_CODEC_CORRUPT` or `ERR_CODEC_DICTIONARY`.
    #[napi(
        catch_unwind,
        ts_args_type = "frame: Uint8Array, dictionaryId: number, limit: number",
        ts_return_type = "Buffer"
    )]
    pub fn decompress(
        &mut self,
        env: &Env,
        frame: Bytes,
        dictionary_id: u32,
        limit: u32,
    ) -> Result<RawValue> {
        let frame = frame.as_slice();
        let limit = limit as usize;
        match Decompressor::inspect(frame, limit).map_err(map_error)? {
            FrameSize::Declared(size) => convert::buffer_filled(env.raw(), size, |out| {
                self.inner.decompress_declared(frame, dictionary_id, out)
            })
            .map_err(map_napi_error)?
            .map_err(map_error),
            FrameSize::Unknown => {
                let bytes = self
                    .inner
                    .decompress_streaming(frame, dictionary_id, limit)
                    .map_err(map_error)?;
                convert::buffer_copy(env.raw(), &bytes).map_err(map_napi_error)
            }
        }
    }
}
