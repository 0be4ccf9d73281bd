//! The N-API binding of tiercache-core: converts arguments, calls the core and
//! maps its errors (in `error.rs`). No policy or decision lives here.
#![deny(clippy::all)]
// napi-derive registers exports only outside cfg(test), so in the (empty)
// test build every export looks unused.
#![cfg_attr(test, allow(dead_code))]

mod alloc;
mod batch;
mod cache;
mod codec;
mod convert;
mod error;
mod handles;
mod policy;
mod probe;
mod raw_call;

use napi_derive::napi;

/// Version of the native core, for diagnostics.
#[napi]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
