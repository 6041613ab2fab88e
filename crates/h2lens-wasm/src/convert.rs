//! Crossing the JS boundary: argument checks in, one serializer out.

use h2lens::inspect::Event;
use js_sys::{Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsError, JsValue};

/// Serializes a core value for JS: `serde_json` in the module, then one
/// `JSON.parse` on the JS side of the boundary.
///
/// Why JSON and not a value-by-value converter (serde-wasm-bindgen):
/// - the result is, by construction, what `h2lens … --json` prints (same
///   serializer, same number formatting, `Octets` as a string or
///   `{ text, hex }`), so JS and the CLI share one schema;
/// - an event stream is many small objects; building them property by
///   property costs one boundary crossing each, while `JSON.parse` builds
///   them inside the engine (measured in docs/BENCHMARKS.md);
/// - it cannot fail on a 64-bit number: the core writes the ones input can
///   push past 2^53 - 1 as strings (`h2lens::jsint`), and JSON has no limit
///   for the others.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(value)
        .map_err(|err| JsError::new(&format!("h2lens: cannot convert result to JS: {err}")))?;
    parse_json(&text)
}

/// `JSON.parse` of text the module wrote.
pub fn parse_json(text: &str) -> Result<JsValue, JsError> {
    js_sys::JSON::parse(text).map_err(|_| JsError::new("h2lens: cannot parse the module's JSON"))
}

/// JSON text parsed per batch stays well below V8's longest string (about
/// 2^29 characters), whatever the number of items.
const BATCH_BYTES: usize = 8 << 20;

/// Items per batch: `push.apply` passes them as arguments, and engines
/// limit how many a call may take (V8: some 100,000 with its default stack).
const BATCH_ITEMS: usize = 8192;

/// Values as one JS array, converted in batches of about [`BATCH_BYTES`] of
/// JSON: a whole capture's events can be gigabytes of JSON, more than one
/// JS string can hold.
pub fn array_to_js<'a, T: Serialize + 'a>(
    buf: &mut Vec<u8>,
    items: impl IntoIterator<Item = &'a T>,
) -> Result<js_sys::Array, JsError> {
    batches_to_js(buf, items, |item, buf| {
        serde_json::to_writer(buf, item).map_err(json_error)
    })
}

/// Events as one JS array, like [`array_to_js`], each written by the
/// core's [`Event::write_json`] (one copy of the events' serializer).
pub fn events_to_js(buf: &mut Vec<u8>, events: &[Event]) -> Result<js_sys::Array, JsError> {
    batches_to_js(buf, events, |event, buf| {
        event.write_json(buf).map_err(json_error)
    })
}

fn batches_to_js<'a, T: 'a>(
    buf: &mut Vec<u8>,
    items: impl IntoIterator<Item = &'a T>,
    write: impl Fn(&T, &mut Vec<u8>) -> Result<(), JsError>,
) -> Result<js_sys::Array, JsError> {
    let out = js_sys::Array::new();
    let push = js_sys::Reflect::get(&out, &JsValue::from_str("push"))
        .map_err(|_| JsError::new("h2lens: Array.prototype.push is missing"))?;
    let push: js_sys::Function = push
        .dyn_into()
        .map_err(|_| JsError::new("h2lens: Array.prototype.push is not a function"))?;
    let flush = |buf: &mut Vec<u8>| -> Result<(), JsError> {
        buf.push(b']');
        let batch = parse_json_bytes(buf)?;
        // out.push(...batch): one call per batch.
        js_sys::Reflect::apply(&push, &out, &batch.unchecked_into())
            .map_err(|_| JsError::new("h2lens: cannot collect the converted batch"))?;
        buf.clear();
        Ok(())
    };
    buf.clear();
    let mut count = 0;
    for item in items {
        buf.push(if buf.is_empty() { b'[' } else { b',' });
        write(item, buf)?;
        count += 1;
        if buf.len() >= BATCH_BYTES || count == BATCH_ITEMS {
            flush(buf)?;
            count = 0;
        }
    }
    if !buf.is_empty() {
        flush(buf)?;
    }
    Ok(out)
}

/// Sets `object[key] = value`.
pub fn set(object: &JsValue, key: &str, value: &impl AsRef<JsValue>) -> Result<(), JsError> {
    js_sys::Reflect::set(object, &JsValue::from_str(key), value.as_ref())
        .map(|_| ())
        .map_err(|_| JsError::new("h2lens: cannot build the result object"))
}

/// Writes events as JSON Lines into `buf` (cleared first): each event on
/// its own line, each line ending in `\n`, as the CLI's `--json` prints.
pub fn write_json_lines(buf: &mut Vec<u8>, events: &[Event]) -> Result<(), JsError> {
    buf.clear();
    for event in events {
        event.write_json(buf).map_err(json_error)?;
        buf.push(b'\n');
    }
    Ok(())
}

pub fn json_error(err: serde_json::Error) -> JsError {
    JsError::new(&format!("h2lens: cannot convert result to JS: {err}"))
}

/// The text of bytes written by `serde_json` (always UTF-8).
pub fn str_from_json_bytes(buf: &[u8]) -> Result<&str, JsError> {
    std::str::from_utf8(buf)
        .map_err(|_| JsError::new("h2lens: the module wrote invalid UTF-8 JSON"))
}

