//! Argument and return conversions for the hot paths, written against the raw
//! N-API so each costs one call: a key is read into a stack buffer with a
//! single `napi_get_value_string_utf8` (napi-rs's `String` makes two calls and
//! a heap allocation), a value is borrowed from its typed array without a
//! copy, and a returned value is copied into a new Buffer in one call.

use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue};
use napi::{sys, Error, Status, ValueType};

const INLINE_TEXT: usize = 256;
/// The longest UTF-8 sequence; V8 never writes a partial character, so a
/// result this close to the buffer's end may have been cut short.
const MAX_UTF8_CHAR: usize = 4;

fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::from(status),
            format!("failed to {what}"),
        ))
    }
}

/// A JavaScript string as UTF-8, inline when short.
pub struct Text {
    inline: [u8; INLINE_TEXT],
    heap: Vec<u8>,
    len: usize,
}

impl Text {
    /// The UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        if self.heap.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.heap[..self.len]
        }
    }
}

impl FromNapiValue for Text {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut key = Text {
            inline: [0; INLINE_TEXT],
            heap: Vec::new(),
            len: 0,
        };
        let mut len = 0usize;
        check(
            sys::napi_get_value_string_utf8(
                env,
                value,
                key.inline.as_mut_ptr().cast(),
                INLINE_TEXT,
                &mut len,
            ),
            "read a string key",
        )?;
        if len + MAX_UTF8_CHAR >= INLINE_TEXT - 1 {
            check(
                sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut len),
                "read a string key",
            )?;
            // Shorter than the inline buffer: the first read was complete.
            if len >= INLINE_TEXT - 1 {
                key.heap = vec![0; len + 1];
                check(
                    sys::napi_get_value_string_utf8(
                        env,
                        value,
                        key.heap.as_mut_ptr().cast(),
                        len + 1,
                        &mut len,
                    ),
                    "read a string key",
                )?;
            }
        }
        key.len = len;
        Ok(key)
    }
}

impl TypeName for Text {
    fn type_name() -> &'static str {
        "string"
    }
    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for Text {}

/// A string key, read as UTF-16 (V8 copies code units; its UTF-8 encoder
/// costs 2.5x more per call) and transcoded here. A JavaScript string with a
/// lone surrogate cannot be a stored key (the facade refuses to store one),
/// so it is flagged rather than confused with the key that has U+FFFD in its
/// place.
pub struct Key {
    // Only the first `len` bytes are ever initialised (and read).
    inline: MaybeUninit<[u8; INLINE_UTF8]>,
    heap: String,
    len: usize,
    ill_formed: bool,
}

const INLINE_UNITS: usize = 256;
// Three UTF-8 bytes per UTF-16 unit at most (a surrogate pair: 4 for 2).
const INLINE_UTF8: usize = 3 * INLINE_UNITS;

impl Key {
    /// The key as text (empty when ill-formed).
    pub fn as_str(&self) -> &str {
        if !self.heap.is_empty() {
            return &self.heap;
        }
        // SAFETY: `from_utf16` initialised the first `len` bytes.
        let bytes =
            unsafe { std::slice::from_raw_parts(self.inline.as_ptr().cast::<u8>(), self.len) };
        // Only ever filled with whole UTF-8 sequences by `from_utf16`.
        std::str::from_utf8(bytes).unwrap_or("")
    }

    /// Whether the JavaScript string contained a lone surrogate.
    pub fn is_ill_formed(&self) -> bool {
        self.ill_formed
    }

    /// Transcodes `units`; ASCII takes a byte-per-unit fast path.
    pub fn from_utf16(units: &[u16]) -> Key {
        let mut key = Key {
            inline: MaybeUninit::uninit(),
            heap: String::new(),
            len: 0,
            ill_formed: false,
        };
        let dst = key.inline.as_mut_ptr().cast::<u8>();
        if units.len() <= INLINE_UNITS && units.iter().all(|&u| u < 0x80) {
            for (i, &u) in units.iter().enumerate() {
                // SAFETY: i < INLINE_UNITS <= INLINE_UTF8.
                unsafe { dst.add(i).write(u as u8) };
            }
            key.len = units.len();
            return key;
        }
        let mut text = String::with_capacity(units.len() * 3);
        for c in char::decode_utf16(units.iter().copied()) {
            match c {
                Ok(c) => text.push(c),
                Err(_) => {
                    key.ill_formed = true;
                    return key;
                }
            }
        }
        if text.len() <= INLINE_UTF8 {
            // SAFETY: text.len() <= INLINE_UTF8 bytes fit in the buffer.
            unsafe { ptr::copy_nonoverlapping(text.as_ptr(), dst, text.len()) };
            key.len = text.len();
        } else {
            key.len = text.len();
            key.heap = text;
        }
        key
    }
}

/// Reads a JavaScript string's UTF-16 code units (inline when short) and
/// passes them to `f`.
///
/// # Safety
/// `env` and `value` must be valid for the current call.
pub unsafe fn with_utf16<R>(
    env: sys::napi_env,
    value: sys::napi_value,
    f: impl FnOnce(&[u16]) -> R,
) -> napi::Result<R> {
    let mut inline = MaybeUninit::<[u16; INLINE_UNITS]>::uninit();
    let mut len = 0usize;
    check(
        sys::napi_get_value_string_utf16(
            env,
            value,
            inline.as_mut_ptr().cast(),
            INLINE_UNITS,
            &mut len,
        ),
        "read a string",
    )?;
    if len < INLINE_UNITS - 1 {
        // SAFETY: N-API wrote `len` code units.
        return Ok(f(std::slice::from_raw_parts(
            inline.as_ptr().cast::<u16>(),
            len,
        )));
    }
    check(
        sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut len),
        "read a string",
    )?;
    let mut heap = vec![0u16; len + 1];
    check(
        sys::napi_get_value_string_utf16(env, value, heap.as_mut_ptr(), len + 1, &mut len),
        "read a string",
    )?;
    Ok(f(&heap[..len]))
}

