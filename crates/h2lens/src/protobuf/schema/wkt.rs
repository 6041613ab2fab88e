//! The well-known types' JSON forms (protobuf.dev, "ProtoJSON Format",
//! well-known types): Timestamp as RFC 3339, Duration as seconds with an
//! `s`, wrappers as their value, Struct/Value/ListValue as plain JSON,
//! FieldMask as comma-separated lowerCamel paths, Empty as `{}`, Any with
//! `@type`. Their layouts are fixed (google/protobuf/*.proto), so they are
//! decoded here by field number and need not be in the protoset.

use base64::Engine as _;
use serde_json::{Map, Value};

use super::descriptor::{lower_camel, Pool};
use super::json::{double, err, float, message, JsonError, Result};
use crate::protobuf::raw::{iter_fields, WireValue};

const WELL_KNOWN: [&str; 16] = [
    "google.protobuf.Any",
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
    "google.protobuf.Empty",
    "google.protobuf.FieldMask",
    "google.protobuf.Struct",
    "google.protobuf.Value",
    "google.protobuf.ListValue",
    "google.protobuf.DoubleValue",
    "google.protobuf.FloatValue",
    "google.protobuf.Int64Value",
    "google.protobuf.UInt64Value",
    "google.protobuf.Int32Value",
    "google.protobuf.UInt32Value",
    "google.protobuf.BoolValue",
    "google.protobuf.StringValue",
];

/// Types whose JSON form is built in (`NullValue` is an enum).
pub fn is_well_known(name: &str) -> bool {
    WELL_KNOWN.contains(&name)
        || name == "google.protobuf.BytesValue"
        || name == "google.protobuf.NullValue"
}

/// Fields 1 and 2 of a well-known message (the only ones the scalar
/// well-known types, Any and map entries have), the last value of each;
/// others are skipped.
fn fields_1_2(bytes: &[u8]) -> Result<[Option<WireValue<'_>>; 2]> {
    let mut slots = [None, None];
    for item in iter_fields(bytes) {
        let (number, value) =
            item.map_err(|at| JsonError(format!("invalid wire data at byte {at}")))?;
        if let Some(slot) = number
            .checked_sub(1)
            .and_then(|i| slots.get_mut(i as usize))
        {
            *slot = Some(value);
        }
    }
    Ok(slots)
}

fn int(v: Option<WireValue<'_>>) -> u64 {
    match v {
        Some(WireValue::Varint(v)) => v,
        _ => 0,
    }
}

fn text(v: Option<WireValue<'_>>) -> Result<&str> {
    match v {
        Some(WireValue::Len(b)) => {
            std::str::from_utf8(b).map_err(|_| JsonError("a string is not UTF-8".into()))
        }
        _ => Ok(""),
    }
}

/// The JSON of a well-known type, or `None` for any other type.
pub fn to_json(pool: &Pool, type_name: &str, bytes: &[u8], depth: u32) -> Result<Option<Value>> {
    let Some(short) = type_name.strip_prefix("google.protobuf.") else {
        return Ok(None);
    };
    if !is_well_known(type_name) {
        return Ok(None);
    }
    if depth > super::json::MAX_DEPTH {
        return err("messages nest too deep");
    }
    let [first, second] = fields_1_2(bytes)?;
    Ok(Some(match short {
        "Timestamp" => Value::String(timestamp(int(first) as i64, int(second) as i32)?),
        "Duration" => Value::String(duration(int(first) as i64, int(second) as i32)?),
        "Empty" => Value::Object(Map::new()),
        "FieldMask" => {
            let mut paths = Vec::new();
            for item in iter_fields(bytes) {
                let item =
                    item.map_err(|at| JsonError(format!("invalid FieldMask at byte {at}")))?;
                if let (1, WireValue::Len(b)) = item {
                    let path = std::str::from_utf8(b)
                        .map_err(|_| JsonError("a FieldMask path is not UTF-8".into()))?;
                    paths.push(
                        path.split('.')
                            .map(lower_camel)
                            .collect::<Vec<_>>()
                            .join("."),
                    );
                }
            }
            Value::String(paths.join(","))
        }
        "Struct" => struct_json(pool, bytes, depth)?,
        "Value" => value_json(pool, bytes, depth)?,
        "ListValue" => list_json(pool, bytes, depth)?,
        "DoubleValue" => match first {
            Some(WireValue::Fixed64(v)) => double(f64::from_bits(v)),
            _ => double(0.0),
        },
        "FloatValue" => match first {
            Some(WireValue::Fixed32(v)) => float(f32::from_bits(v)),
            _ => double(0.0),
        },
        "Int64Value" => Value::String((int(first) as i64).to_string()),
        "UInt64Value" => Value::String(int(first).to_string()),
        "Int32Value" => Value::from(int(first) as i32),
        "UInt32Value" => Value::from(int(first) as u32),
        "BoolValue" => Value::Bool(int(first) != 0),
        "StringValue" => Value::String(text(first)?.to_string()),
        "BytesValue" => match first {
            Some(WireValue::Len(b)) => {
                Value::String(base64::engine::general_purpose::STANDARD.encode(b))
            }
            _ => Value::String(String::new()),
        },
        "Any" => any_json(pool, text(first)?, second, depth)?,
        _ => return Ok(None),
    }))
}

/// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as protobuf
/// prints it; years 0001 to 9999 only.
fn timestamp(seconds: i64, nanos: i32) -> Result<String> {
    const MIN: i64 = -62_135_596_800; // 0001-01-01T00:00:00Z
    const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    if !(MIN..=MAX).contains(&seconds) || !(0..1_000_000_000).contains(&nanos) {
        return err(format!("Timestamp {seconds}s {nanos}ns is out of range"));
    }
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (y, m, d) = crate::time::civil_from_days(days);
    Ok(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        fraction(nanos.unsigned_abs())
    ))
}

/// `1.5s`, `-0.010s`: seconds and nanos share their sign.
fn duration(seconds: i64, nanos: i32) -> Result<String> {
    const MAX: i64 = 315_576_000_000;
    if !(-MAX..=MAX).contains(&seconds)
        || nanos.unsigned_abs() >= 1_000_000_000
        || (seconds > 0 && nanos < 0)
        || (seconds < 0 && nanos > 0)
    {
        return err(format!("Duration {seconds}s {nanos}ns is out of range"));
    }
    let sign = if seconds < 0 || nanos < 0 { "-" } else { "" };
    Ok(format!(
        "{sign}{}{}s",
        seconds.unsigned_abs(),
        fraction(nanos.unsigned_abs())
    ))
}

fn fraction(nanos: u32) -> String {
    if nanos == 0 {
        String::new()
    } else if nanos % 1_000_000 == 0 {
        format!(".{:03}", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        format!(".{:06}", nanos / 1_000)
    } else {
        format!(".{nanos:09}")
    }
}

fn struct_json(pool: &Pool, bytes: &[u8], depth: u32) -> Result<Value> {
    let mut out = Map::new();
    for item in iter_fields(bytes) {
        let (number, value) =
            item.map_err(|at| JsonError(format!("invalid Struct at byte {at}")))?;
        // Struct.fields = 1: map<string, Value> entries (key 1, value 2).
        if let (1, WireValue::Len(entry)) = (number, value) {
            let [key, value] = fields_1_2(entry)?;
            let key = text(key)?.to_string();
            let value = match value {
                Some(WireValue::Len(v)) => value_json(pool, v, depth + 1)?,
                _ => value_json(pool, &[], depth + 1)?,
            };
            out.insert(key, value);
        }
    }
    Ok(Value::Object(out))
}

fn value_json(pool: &Pool, bytes: &[u8], depth: u32) -> Result<Value> {
    if depth > super::json::MAX_DEPTH {
        return err("messages nest too deep");
    }
    // The oneof `kind`: its last member wins.
    let mut kind = None;
    for item in iter_fields(bytes) {
        let (number, value) =
            item.map_err(|at| JsonError(format!("invalid Value at byte {at}")))?;
        if (1..=6).contains(&number) {
            kind = Some((number, value));
        }
    }
    Ok(match kind {
        Some((1, _)) => Value::Null,
        Some((2, WireValue::Fixed64(v))) => {
            let n = f64::from_bits(v);
            if !n.is_finite() {
                return err("a Value holds NaN or an infinity, which JSON cannot");
            }
            double(n)
        }
        Some((3, WireValue::Len(b))) => Value::String(
            std::str::from_utf8(b)
                .map_err(|_| JsonError("a Value string is not UTF-8".into()))?
                .to_string(),
        ),
        Some((4, WireValue::Varint(v))) => Value::Bool(v != 0),
        Some((5, WireValue::Len(b))) => struct_json(pool, b, depth + 1)?,
        Some((6, WireValue::Len(b))) => list_json(pool, b, depth + 1)?,
        // As Python protobuf and Go's protojson do.
        None => Value::Null,
        Some(_) => return err("a Value has the wrong wire type"),
    })
}

fn list_json(pool: &Pool, bytes: &[u8], depth: u32) -> Result<Value> {
    let mut out = Vec::new();
    for item in iter_fields(bytes) {
        let (number, value) =
            item.map_err(|at| JsonError(format!("invalid ListValue at byte {at}")))?;
        if let (1, WireValue::Len(b)) = (number, value) {
            out.push(value_json(pool, b, depth + 1)?);
        }
    }
    Ok(Value::Array(out))
}

/// `{"@type": url, ...the message's fields}`, or `"value"` for a
/// well-known type packed in an Any.
fn any_json(
    pool: &Pool,
    type_url: &str,
    value: Option<WireValue<'_>>,
    depth: u32,
) -> Result<Value> {
    let bytes = match value {
        Some(WireValue::Len(b)) => b,
        _ => &[],
    };
    if type_url.is_empty() {
        if bytes.is_empty() {
            return Ok(Value::Object(Map::new()));
        }
        return err("an Any has a value but no type URL");
    }
    let type_name = type_url.rsplit('/').next().unwrap_or(type_url);
    let mut out = Map::new();
    out.insert("@type".into(), Value::String(type_url.to_string()));
    if let Some(wkt) = to_json(pool, type_name, bytes, depth + 1)? {
        out.insert("value".into(), wkt);
        return Ok(Value::Object(out));
    }
    let Some(desc) = pool.messages.get(type_name) else {
        return err(format!(
            "an Any holds {type_name}, which is not in the schema"
        ));
    };
    if let Value::Object(fields) = message(pool, desc, bytes, depth + 1, None)? {
        out.extend(fields);
    }
    Ok(Value::Object(out))
}
