//! A message decoded by its descriptor into the proto3 JSON mapping
//! (protobuf.dev, "ProtoJSON Format"), what grpcurl prints and Python's
//! `json_format.MessageToJson` gives: lowerCamelCase names (`json_name`),
//! fields in number order, defaults of implicit-presence fields left out,
//! 64-bit integers as strings, bytes as base64, enums by name, NaN and
//! infinities as strings, maps as objects, well-known types in their own
//! forms (see `wkt.rs`).
//!
//! Parsing follows the encoding guide: the last value of a singular scalar
//! wins, repeated occurrences of a singular message merge (decoding their
//! concatenation is that merge), repeated scalars may come packed or not,
//! and a oneof keeps its last member. A field whose wire type does not
//! match its declaration is treated as unknown, as protobuf runtimes do.

use base64::Engine as _;
use serde_json::{Map, Number, Value};

use super::descriptor::{FieldDesc, Kind, MessageDesc, Pool};
use super::wkt;
use crate::protobuf::raw::{iter_fields, WireValue};

/// Nesting deeper than this is refused (protobuf runtimes stop at 100).
pub const MAX_DEPTH: u32 = 100;

/// Why a message did not decode.
#[derive(Debug)]
pub struct JsonError(pub String);

pub type Result<T> = std::result::Result<T, JsonError>;

pub fn err<T>(message: impl Into<String>) -> Result<T> {
    Err(JsonError(message.into()))
}

/// One field's values, gathered over the message.
enum Slot<'a> {
    /// The value, and whether it was its type's default on the wire (zero
    /// bits, or empty).
    Scalar(Value, bool),
    /// Every occurrence of a singular message, to be merged.
    Message(Vec<&'a [u8]>),
    List(Vec<Value>),
    Map(Map<String, Value>),
}

/// Decodes `bytes` as the message `desc` of `pool`; top-level unknown
/// field numbers go to `unknown` (in wire order).
pub fn message(
    pool: &Pool,
    desc: &MessageDesc,
    bytes: &[u8],
    depth: u32,
    mut unknown: Option<&mut Vec<u32>>,
) -> Result<Value> {
    if depth > MAX_DEPTH {
        return err(format!("messages nest deeper than {MAX_DEPTH}"));
    }
    let mut slots: Vec<Option<Slot<'_>>> = desc.fields.iter().map(|_| None).collect();
    let mut group_depth = 0u32;
    // (oneof index, its last member's field index); a message has few oneofs.
    let mut last_in_oneof: Vec<(u32, usize)> = Vec::new();
    for item in iter_fields(bytes) {
        let (number, value) =
            item.map_err(|at| JsonError(format!("invalid wire data at byte {at}")))?;
        // Groups (deprecated) are skipped as unknown fields, with their content.
        match value {
            WireValue::StartGroup => {
                group_depth += 1;
                continue;
            }
            WireValue::EndGroup => {
                group_depth = group_depth
                    .checked_sub(1)
                    .ok_or_else(|| JsonError("a group ends that never started".into()))?;
                continue;
            }
            _ if group_depth > 0 => continue,
            _ => {}
        }
        let Some(i) = desc.field(number) else {
            if let Some(u) = unknown.as_deref_mut() {
                u.push(number);
            }
            continue;
        };
        let Some(field) = desc.fields.get(i) else {
            continue;
        };
        if !take(pool, field, value, slots.get_mut(i), depth)? {
            if let Some(u) = unknown.as_deref_mut() {
                u.push(number);
            }
            continue;
        }
        // A oneof keeps only its last member.
        if let Some(oneof) = field.oneof {
            match last_in_oneof.iter_mut().find(|(o, _)| *o == oneof) {
                Some(entry) => entry.1 = i,
                None => last_in_oneof.push((oneof, i)),
            }
        }
    }
    if group_depth > 0 {
        return err("a group never ends");
    }
    let mut out = Map::new();
    for (i, (field, slot)) in desc.fields.iter().zip(slots).enumerate() {
        if let Some(oneof) = field.oneof {
            if last_in_oneof
                .iter()
                .any(|&(o, last)| o == oneof && last != i)
            {
                continue;
            }
        }
        let value = match slot {
            None => continue,
            Some(Slot::Scalar(v, default)) => {
                if !field.explicit_presence && default {
                    continue;
                }
                v
            }
            Some(Slot::Message(parts)) => merged(pool, &field.type_name, &parts, depth + 1)?,
            Some(Slot::List(items)) if items.is_empty() => continue,
            Some(Slot::List(items)) => Value::Array(items),
            Some(Slot::Map(entries)) if entries.is_empty() => continue,
            Some(Slot::Map(entries)) => Value::Object(entries),
        };
        out.insert(field.json_name.clone(), value);
    }
    Ok(Value::Object(out))
}

/// A message-typed value: a well-known type's own form, else an object.
pub fn message_value(pool: &Pool, type_name: &str, bytes: &[u8], depth: u32) -> Result<Value> {
    if let Some(v) = wkt::to_json(pool, type_name, bytes, depth)? {
        return Ok(v);
    }
    match pool.messages.get(type_name) {
        Some(desc) => message(pool, desc, bytes, depth, None),
        None => err(format!("the schema has no message type {type_name}")),
    }
}

