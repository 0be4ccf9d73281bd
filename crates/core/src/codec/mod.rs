//! zstd frames for the codec, as the addon's engine: the Codec uses it when
//! zstd-napi cannot be loaded, so the frames and the guard must be exactly the
//! ones of its zstd-napi engine (`ts/codec/zstd-napi-frames.ts`). Values
//! written by either engine are read by the other.
//!
//! Frames always carry their content size and never a dictionary id (the
//! codec's envelope has it), and carry a checksum when asked. Decoding is
//! guarded against decompression bombs: a declared size above the limit is
//! rejected before anything is allocated, the window is limited to 8 MiB (the
//! HTTP profile, RFC 9659), and a frame that declares no size is streamed and
//! stopped as soon as its output passes the limit.

use std::collections::HashMap;

use zstd::zstd_safe::{
    self, get_error_name, CCtx, CParameter, DCtx, DDict, DParameter, InBuffer, OutBuffer,
    ResetDirective,
};

use crate::error::{Error, ErrorKind, Result};
use crate::text::plural;

/// Largest window a frame may need (log2): 8 MiB, the HTTP zstd profile.
pub const MAX_WINDOW_LOG: u32 = 23;

/// The bytes `compress` may need for an input of `len` bytes (zstd's
/// `ZSTD_compressBound`).
pub fn compress_bound(len: usize) -> usize {
    zstd_safe::compress_bound(len)
}

/// The content size a frame's header declares (None when it declares none).
pub fn frame_content_size(frame: &[u8]) -> Result<Option<u64>> {
    zstd_safe::get_frame_content_size(frame)
        .map_err(|_| corrupt("zstd frame header is truncated or invalid"))
}

fn corrupt(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Corrupt, message)
}

/// The error of a value that decompresses to more than `limit` bytes:
/// `declared` is the size its frame declares, or `None` when it grew past
/// the limit while streaming.
fn too_large(declared: Option<u64>, limit: usize) -> Error {
    let message = match declared {
        None => format!(
            "encoded value decompresses to more than maxDecompressedBytes ({limit}); stopped while streaming"
        ),
        Some(size) => format!(
            "encoded value decompresses to {}, more than maxDecompressedBytes ({limit}); rejected before allocating",
            plural(size, "byte")
        ),
    };
    Error::new(ErrorKind::TooLarge, message)
}

/// Maps a libzstd error code to the codec's error kinds.
fn zstd_error(code: usize) -> Error {
    let name = get_error_name(code);
    if zstd_safe::is_error_kind(
        code,
        zstd_safe::zstd_sys::ZSTD_ErrorCode::ZSTD_error_frameParameter_windowTooLarge,
    ) {
        return Error::new(
            ErrorKind::TooLarge,
            format!("zstd frame needs a window above 8 MiB (the HTTP profile limit): {name}"),
        );
    }
    if zstd_safe::is_error_kind(
        code,
        zstd_safe::zstd_sys::ZSTD_ErrorCode::ZSTD_error_dictionary_wrong,
    ) {
        return Error::new(
            ErrorKind::Dictionary,
            format!("zstd frame does not match the dictionary: {name}"),
        );
    }
    corrupt(format!("zstd frame is corrupt: {name}"))
}

fn setting(result: std::result::Result<usize, usize>, what: &str) -> Result<()> {
    result.map(drop).map_err(|code| {
        Error::invalid_argument(format!("zstd rejected {what}: {}", get_error_name(code)))
    })
}

/// Compresses values into single zstd frames with fixed settings.
pub struct Compressor {
    cctx: CCtx<'static>,
}

impl Compressor {
    /// A compressor at `level` (zstd's range; the codec clamps it to 19),
    /// writing a content checksum when `checksum` is set and using
    /// `dictionary` (trained or raw content) when given.
    pub fn new(level: i32, checksum: bool, dictionary: Option<&[u8]>) -> Result<Self> {
        let mut cctx = CCtx::try_create()
            .ok_or_else(|| Error::invalid_argument("zstd could not allocate a context"))?;
        setting(
            cctx.set_parameter(CParameter::CompressionLevel(level)),
            "the level",
        )?;
        setting(
            cctx.set_parameter(CParameter::ChecksumFlag(checksum)),
            "the checksum flag",
        )?;
        setting(
            cctx.set_parameter(CParameter::ContentSizeFlag(true)),
            "the content size flag",
        )?;
        // The id travels in the envelope header, not twice.
        setting(
            cctx.set_parameter(CParameter::DictIdFlag(false)),
            "the dictionary id flag",
        )?;
        if let Some(dictionary) = dictionary {
            cctx.load_dictionary(dictionary).map_err(|code| {
                Error::new(
                    ErrorKind::Dictionary,
                    format!(
                        "options.dictionary is not a usable zstd dictionary: {}",
                        get_error_name(code)
                    ),
                )
            })?;
        }
        Ok(Self { cctx })
    }

