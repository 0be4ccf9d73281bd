//! The single place where core errors become JavaScript errors.

use tiercache_core::{Error, ErrorKind};

/// A stable JavaScript error `code` (napi-rs uses the status as `error.code`).
#[derive(Debug, Clone, Copy)]
pub struct Code(pub &'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// Result type of every exported function that can fail with a core error.
pub type Result<T> = napi::Result<T, Code>;

/// Maps a core error to a JavaScript error carrying a stable code.
pub fn map_error(error: Error) -> napi::Error<Code> {
    let code = match error.kind {
        ErrorKind::InvalidArgument => "ERR_INVALID_ARG_VALUE",
        ErrorKind::InvalidState => "ERR_INVALID_STATE",
        ErrorKind::Dictionary => "ERR_CODEC_DICTIONARY",
        ErrorKind::Corrupt => "ERR_CODEC_CORRUPT",
        ErrorKind::TooLarge => "ERR_CODEC_TOO_LARGE",
    };
    napi::Error::new(Code(code), error.message)
}

/// Maps a failed N-API call (e.g. a Buffer that could not be allocated) to a
/// JavaScript error with a stable code.
pub fn map_napi_error(error: napi::Error) -> napi::Error<Code> {
    napi::Error::new(Code("ERR_INVALID_STATE"), error.reason.clone())
}
