//! Pure-Rust core of tiercache. No N-API here: every decision lives in this
//! crate and is tested with `cargo test`; `crates/node` only converts.

pub mod cache;
pub mod codec;
pub mod dict;
pub mod error;
pub mod policy;
mod text;

pub use error::{Error, ErrorKind, Result};
pub mod batch;
#[cfg(test)]
mod test_rng;