impl FromNapiValue for Key {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        with_utf16(env, value, Key::from_utf16)
    }
}

impl TypeName for Key {
    fn type_name() -> &'static str {
        "string"
    }
    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for Key {}

/// The bytes of a Uint8Array (or Buffer) argument, borrowed for the call.
pub struct Bytes {
    data: *const u8,
    len: usize,
}

impl Bytes {
    /// The bytes; valid until the native call returns.
    pub fn as_slice(&self) -> &[u8] {
        if self.len == 0 {
            &[]
        } else {
            // SAFETY: N-API guarantees the view's memory for the duration of
            // the call, and `Bytes` never outlives the call that created it.
            unsafe { std::slice::from_raw_parts(self.data, self.len) }
        }
    }
}

impl FromNapiValue for Bytes {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut kind = 0;
        let mut len = 0usize;
        let mut data: *mut c_void = ptr::null_mut();
        let mut buffer = ptr::null_mut();
        let mut offset = 0usize;
        check(
            sys::napi_get_typedarray_info(
                env,
                value,
                &mut kind,
                &mut len,
                &mut data,
                &mut buffer,
                &mut offset,
            ),
            "read a Uint8Array",
        )?;
        if kind != sys::TypedarrayType::uint8_array {
            return Err(Error::new(Status::InvalidArg, "expected a Uint8Array"));
        }
        Ok(Bytes {
            data: data as *const u8,
            len,
        })
    }
}

impl TypeName for Bytes {
    fn type_name() -> &'static str {
        "Uint8Array"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for Bytes {}

/// The bytes of a Uint8Array (or Buffer) argument the call writes into.
pub struct BytesMut(Bytes);

impl BytesMut {
    /// The bytes, writable; valid until the native call returns.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        if self.0.len == 0 {
            &mut []
        } else {
            // SAFETY: as for `Bytes::as_slice`; the facade passes a view no
            // other argument of the call aliases.
            unsafe { std::slice::from_raw_parts_mut(self.0.data.cast_mut(), self.0.len) }
        }
    }
}

impl FromNapiValue for BytesMut {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        Bytes::from_napi_value(env, value).map(BytesMut)
    }
}

impl TypeName for BytesMut {
    fn type_name() -> &'static str {
        "Uint8Array"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for BytesMut {}

/// A JavaScript value already created by raw N-API calls.
pub struct RawValue(pub sys::napi_value);

impl ToNapiValue for RawValue {
    unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        Ok(val.0)
    }
}

impl TypeName for RawValue {
    fn type_name() -> &'static str {
        "unknown"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

/// `null`.
pub fn null(env: sys::napi_env) -> napi::Result<RawValue> {
    let mut out = ptr::null_mut();
    check(unsafe { sys::napi_get_null(env, &mut out) }, "create null")?;
    Ok(RawValue(out))
}

/// A new Buffer holding a copy of `bytes` (one N-API call).
pub fn buffer_copy(env: sys::napi_env, bytes: &[u8]) -> napi::Result<RawValue> {
    let mut out = ptr::null_mut();
    let mut data = ptr::null_mut();
    check(
        unsafe {
            sys::napi_create_buffer_copy(
                env,
                bytes.len(),
                bytes.as_ptr().cast(),
                &mut data,
                &mut out,
            )
        },
        "create a Buffer",
    )?;
    Ok(RawValue(out))
}

/// A new Buffer of `len` bytes, filled in place by `fill` (no copy: the
/// memory is V8's, so the Buffer can be transferred to another thread).
/// `fill` must write every byte or fail.
pub fn buffer_filled<E>(
    env: sys::napi_env,
    len: usize,
    fill: impl FnOnce(&mut [u8]) -> Result<(), E>,
) -> napi::Result<Result<RawValue, E>> {
    let mut out = ptr::null_mut();
    let mut data: *mut c_void = ptr::null_mut();
    check(
        unsafe { sys::napi_create_buffer(env, len, &mut data, &mut out) },
        "create a Buffer",
    )?;
    let bytes: &mut [u8] = if len == 0 {
        &mut []
    } else {
        // SAFETY: N-API just allocated `len` bytes at `data` for this Buffer,
        // which nothing else references yet.
        unsafe { std::slice::from_raw_parts_mut(data.cast(), len) }
    };
    Ok(fill(bytes).map(|()| RawValue(out)))
}

/// A new string decoded from UTF-8 `bytes` (invalid sequences become U+FFFD).
pub fn utf8_string(env: sys::napi_env, bytes: &[u8]) -> napi::Result<RawValue> {
    let mut out = ptr::null_mut();
    check(
        unsafe {
            sys::napi_create_string_utf8(env, bytes.as_ptr().cast(), bytes.len() as isize, &mut out)
        },
        "create a string",
    )?;
    Ok(RawValue(out))
}