    /// Compresses `input` into one frame at the start of `out`, which must
    /// hold at least [`compress_bound`]`(input.len())` bytes; returns the
    /// frame's length.
    pub fn compress_into(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize> {
        if out.len() < compress_bound(input.len()) {
            return Err(Error::invalid_argument(format!(
                "out holds {}, less than the {} a {}-byte input may need",
                plural(out.len() as u64, "byte"),
                compress_bound(input.len()),
                input.len()
            )));
        }
        self.cctx.compress2(out, input).map_err(zstd_error)
    }

    /// Compresses `input` into a new frame.
    pub fn compress(&mut self, input: &[u8]) -> Result<Vec<u8>> {
        let mut out = vec![0; compress_bound(input.len())];
        let len = self.compress_into(input, &mut out)?;
        out.truncate(len);
        Ok(out)
    }
}

/// A dictionary decode accepts, by the id the envelope names.
struct Dictionary {
    /// For one-shot decodes.
    ddict: DDict<'static>,
    /// For streamed decodes (loaded into the streaming context per frame).
    bytes: Vec<u8>,
}

/// The dictionary named `id` (None for 0).
fn find(dictionaries: &HashMap<u32, Dictionary>, id: u32) -> Result<Option<&Dictionary>> {
    if id == 0 {
        return Ok(None);
    }
    match dictionaries.get(&id) {
        Some(dictionary) => Ok(Some(dictionary)),
        None => Err(Error::new(
            ErrorKind::Dictionary,
            format!("value was compressed with dictionary {id}, which this codec does not have"),
        )),
    }
}

/// How much a frame will produce, as far as its header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameSize {
    /// The header declares this many bytes (already checked against the limit).
    Declared(usize),
    /// The header declares no size: the frame must be streamed.
    Unknown,
}

/// Decompresses single zstd frames under the bomb guard.
pub struct Decompressor {
    dctx: DCtx<'static>,
    stream: Option<DCtx<'static>>,
    dictionaries: HashMap<u32, Dictionary>,
}

impl Decompressor {
    /// A decompressor without dictionaries.
    pub fn new() -> Result<Self> {
        let mut dctx = DCtx::try_create()
            .ok_or_else(|| Error::invalid_argument("zstd could not allocate a context"))?;
        setting(
            dctx.set_parameter(DParameter::WindowLogMax(MAX_WINDOW_LOG)),
            "the window limit",
        )?;
        Ok(Self {
            dctx,
            stream: None,
            dictionaries: HashMap::new(),
        })
    }

    /// Accepts frames compressed with `bytes` when the envelope names `id`.
    /// `name` is the option it came from, for the error message.
    pub fn add_dictionary(&mut self, id: u32, bytes: &[u8], name: &str) -> Result<()> {
        if id == 0 {
            return Err(Error::invalid_argument("a dictionary id is never 0"));
        }
        let ddict = DDict::try_create(bytes).ok_or_else(|| {
            Error::new(
                ErrorKind::Dictionary,
                format!("{name} is not a usable zstd dictionary"),
            )
        })?;
        self.dictionaries.insert(
            id,
            Dictionary {
                ddict,
                bytes: bytes.to_vec(),
            },
        );
        Ok(())
    }

    /// Checks a frame's header and framing before anything is allocated: the
    /// declared size against `limit`, and that `frame` is exactly one frame.
    pub fn inspect(frame: &[u8], limit: usize) -> Result<FrameSize> {
        let declared = frame_content_size(frame)?;
        // The bomb guard: a declared size is checked before anything is allocated.
        if let Some(size) = declared {
            if size > limit as u64 {
                return Err(too_large(Some(size), limit));
            }
        }
        let frame_size = zstd_safe::find_frame_compressed_size(frame)
            .map_err(|_| corrupt("zstd frame is truncated or corrupt"))?;
        if frame_size != frame.len() {
            return Err(corrupt(format!(
                "zstd frame is followed by {}",
                plural((frame.len() - frame_size) as u64, "unexpected byte")
            )));
        }
        Ok(match declared {
            Some(size) => FrameSize::Declared(size as usize),
            None => FrameSize::Unknown,
        })
    }

