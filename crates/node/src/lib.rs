//! The N-API binding of tiercache-core: converts arguments, calls the core and
//! maps its errors (in `error.rs`). No policy or decision lives here.
#![deny(clippy::all)]

#[allow(dead_code)] // used by the component bindings as they land
mod error;

pub mod codec;

use napi_derive::napi;

/// Version of the native core, for diagnostics.
#[napi]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
