//! Argument and return conversions for the hot paths, written against the raw
//! N-API so each costs one call: a key is read into a stack buffer with a
//! single `napi_get_value_string_utf8` (napi-rs's `String` makes two calls and
//! a heap allocation), a value is borrowed from its typed array without a
//! copy, and a returned value is copied into a new Buffer in one call.

use std::ffi::c_void;
use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue};
use napi::{sys, Error, Status, ValueType};

const INLINE_KEY: usize = 256;
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
    inline: [u8; INLINE_KEY],
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

    /// The text; V8 writes well-formed UTF-8 (lone surrogates become U+FFFD).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or("")
    }
}

/// A string key. A JavaScript string with a lone surrogate cannot be a
/// stored key (the facade refuses to store one), so it is flagged rather than
/// confused with the key that has U+FFFD in its place.
pub struct Key {
    text: Text,
    ill_formed: bool,
}

impl Key {
    /// The key as text.
    pub fn as_str(&self) -> &str {
        self.text.as_str()
    }

    /// Whether the JavaScript string contained a lone surrogate.
    pub fn is_ill_formed(&self) -> bool {
        self.ill_formed
    }
}

/// Whether the string behind `value` has a lone surrogate. Only called when
/// its UTF-8 form contains U+FFFD, which is where V8 puts them.
unsafe fn has_lone_surrogate(env: sys::napi_env, value: sys::napi_value) -> napi::Result<bool> {
    let mut len = 0usize;
    check(
        sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut len),
        "read a string",
    )?;
    let mut units = vec![0u16; len + 1];
    check(
        sys::napi_get_value_string_utf16(env, value, units.as_mut_ptr(), len + 1, &mut len),
        "read a string",
    )?;
    Ok(char::decode_utf16(units[..len].iter().copied()).any(|c| c.is_err()))
}

fn contains_replacement_char(bytes: &[u8]) -> bool {
    bytes.windows(3).any(|w| w == [0xef, 0xbf, 0xbd])
}

impl FromNapiValue for Text {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut key = Text {
            inline: [0; INLINE_KEY],
            heap: Vec::new(),
            len: 0,
        };
        let mut len = 0usize;
        check(
            sys::napi_get_value_string_utf8(
                env,
                value,
                key.inline.as_mut_ptr().cast(),
                INLINE_KEY,
                &mut len,
            ),
            "read a string key",
        )?;
        if len + MAX_UTF8_CHAR >= INLINE_KEY - 1 {
            check(
                sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut len),
                "read a string key",
            )?;
            // Shorter than the inline buffer: the first read was complete.
            if len >= INLINE_KEY - 1 {
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

impl FromNapiValue for Key {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let text = Text::from_napi_value(env, value)?;
        let ill_formed =
            contains_replacement_char(text.as_bytes()) && has_lone_surrogate(env, value)?;
        Ok(Key { text, ill_formed })
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

/// A new array of `len` holes, filled by [`set_element`].
pub fn array(env: sys::napi_env, len: usize) -> napi::Result<RawValue> {
    let mut out = ptr::null_mut();
    check(
        unsafe { sys::napi_create_array_with_length(env, len, &mut out) },
        "create an array",
    )?;
    Ok(RawValue(out))
}

/// `array[index] = value`.
pub fn set_element(
    env: sys::napi_env,
    array: &RawValue,
    index: u32,
    value: RawValue,
) -> napi::Result<()> {
    check(
        unsafe { sys::napi_set_element(env, array.0, index, value.0) },
        "fill an array",
    )
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