/// [`parse_json`] of JSON bytes written by `serde_json`.
pub fn parse_json_bytes(buf: &[u8]) -> Result<JsValue, JsError> {
    parse_json(str_from_json_bytes(buf)?)
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
    if !is_plain_object(&value) {
        return Err(type_error(function, param, "an object", &value));
    }
    from_js_value(function, param, value)
}

/// Deserializes any value (arrays, objects) with a message that names the
/// function and parameter.
///
/// The value crosses as JSON (`JSON.stringify` here, `serde_json` in the
/// module): the same reader as the CLI's, and unlike a field-by-field
/// converter it sees every key, so a misspelt option is an error rather
/// than silently ignored (`deny_unknown_fields`).
pub fn from_js_value<T: DeserializeOwned>(
    function: &str,
    param: &str,
    value: JsValue,
) -> Result<T, JsError> {
    let invalid = |why: &str| JsError::new(&format!("{function}: invalid {param}: {why}"));
    let text = match js_sys::JSON::stringify(&value) {
        Ok(text) => match text.as_string() {
            Some(text) => text,
            None => return Err(invalid("it has no JSON form")),
        },
        Err(err) => {
            let why = js_sys::Reflect::get(&err, &JsValue::from_str("message"))
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| "it has no JSON form".to_owned());
            return Err(invalid(&why));
        }
    };
    serde_json::from_str(&text).map_err(|err| {
        // serde_json adds where in the text it stopped, which means nothing
        // to the caller (the text is ours).
        let text = err.to_string();
        let why = text.split(" at line ").next().unwrap_or(&text);
        invalid(why)
    })
}

/// An array argument (checked before serde sees it, for a clear message).
pub fn array_arg<T: DeserializeOwned>(
    function: &str,
    param: &str,
    value: JsValue,
) -> Result<T, JsError> {
    if !js_sys::Array::is_array(&value) {
        return Err(type_error(function, param, "an array", &value));
    }
    from_js_value(function, param, value)
}

/// An object that is not an array, a typed array or null.
fn is_plain_object(value: &JsValue) -> bool {
    value.is_object()
        && !js_sys::Array::is_array(value)
        && !value.is_instance_of::<Uint8Array>()
        && !value.is_instance_of::<js_sys::ArrayBuffer>()
}

/// Copies a `Uint8Array` argument into Rust. A plain `&[u8]` parameter would
/// accept a string or number and silently pass junk, so the check is here.
pub fn bytes_arg(function: &str, param: &str, value: JsValue) -> Result<Vec<u8>, JsError> {
    match value.dyn_into::<Uint8Array>() {
        Ok(array) => Ok(array.to_vec()),
        Err(value) => Err(type_error(function, param, "a Uint8Array", &value)),
    }
}

/// A `Uint8Array`, or a string of hex digits (ASCII whitespace ignored).
pub fn bytes_or_hex_arg(function: &str, param: &str, value: JsValue) -> Result<Vec<u8>, JsError> {
    if let Some(text) = value.as_string() {
        let digits: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        return h2lens::octets::from_hex(&digits).ok_or_else(|| {
            JsError::new(&format!(
                "{function}: {param} is a string but not hex (an even number of 0-9a-f digits)"
            ))
        });
    }
    match value.dyn_into::<Uint8Array>() {
        Ok(array) => Ok(array.to_vec()),
        Err(value) => Err(type_error(
            function,
            param,
            "a Uint8Array or a hex string",
            &value,
        )),
    }
}

/// A `Uint8Array`, or a string (taken as its UTF-8 bytes).
pub fn bytes_or_text_arg(function: &str, param: &str, value: JsValue) -> Result<Vec<u8>, JsError> {
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    match value.dyn_into::<Uint8Array>() {
        Ok(array) => Ok(array.to_vec()),
        Err(value) => Err(type_error(
            function,
            param,
            "a Uint8Array or a string",
            &value,
        )),
    }
}

/// `object[key]`, `undefined` when `object` is not an object.
pub fn get(object: &JsValue, key: &str) -> JsValue {
    if !object.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// An optional non-negative integer that fits a `u32`.
pub fn opt_u32_arg(function: &str, param: &str, value: &JsValue) -> Result<Option<u32>, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => {
            // Checked just above: an integer in 0 ..= u32::MAX.
            Ok(Some(n as u32))
        }
        _ => Err(JsError::new(&format!(
            "{function}: {param} must be an integer from 0 to 4294967295, got {}",
            show(value)
        ))),
    }
}

/// A value as it would appear in a message: numbers and strings as such,
/// other kinds by their type.
fn show(value: &JsValue) -> String {
    if let Some(n) = value.as_f64() {
        return n.to_string();
    }
    if let Some(s) = value.as_string() {
        return quoted(&s);
    }
    describe(value)
}

/// `s` in double quotes, escaped as JSON escapes it (not Rust's `{:?}`,
/// whose Unicode tables would cost the module some 8 KB).
pub fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

pub fn type_error(function: &str, param: &str, expected: &str, got: &JsValue) -> JsError {
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
    if value.is_instance_of::<js_sys::ArrayBuffer>() {
        return "an ArrayBuffer".to_owned();
    }
    match value.js_typeof().as_string() {
        Some(kind) => kind,
        None => "an unknown value".to_owned(),
    }
}
