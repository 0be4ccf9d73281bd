//! The N-API binding of tiercache-core.
#![deny(clippy::all)]

use napi_derive::napi;

/// Version of the native core, for diagnostics.
#[napi]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
