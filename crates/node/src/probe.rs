//! Probes of the N-API boundary itself, for bench/local.bench.js: what an
//! empty call, a string key in, a byte slice in and a Buffer out each cost.

use napi::Env;
use napi_derive::napi;

use crate::convert::{self, Bytes, Key, RawValue};

/// Does nothing: the cost of a call.
#[napi]
pub fn probe_noop() {}

/// Reads a string key the way cache methods do; returns its UTF-8 length.
#[napi(ts_args_type = "key: string")]
pub fn probe_key(key: Key) -> u32 {
    key.as_str().len() as u32
}

/// Borrows a Uint8Array the way `set` does; returns its length.
#[napi(ts_args_type = "value: Uint8Array")]
pub fn probe_bytes(value: Bytes) -> u32 {
    value.as_slice().len() as u32
}

/// Returns a new Buffer of `len` zero bytes the way `get` does.
#[napi(ts_return_type = "Buffer")]
pub fn probe_buffer_out(env: &Env, len: u32) -> napi::Result<RawValue> {
    let bytes = vec![0u8; len as usize];
    convert::buffer_copy(env.raw(), &bytes)
}

/// Takes and returns a number: the cheapest possible crossing with data.
#[napi]
pub fn probe_number(n: u32) -> i32 {
    n as i32 + 1
}