    /// Decompresses a frame whose header declared `out.len()` bytes (see
    /// [`Decompressor::inspect`]) into `out`, with dictionary `dictionary_id`
    /// (0 for none).
    pub fn decompress_declared(
        &mut self,
        frame: &[u8],
        dictionary_id: u32,
        out: &mut [u8],
    ) -> Result<()> {
        let declared = out.len();
        let written = match find(&self.dictionaries, dictionary_id)? {
            None => self.dctx.decompress(out, frame),
            Some(dictionary) => self
                .dctx
                .decompress_using_ddict(out, frame, &dictionary.ddict),
        }
        .map_err(zstd_error)?;
        if written != declared {
            return Err(corrupt(format!(
                "zstd frame declared {} but held {written}",
                plural(declared as u64, "byte")
            )));
        }
        Ok(())
    }

    /// Decompresses a frame that declares no size by streaming it, never
    /// holding more than `limit` bytes plus one chunk of output.
    pub fn decompress_streaming(
        &mut self,
        frame: &[u8],
        dictionary_id: u32,
        limit: usize,
    ) -> Result<Vec<u8>> {
        let dictionary = find(&self.dictionaries, dictionary_id)?.map(|d| d.bytes.as_slice());
        let dctx = match &mut self.stream {
            Some(dctx) => dctx,
            slot => slot.insert(
                DCtx::try_create()
                    .ok_or_else(|| Error::invalid_argument("zstd could not allocate a context"))?,
            ),
        };
        dctx.reset(ResetDirective::SessionAndParameters)
            .map_err(zstd_error)?;
        dctx.set_parameter(DParameter::WindowLogMax(MAX_WINDOW_LOG))
            .map_err(zstd_error)?;
        if let Some(bytes) = dictionary {
            dctx.load_dictionary(bytes).map_err(zstd_error)?;
        }
        let mut chunk = vec![0u8; DCtx::out_size()];
        let mut out: Vec<u8> = Vec::new();
        let mut input = InBuffer::around(frame);
        loop {
            // Room for at most one byte past the limit: enough to tell it was passed.
            let room = chunk.len().min((limit - out.len()).saturating_add(1));
            let consumed_before = input.pos();
            let mut output = OutBuffer::around(&mut chunk[..room]);
            let remaining = dctx
                .decompress_stream(&mut output, &mut input)
                .map_err(zstd_error)?;
            let produced = output.pos();
            if out.len() + produced > limit {
                return Err(too_large(None, limit));
            }
            out.extend_from_slice(&chunk[..produced]);
            let consumed = input.pos() - consumed_before;
            if remaining == 0 {
                let left = frame.len() - input.pos();
                if left != 0 {
                    return Err(corrupt(format!(
                        "zstd frame is followed by {}",
                        plural(left as u64, "unexpected byte")
                    )));
                }
                return Ok(out);
            }
            if produced == 0 && consumed == 0 {
                return Err(corrupt("zstd frame is truncated"));
            }
        }
    }

    /// Decodes one frame with the whole guard into `out`, which the caller
    /// sized from the frame's declared content size (see
    /// [`frame_content_size`]); a frame that declares another size, or none,
    /// is refused.
    pub fn decompress_into(
        &mut self,
        frame: &[u8],
        dictionary_id: u32,
        limit: usize,
        out: &mut [u8],
    ) -> Result<()> {
        match Self::inspect(frame, limit)? {
            FrameSize::Declared(size) if size == out.len() => {
                self.decompress_declared(frame, dictionary_id, out)
            }
            _ => Err(Error::invalid_argument(format!(
                "out holds {}, but the frame does not declare that size",
                plural(out.len() as u64, "byte")
            ))),
        }
    }

    /// Decodes one frame with the whole guard: [`Decompressor::inspect`],
    /// then a one-shot or a streamed decode.
    pub fn decompress(
        &mut self,
        frame: &[u8],
        dictionary_id: u32,
        limit: usize,
    ) -> Result<Vec<u8>> {
        match Self::inspect(frame, limit)? {
            FrameSize::Declared(size) => {
                let mut out = vec![0; size];
                self.decompress_declared(frame, dictionary_id, &mut out)?;
                Ok(out)
            }
            FrameSize::Unknown => self.decompress_streaming(frame, dictionary_id, limit),
        }
    }
}

#[cfg(test)]
mod tests;
