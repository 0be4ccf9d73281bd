//! Helpers for the few hot functions that are exported as raw N-API
//! callbacks. napi-derive's generated wrappers cost more than Node-API itself
//! (measured: ~230 ns per class method with 3.5.10, 350-480 ns with 3.7.0,
//! which adds a per-call borrow scope); a raw callback costs what Node-API
//! costs (40-75 ns here). Errors still go through `map_error`.

use std::ffi::CStr;
use std::ptr;

use napi::sys;
use napi::JsError;
use tiercache_core::Error;

use crate::error::map_error;

/// The arguments of a raw callback, `N` at most (missing ones are `undefined`).
pub(crate) unsafe fn args<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<[sys::napi_value; N], Error> {
    let mut argc = N;
    let mut argv = [ptr::null_mut(); N];
    let status = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    if status != sys::Status::napi_ok {
        return Err(Error::invalid_argument("could not read the arguments"));
    }
    Ok(argv)
}

/// Argument `value` as a number; the error names `name`.
pub(crate) unsafe fn number_arg(
    env: sys::napi_env,
    value: sys::napi_value,
    name: &str,
) -> Result<f64, Error> {
    let mut out = 0.0;
    if unsafe { sys::napi_get_value_double(env, value, &mut out) } != sys::Status::napi_ok {
        return Err(Error::invalid_argument(format!("{name} must be a number")));
    }
    Ok(out)
}

/// Argument `value` as UTF-16 code units, copied into `buf` (reused across calls).
pub(crate) unsafe fn utf16_arg(
    env: sys::napi_env,
    value: sys::napi_value,
    name: &str,
    buf: &mut Vec<u16>,
) -> Result<(), Error> {
    let not_string = || Error::invalid_argument(format!("{name} must be a string"));
    let mut len = 0usize;
    if unsafe { sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut len) }
        != sys::Status::napi_ok
    {
        return Err(not_string());
    }
    buf.clear();
    buf.reserve(len + 1);
    let mut written = 0usize;
    // Written straight into the spare capacity: no zeroing first.
    if unsafe {
        sys::napi_get_value_string_utf16(env, value, buf.as_mut_ptr(), len + 1, &mut written)
    } != sys::Status::napi_ok
    {
        return Err(not_string());
    }
    // SAFETY: Node-API initialised `written` (<= len) code units.
    unsafe { buf.set_len(written.min(len)) };
    Ok(())
}

/// What a raw callback returns to JavaScript.
pub(crate) enum Ret {
    Undefined,
    Number(f64),
    Bool(bool),
}

/// Runs `body`, converting its result; an error (or a panic) is thrown as a
/// JavaScript error mapped by `map_error`.
pub(crate) unsafe fn respond(
    env: sys::napi_env,
    body: impl FnOnce() -> Result<Ret, Error>,
) -> sys::napi_value {
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or_else(|_| {
            Err(Error::new(
                tiercache_core::ErrorKind::InvalidState,
                "internal panic in tiercache",
            ))
        });
    let mut out = ptr::null_mut();
    match outcome {
        Ok(Ret::Undefined) => unsafe {
            sys::napi_get_undefined(env, &mut out);
        },
        Ok(Ret::Number(n)) => unsafe {
            sys::napi_create_double(env, n, &mut out);
        },
        Ok(Ret::Bool(b)) => unsafe {
            sys::napi_get_boolean(env, b, &mut out);
        },
        Err(error) => unsafe { JsError::from(map_error(error)).throw_into(env) },
    }
    out
}

/// A raw Node-API callback.
pub(crate) type RawCallback =
    unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Builds a plain object whose properties are the given raw functions.
pub(crate) unsafe fn object_of_functions(
    env: sys::napi_env,
    functions: &[(&CStr, RawCallback)],
) -> napi::Result<sys::napi_value> {
    let mut object = ptr::null_mut();
    napi::check_status!(unsafe { sys::napi_create_object(env, &mut object) })?;
    for (name, callback) in functions {
        let mut function = ptr::null_mut();
        napi::check_status!(unsafe {
            sys::napi_create_function(
                env,
                name.as_ptr(),
                name.to_bytes().len() as isize,
                Some(*callback),
                ptr::null_mut(),
                &mut function,
            )
        })?;
        napi::check_status!(unsafe {
            sys::napi_set_named_property(env, object, name.as_ptr(), function)
        })?;
    }
    Ok(object)
}

/// Argument `value` as the data of a Float64Array (valid during this call only).
pub(crate) unsafe fn float64_array_arg<'a>(
    env: sys::napi_env,
    value: sys::napi_value,
    name: &str,
) -> Result<&'a mut [f64], Error> {
    let mut kind = 0;
    let mut length = 0usize;
    let mut data = ptr::null_mut();
    let mut buffer = ptr::null_mut();
    let mut offset = 0usize;
    let status = unsafe {
        sys::napi_get_typedarray_info(
            env,
            value,
            &mut kind,
            &mut length,
            &mut data,
            &mut buffer,
            &mut offset,
        )
    };
    if status != sys::Status::napi_ok || kind != sys::TypedarrayType::float64_array {
        return Err(Error::invalid_argument(format!(
            "{name} must be a Float64Array"
        )));
    }
    if length == 0 || data.is_null() {
        return Ok(&mut []);
    }
    // SAFETY: V8 keeps the buffer alive and unmoved for the duration of this
    // synchronous call, during which no JavaScript runs.
    Ok(unsafe { std::slice::from_raw_parts_mut(data.cast::<f64>(), length) })
}
