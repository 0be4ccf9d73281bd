//! The one error type of the core. The binding maps each kind to a stable
//! JavaScript error code in a single place (`crates/node/src/error.rs`).

use std::fmt;

/// What went wrong, independent of how the caller reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// An argument is outside what the operation accepts.
    InvalidArgument,
    /// An operation was called in a state that does not allow it (a caller bug).
    InvalidState,
    /// A compression dictionary could not be built or used.
    Dictionary,
    /// Compressed bytes are truncated, corrupt or not a zstd frame.
    Corrupt,
    /// A compressed value declares or grows past the decode limit, or needs a
    /// window above it.
    TooLarge,
}

/// An error from the core: a kind for programs and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The category, mapped to a stable `code` by the binding.
    pub kind: ErrorKind,
    /// A human-readable explanation naming the offending argument.
    pub message: String,
}

impl Error {
    /// Creates an error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// Shorthand for an [`ErrorKind::InvalidArgument`] error.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Result alias used throughout the core.
pub type Result<T> = std::result::Result<T, Error>;
