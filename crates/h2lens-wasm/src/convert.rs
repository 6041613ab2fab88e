//! Crossing the JS boundary: argument checks in, one serializer out.

use js_sys::Uint8Array;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsError, JsValue};

/// The one serializer for everything returned to JS.
///
/// - maps become plain objects (not ES `Map`s) and `None`/`()` become `null`,
///   so `JSON.stringify` of a result equals the CLI's `--json` output;
/// - byte buffers (`serialize_bytes`) become `Uint8Array`s;
/// - 64-bit integers stay numbers; a value above 2^53 - 1 is an error.
///
/// Note: serde-wasm-bindgen 0.6.5 does not override
/// `Serializer::is_human_readable`, so it is `true` (serde's default) and
/// [`h2lens::Octets`] that are not UTF-8 arrive as `{ text, hex }`.
const SERIALIZER: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::new()
    .serialize_missing_as_null(true)
    .serialize_maps_as_objects(true);

/// Serializes a core value for JS.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&SERIALIZER)
        .map_err(|err| JsError::new(&format!("h2lens: cannot convert result to JS: {err}")))
}

/// Deserializes an optional options object: `undefined`/`null` give the
/// default, anything but an object is refused.
pub fn from_js_object<T: DeserializeOwned + Default>(
    function: &str,
    param: &str,
    value: JsValue,
) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    if !value.is_object() || js_sys::Array::is_array(&value) {
        return Err(type_error(function, param, "an object", &value));
    }
    serde_wasm_bindgen::from_value(value).map_err(|err| {
        // The error wraps a JS Error whose text starts with "Error: ".
        let text = err.to_string();
        let text = text.strip_prefix("Error: ").unwrap_or(&text);
        JsError::new(&format!("{function}: invalid {param}: {text}"))
    })
}

/// Copies a `Uint8Array` argument into Rust. A plain `&[u8]` parameter would
/// accept a string or number and silently pass junk, so the check is here.
pub fn bytes_arg(function: &str, param: &str, value: JsValue) -> Result<Vec<u8>, JsError> {
    match value.dyn_into::<Uint8Array>() {
        Ok(array) => Ok(array.to_vec()),
        Err(value) => Err(type_error(function, param, "a Uint8Array", &value)),
    }
}

fn type_error(function: &str, param: &str, expected: &str, got: &JsValue) -> JsError {
    JsError::new(&format!(
        "{function}: {param} must be {expected}, got {}",
        describe(got)
    ))
}

/// `typeof`-like name of a JS value, for error messages.
fn describe(value: &JsValue) -> String {
    if value.is_null() {
        return "null".to_owned();
    }
    if js_sys::Array::is_array(value) {
        return "an array".to_owned();
    }
    match value.js_typeof().as_string() {
        Some(kind) => kind,
        None => "an unknown value".to_owned(),
    }
}