/// A message sent in `parts` (a singular field repeated on the wire): their
/// merge is the decoding of their concatenation, copied only when needed.
fn merged(pool: &Pool, type_name: &str, parts: &[&[u8]], depth: u32) -> Result<Value> {
    match parts {
        [one] => message_value(pool, type_name, one, depth),
        _ => message_value(pool, type_name, &parts.concat(), depth),
    }
}

/// Records one occurrence of `field`; false when its wire type does not
/// fit the declaration (the field is then unknown).
fn take<'a>(
    pool: &Pool,
    field: &FieldDesc,
    value: WireValue<'a>,
    slot: Option<&mut Option<Slot<'a>>>,
    depth: u32,
) -> Result<bool> {
    let Some(slot) = slot else {
        return Ok(false);
    };
    if field.map {
        let WireValue::Len(bytes) = value else {
            return Ok(false);
        };
        let (key, v) = map_entry(pool, &field.type_name, bytes, depth + 1)?;
        match slot.get_or_insert_with(|| Slot::Map(Map::new())) {
            Slot::Map(m) => {
                m.insert(key, v);
            }
            _ => return Ok(false),
        }
        return Ok(true);
    }
    if field.repeated {
        let list = match slot.get_or_insert_with(|| Slot::List(Vec::new())) {
            Slot::List(list) => list,
            _ => return Ok(false),
        };
        match value {
            // Packed: a run of values of a numeric type.
            WireValue::Len(bytes) if field.kind.packable() => {
                for item in iter_packed(field.kind, bytes)? {
                    list.push(scalar(pool, field, item)?);
                }
            }
            WireValue::Len(bytes) if field.kind == Kind::Message => {
                list.push(message_value(pool, &field.type_name, bytes, depth + 1)?);
            }
            other => match fits(field.kind, &other) {
                true => list.push(scalar(pool, field, other)?),
                false => return Ok(false),
            },
        }
        return Ok(true);
    }
    match (field.kind, value) {
        (Kind::Message, WireValue::Len(bytes)) => {
            match slot {
                Some(Slot::Message(parts)) => parts.push(bytes),
                _ => *slot = Some(Slot::Message(vec![bytes])),
            }
            Ok(true)
        }
        (_, other) if fits(field.kind, &other) => {
            let default = match other {
                WireValue::Varint(v) | WireValue::Fixed64(v) => v == 0,
                WireValue::Fixed32(v) => v == 0,
                WireValue::Len(b) => b.is_empty(),
                WireValue::StartGroup | WireValue::EndGroup => false,
            };
            *slot = Some(Slot::Scalar(scalar(pool, field, other)?, default));
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Whether a wire value can be of this type.
fn fits(kind: Kind, value: &WireValue<'_>) -> bool {
    match value {
        WireValue::Varint(_) => matches!(
            kind,
            Kind::Int32
                | Kind::Int64
                | Kind::Uint32
                | Kind::Uint64
                | Kind::Sint32
                | Kind::Sint64
                | Kind::Bool
                | Kind::Enum
        ),
        WireValue::Fixed64(_) => matches!(kind, Kind::Fixed64 | Kind::Sfixed64 | Kind::Double),
        WireValue::Fixed32(_) => matches!(kind, Kind::Fixed32 | Kind::Sfixed32 | Kind::Float),
        WireValue::Len(_) => matches!(kind, Kind::String | Kind::Bytes),
        WireValue::StartGroup | WireValue::EndGroup => false,
    }
}

/// The values of a packed field.
fn iter_packed(kind: Kind, mut bytes: &[u8]) -> Result<Vec<WireValue<'_>>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let value = match kind {
            Kind::Fixed64 | Kind::Sfixed64 | Kind::Double => {
                let (head, rest) = bytes
                    .split_first_chunk::<8>()
                    .ok_or_else(|| JsonError("a packed field is cut short".into()))?;
                bytes = rest;
                WireValue::Fixed64(u64::from_le_bytes(*head))
            }
            Kind::Fixed32 | Kind::Sfixed32 | Kind::Float => {
                let (head, rest) = bytes
                    .split_first_chunk::<4>()
                    .ok_or_else(|| JsonError("a packed field is cut short".into()))?;
                bytes = rest;
                WireValue::Fixed32(u32::from_le_bytes(*head))
            }
            _ => {
                let (v, used) = varint(bytes)
                    .ok_or_else(|| JsonError("a packed field has a bad varint".into()))?;
                bytes = bytes.get(used..).unwrap_or_default();
                WireValue::Varint(v)
            }
        };
        out.push(value);
    }
    Ok(out)
}

fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().take(10).enumerate() {
        if i == 9 && *b > 1 {
            return None;
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// One scalar value in its JSON form.
pub fn scalar(pool: &Pool, field: &FieldDesc, value: WireValue<'_>) -> Result<Value> {
    Ok(match (field.kind, value) {
        (Kind::Int32, WireValue::Varint(v)) => Value::from(v as i32),
        (Kind::Int64, WireValue::Varint(v)) => Value::String((v as i64).to_string()),
        (Kind::Uint32, WireValue::Varint(v)) => Value::from(v as u32),
        (Kind::Uint64, WireValue::Varint(v)) => Value::String(v.to_string()),
        (Kind::Sint32, WireValue::Varint(v)) => Value::from(zigzag32(v as u32)),
        (Kind::Sint64, WireValue::Varint(v)) => Value::String(zigzag64(v).to_string()),
        (Kind::Bool, WireValue::Varint(v)) => Value::Bool(v != 0),
        (Kind::Enum, WireValue::Varint(v)) => enum_value(pool, &field.type_name, v as i32),
        (Kind::Fixed64, WireValue::Fixed64(v)) => Value::String(v.to_string()),
        (Kind::Sfixed64, WireValue::Fixed64(v)) => Value::String((v as i64).to_string()),
        (Kind::Double, WireValue::Fixed64(v)) => double(f64::from_bits(v)),
        (Kind::Fixed32, WireValue::Fixed32(v)) => Value::from(v),
        (Kind::Sfixed32, WireValue::Fixed32(v)) => Value::from(v as i32),
        (Kind::Float, WireValue::Fixed32(v)) => float(f32::from_bits(v)),
        (Kind::String, WireValue::Len(b)) => Value::String(
            std::str::from_utf8(b)
                .map_err(|_| JsonError(format!("field {} is a string but not UTF-8", field.name)))?
                .to_string(),
        ),
        (Kind::Bytes, WireValue::Len(b)) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        _ => return err(format!("field {} has the wrong wire type", field.name)),
    })
}

fn zigzag32(v: u32) -> i32 {
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

fn zigzag64(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// An enum value by name; a number when the schema does not name it.
pub fn enum_value(pool: &Pool, type_name: &str, number: i32) -> Value {
    if type_name == "google.protobuf.NullValue" {
        return Value::Null;
    }
    match pool
        .enums
        .get(type_name)
        .and_then(|e| e.values.get(&number))
    {
        Some(name) => Value::String(name.clone()),
        None => Value::from(number),
    }
}

pub fn double(v: f64) -> Value {
    if v.is_nan() {
        Value::String("NaN".into())
    } else if v.is_infinite() {
        Value::String(if v > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

/// A float as its shortest decimal (0.1f32 is `0.1`, not
/// `0.10000000149011612`).
pub fn float(v: f32) -> Value {
    if !v.is_finite() {
        return double(f64::from(v));
    }
    double(v.to_string().parse::<f64>().unwrap_or(f64::from(v)))
}

/// A map entry's key (as JSON object keys are: text) and value.
fn map_entry(pool: &Pool, type_name: &str, bytes: &[u8], depth: u32) -> Result<(String, Value)> {
    let Some(entry) = pool.messages.get(type_name) else {
        return err(format!("the schema has no map entry type {type_name}"));
    };
    let (Some(key_field), Some(value_field)) = (
        entry.field(1).and_then(|i| entry.fields.get(i)),
        entry.field(2).and_then(|i| entry.fields.get(i)),
    ) else {
        return err(format!("{type_name} is not a map entry"));
    };
    let mut key = None;
    let mut value = None;
    let mut value_parts: Vec<&[u8]> = Vec::new();
    for item in iter_fields(bytes) {
        let (number, v) =
            item.map_err(|at| JsonError(format!("invalid map entry at byte {at}")))?;
        match number {
            1 if fits(key_field.kind, &v) => key = Some(scalar(pool, key_field, v)?),
            2 if value_field.kind == Kind::Message => {
                if let WireValue::Len(b) = v {
                    value_parts.push(b);
                }
            }
            2 if fits(value_field.kind, &v) => value = Some(scalar(pool, value_field, v)?),
            _ => {}
        }
    }
    let key = match key {
        Some(Value::String(s)) => s,
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) | None => default_key(key_field.kind),
    };
    let value = if value_field.kind == Kind::Message {
        message_value(
            pool,
            &value_field.type_name,
            &value_parts.concat(),
            depth + 1,
        )?
    } else {
        match value {
            Some(v) => v,
            None => default_scalar(pool, value_field),
        }
    };
    Ok((key, value))
}

fn default_key(kind: Kind) -> String {
    match kind {
        Kind::String => String::new(),
        Kind::Bool => "false".into(),
        _ => "0".into(),
    }
}

/// The JSON of a scalar field's default value.
fn default_scalar(pool: &Pool, field: &FieldDesc) -> Value {
    match field.kind {
        Kind::Int64 | Kind::Uint64 | Kind::Sint64 | Kind::Fixed64 | Kind::Sfixed64 => {
            Value::String("0".into())
        }
        Kind::Double | Kind::Float => Value::from(0.0),
        Kind::Bool => Value::Bool(false),
        Kind::String | Kind::Bytes => Value::String(String::new()),
        Kind::Enum => enum_value(pool, &field.type_name, 0),
        _ => Value::from(0),
    }
}
