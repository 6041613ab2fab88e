//! Schema-less protobuf decoding.
//!
//! Wire format (protobuf docs, "Encoding"): a message is a sequence of
//! fields; each starts with a varint tag `(field_number << 3) | wire_type`.
//! Wire types: 0 VARINT, 1 I64, 2 LEN, 3 SGROUP, 4 EGROUP (deprecated
//! groups), 5 I32. Field number 0 and wire types 6, 7 are invalid.
//!
//! A LEN value is ambiguous without a schema. Like `protoc --decode_raw`,
//! it is shown as a nested message when it is non-empty and parses as one
//! completely; otherwise as a string when it is UTF-8 text (no control
//! characters other than tab, CR, LF); otherwise as bytes, with guesses at
//! packed repeated numbers.

use serde::Serialize;

use crate::diag::{Diagnostic, Layer, Span};
use crate::octets::Octets;

/// A wire type (open: 6 and 7 are kept and reported).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct WireType(pub u8);

impl WireType {
    pub const VARINT: WireType = WireType(0);
    pub const I64: WireType = WireType(1);
    pub const LEN: WireType = WireType(2);
    pub const SGROUP: WireType = WireType(3);
    pub const EGROUP: WireType = WireType(4);
    pub const I32: WireType = WireType(5);

    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "VARINT",
            1 => "I64",
            2 => "LEN",
            3 => "SGROUP",
            4 => "EGROUP",
            5 => "I32",
            _ => "invalid",
        }
    }
}

/// One field. Spans are relative to the buffer given to [`decode_raw`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RawField {
    pub number: u32,
    pub wire_type: WireType,
    /// Tag through the end of the value.
    pub span: Span,
    pub value: RawValue,
}

/// Guesses for a LEN value that may be a packed repeated field.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PackedGuess {
    /// The bytes parse completely as varints.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::jsint::opt_vec_u64"
    )]
    pub varints: Option<Vec<u64>>,
    /// The length is a multiple of 4: little-endian fixed32 values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed32: Option<Vec<u32>>,
    /// The length is a multiple of 8: little-endian fixed64 values.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::jsint::opt_vec_u64"
    )]
    pub fixed64: Option<Vec<u64>>,
}

/// A field's value with its possible interpretations.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RawValue {
    /// `uint64`; also `int64` (two's complement) and `sint64` (zigzag).
    /// Beyond ±(2^53 - 1) these are strings (see [`crate::jsint`]).
    Varint {
        #[serde(serialize_with = "crate::jsint::u64")]
        value: u64,
        #[serde(serialize_with = "crate::jsint::i64")]
        int64: i64,
        #[serde(serialize_with = "crate::jsint::i64")]
        sint64: i64,
    },
    /// `fixed64`; also `sfixed64` and `double`.
    Fixed64 {
        #[serde(serialize_with = "crate::jsint::u64")]
        value: u64,
        #[serde(serialize_with = "crate::jsint::i64")]
        sfixed64: i64,
        double: f64,
    },
    /// `fixed32`; also `sfixed32` and `float`.
    Fixed32 {
        value: u32,
        sfixed32: i32,
        float: f32,
    },
    /// A LEN value that parses completely as a message.
    Message { payload: Span, message: RawMessage },
    /// A LEN value that is UTF-8 text.
    String { payload: Span, value: String },
    /// Any other LEN value.
    Bytes {
        payload: Span,
        value: Octets,
        #[serde(skip_serializing_if = "Option::is_none")]
        packed: Option<PackedGuess>,
    },
    /// A group (wire types 3 … 4, deprecated).
    Group { message: RawMessage },
}

/// A decoded message.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RawMessage {
    pub fields: Vec<RawField>,
}

/// The result of decoding a buffer: the fields decoded before any error,
/// and the error that stopped decoding (its offset is where the bytes that
/// could not be decoded start).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RawDecode {
    pub message: RawMessage,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Diagnostic>,
}

/// Limits of a raw decode.
#[derive(Clone, Copy, Debug)]
pub struct RawLimits {
    /// Deepest nesting of LEN-as-message and groups.
    pub max_depth: u32,
    /// Fields decoded in total (across nesting) before giving up.
    pub max_fields: u32,
}

impl From<&crate::config::GrpcLimits> for RawLimits {
    fn from(l: &crate::config::GrpcLimits) -> Self {
        RawLimits {
            max_depth: l.max_protobuf_depth,
            max_fields: l.max_protobuf_fields,
        }
    }
}

impl Default for RawLimits {
    fn default() -> Self {
        RawLimits::from(&crate::config::GrpcLimits::default())
    }
}

/// Decodes `buf` as a message without a schema.
pub fn decode_raw(buf: &[u8], limits: RawLimits) -> RawDecode {
    let mut p = Parser {
        buf,
        limits,
        fields: 0,
    };
    match p.message(0, buf.len(), 0, None) {
        Ok((message, _)) => RawDecode {
            message,
            error: None,
        },
        Err((message, err)) => RawDecode {
            message,
            error: Some(err.diagnostic()),
        },
    }
}

#[derive(Debug)]
struct ParseError {
    offset: usize,
    what: String,
}

impl ParseError {
    fn diagnostic(&self) -> Diagnostic {
        Diagnostic::error(
            Layer::Protobuf,
            "protobuf.undecodable",
            format!(
                "not a valid protobuf message from byte {}: {}; the rest is not decoded",
                self.offset, self.what
            ),
        )
        .at(self.offset as u64)
        .rfc("protobuf Encoding")
    }
}

struct Parser<'a> {
    buf: &'a [u8],
    limits: RawLimits,
    fields: u32,
}

fn read_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value: u64 = 0;
    for i in 0..10u32 {
        let b = *buf.get(*pos)?;
        *pos += 1;
        // The 10th byte may only carry the top bit of a u64.
        if i == 9 && b > 1 {
            return None;
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

type PartialResult = Result<(RawMessage, usize), (RawMessage, ParseError)>;

impl Parser<'_> {
    /// Parses fields in `[start, end)`. In a group (`group` = Some(number)),
    /// stops after the matching EGROUP and returns the position after it.
    fn message(
        &mut self,
        start: usize,
        end: usize,
        depth: u32,
        group: Option<u32>,
    ) -> PartialResult {
        let mut msg = RawMessage::default();
        let mut pos = start;
        let fail =
            |msg: RawMessage, offset: usize, what: String| Err((msg, ParseError { offset, what }));
        let window = self.buf.get(..end).unwrap_or_default();
        while pos < end {
            let field_start = pos;
            let Some(tag) = read_varint(window, &mut pos) else {
                return fail(
                    msg,
                    field_start,
                    "the field tag is not a complete varint".into(),
                );
            };
            let wire_type = WireType((tag & 7) as u8);
            let Ok(number) = u32::try_from(tag >> 3) else {
                return fail(
                    msg,
                    field_start,
                    format!("field number {} is above 2^29-1", tag >> 3),
                );
            };
            if number == 0 || number > (1 << 29) - 1 {
                return fail(
                    msg,
                    field_start,
                    format!("field number {number} is invalid"),
                );
            }
            self.fields = self.fields.saturating_add(1);
            if self.fields > self.limits.max_fields {
                return fail(
                    msg,
                    field_start,
                    format!(
                        "more than {} fields{}",
                        self.limits.max_fields,
                        crate::config::limit_hint("grpc.max_protobuf_fields")
                    ),
                );
            }
            let value = match wire_type {
                WireType::VARINT => {
                    let Some(v) = read_varint(window, &mut pos) else {
                        return fail(
                            msg,
                            field_start,
                            format!("field {number}: truncated varint"),
                        );
                    };
                    RawValue::Varint {
                        value: v,
                        int64: v as i64,
                        sint64: ((v >> 1) as i64) ^ -((v & 1) as i64),
                    }
                }
                WireType::I64 => {
                    let Some(bytes) = window.get(pos..).and_then(|s| s.first_chunk::<8>()) else {
                        return fail(
                            msg,
                            field_start,
                            format!("field {number}: fewer than 8 bytes for I64"),
                        );
                    };
                    pos += 8;
                    let v = u64::from_le_bytes(*bytes);
                    RawValue::Fixed64 {
                        value: v,
                        sfixed64: v as i64,
                        double: f64::from_bits(v),
                    }
                }
                WireType::I32 => {
                    let Some(bytes) = window.get(pos..).and_then(|s| s.first_chunk::<4>()) else {
                        return fail(
                            msg,
                            field_start,
                            format!("field {number}: fewer than 4 bytes for I32"),
                        );
                    };
                    pos += 4;
                    let v = u32::from_le_bytes(*bytes);
                    RawValue::Fixed32 {
                        value: v,
                        sfixed32: v as i32,
                        float: f32::from_bits(v),
                    }
                }
                WireType::LEN => {
                    let Some(len) = read_varint(window, &mut pos) else {
                        return fail(
                            msg,
                            field_start,
                            format!("field {number}: truncated length"),
                        );
                    };
                    let payload_end =
                        match usize::try_from(len).ok().and_then(|l| pos.checked_add(l)) {
                            Some(e) if e <= end => e,
                            _ => {
                                return fail(
                                    msg,
                                    field_start,
                                    format!(
                                "field {number}: length {len} runs past the end ({} bytes left)",
                                end - pos
                            ),
                                )
                            }
                        };
                    let v = self.len_value(pos, payload_end, depth);
                    pos = payload_end;
                    v
                }
                WireType::SGROUP => {
                    if depth >= self.limits.max_depth {
                        return fail(
                            msg,
                            field_start,
                            format!(
                                "groups nest deeper than {}{}",
                                self.limits.max_depth,
                                crate::config::limit_hint("grpc.max_protobuf_depth")
                            ),
                        );
                    }
                    match self.message(pos, end, depth + 1, Some(number)) {
                        Ok((inner, after)) => {
                            pos = after;
                            RawValue::Group { message: inner }
                        }
                        Err((inner, e)) => {
                            msg.fields.push(RawField {
                                number,
                                wire_type,
                                span: Span::new(field_start as u64, e.offset as u64),
                                value: RawValue::Group { message: inner },
                            });
                            return Err((msg, e));
                        }
                    }
                }
                WireType::EGROUP => {
                    if group == Some(number) {
                        return Ok((msg, pos));
                    }
                    return fail(
                        msg,
                        field_start,
                        match group {
                            Some(open) => format!("end of group {number} inside group {open}"),
                            None => format!("end of group {number} without a start"),
                        },
                    );
                }
                WireType(other) => {
                    return fail(
                        msg,
                        field_start,
                        format!("field {number}: wire type {other} does not exist"),
                    );
                }
            };
            msg.fields.push(RawField {
                number,
                wire_type,
                span: Span::new(field_start as u64, pos as u64),
                value,
            });
        }
        if let Some(open) = group {
            return fail(msg, pos, format!("group {open} is never ended"));
        }
        Ok((msg, pos))
    }

    fn len_value(&mut self, start: usize, end: usize, depth: u32) -> RawValue {
        let payload = Span::new(start as u64, end as u64);
        let bytes = self.buf.get(start..end).unwrap_or_default();
        if !bytes.is_empty() && depth < self.limits.max_depth {
            let budget = self.fields;
            match self.message(start, end, depth + 1, None) {
                Ok((message, _)) => return RawValue::Message { payload, message },
                // Not a message: give back the field budget it used.
                Err(_) => self.fields = budget,
            }
        }
        if let Ok(text) = std::str::from_utf8(bytes) {
            if !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            {
                return RawValue::String {
                    payload,
                    value: text.to_string(),
                };
            }
        }
        RawValue::Bytes {
            payload,
            value: Octets::from(bytes),
            packed: packed_guess(bytes),
        }
    }
}

fn packed_guess(bytes: &[u8]) -> Option<PackedGuess> {
    if bytes.is_empty() {
        return None;
    }
    let mut varints = Vec::new();
    let mut pos = 0;
    let mut all_varints = true;
    while pos < bytes.len() {
        match read_varint(bytes, &mut pos) {
            Some(v) => varints.push(v),
            None => {
                all_varints = false;
                break;
            }
        }
    }
    let fixed32 = (bytes.len() % 4 == 0).then(|| {
        bytes
            .chunks_exact(4)
            .filter_map(|c| c.first_chunk::<4>().map(|a| u32::from_le_bytes(*a)))
            .collect()
    });
    let fixed64 = (bytes.len() % 8 == 0).then(|| {
        bytes
            .chunks_exact(8)
            .filter_map(|c| c.first_chunk::<8>().map(|a| u64::from_le_bytes(*a)))
            .collect()
    });
    let guess = PackedGuess {
        varints: all_varints.then_some(varints),
        fixed32,
        fixed64,
    };
    (guess.varints.is_some() || guess.fixed32.is_some() || guess.fixed64.is_some()).then_some(guess)
}

/// One field's value as on the wire, borrowed (for decoders that know the
/// schema by field number, like the Envoy tap reader).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireValue<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Len(&'a [u8]),
    /// A group start (its content follows as further fields).
    StartGroup,
    EndGroup,
}

/// Iterates over the top-level fields of `buf` without interpreting LEN
/// values. Yields `Err(offset)` once (then stops) where `buf` stops being
/// a valid field sequence.
pub fn iter_fields(buf: &[u8]) -> FieldIter<'_> {
    FieldIter {
        buf,
        pos: 0,
        failed: false,
    }
}

/// See [`iter_fields`].
#[derive(Debug)]
pub struct FieldIter<'a> {
    buf: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Iterator for FieldIter<'a> {
    type Item = Result<(u32, WireValue<'a>), usize>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let start = self.pos;
        let result = self.field();
        if result.is_none() {
            self.failed = true;
            return Some(Err(start));
        }
        result.map(Ok)
    }
}

impl<'a> FieldIter<'a> {
    fn field(&mut self) -> Option<(u32, WireValue<'a>)> {
        let tag = read_varint(self.buf, &mut self.pos)?;
        let number = u32::try_from(tag >> 3)
            .ok()
            .filter(|&n| n != 0 && n < (1 << 29))?;
        let value = match tag & 7 {
            0 => WireValue::Varint(read_varint(self.buf, &mut self.pos)?),
            1 => {
                let b = self.buf.get(self.pos..)?.first_chunk::<8>()?;
                self.pos += 8;
                WireValue::Fixed64(u64::from_le_bytes(*b))
            }
            5 => {
                let b = self.buf.get(self.pos..)?.first_chunk::<4>()?;
                self.pos += 4;
                WireValue::Fixed32(u32::from_le_bytes(*b))
            }
            2 => {
                let len = usize::try_from(read_varint(self.buf, &mut self.pos)?).ok()?;
                let end = self.pos.checked_add(len)?;
                let v = self.buf.get(self.pos..end)?;
                self.pos = end;
                WireValue::Len(v)
            }
            3 => WireValue::StartGroup,
            4 => WireValue::EndGroup,
            _ => return None,
        };
        Some((number, value))
    }
}

/// Prints a decoded message the way `protoc --decode_raw` does (protobuf
/// text format of an unknown field set): `N: value` lines, nested messages
/// and groups as `N {…}`, fixed values in hex, strings C-escaped.
pub fn to_text_format(message: &RawMessage) -> String {
    let mut out = String::new();
    write_message(&mut out, message, 0);
    out
}

fn write_message(out: &mut String, message: &RawMessage, indent: usize) {
    use std::fmt::Write;
    for f in &message.fields {
        for _ in 0..indent {
            out.push_str("  ");
        }
        let n = f.number;
        let _ = match &f.value {
            RawValue::Varint { value, .. } => writeln!(out, "{n}: {value}"),
            RawValue::Fixed64 { value, .. } => writeln!(out, "{n}: 0x{value:016x}"),
            RawValue::Fixed32 { value, .. } => writeln!(out, "{n}: 0x{value:08x}"),
            RawValue::String { value, .. } => {
                writeln!(out, "{n}: \"{}\"", c_escape(value.as_bytes()))
            }
            RawValue::Bytes { value, .. } => {
                writeln!(out, "{n}: \"{}\"", c_escape(value.as_bytes()))
            }
            RawValue::Message { message, .. } | RawValue::Group { message } => {
                let _ = writeln!(out, "{n} {{");
                write_message(out, message, indent + 1);
                for _ in 0..indent {
                    out.push_str("  ");
                }
                writeln!(out, "}}")
            }
        };
    }
}

/// protobuf's `CEscape`: printable ASCII as is, `\n \r \t \" \' \\`, every
/// other byte as a 3-digit octal escape.
fn c_escape(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b'"' => s.push_str("\\\""),
            b'\'' => s.push_str("\\'"),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(char::from(b)),
            _ => {
                let _ = write!(s, "\\{b:03o}");
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_interpretations() {
        // Field 1 varint 2^64-1, field 2 varint 3 (zigzag -2).
        let buf = [
            0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x10, 0x03,
        ];
        let d = decode_raw(&buf, RawLimits::default());
        assert!(d.error.is_none());
        assert_eq!(
            d.message.fields[0].value,
            RawValue::Varint {
                value: u64::MAX,
                int64: -1,
                sint64: i64::MIN
            }
        );
        assert_eq!(
            d.message.fields[1].value,
            RawValue::Varint {
                value: 3,
                int64: 3,
                sint64: -2
            }
        );
        assert_eq!(d.message.fields[1].span, Span::new(11, 13));
    }

    #[test]
    fn errors_keep_earlier_fields() {
        // Field 1 = 1, then a LEN field running past the end.
        let d = decode_raw(&[0x08, 0x01, 0x12, 0x05, 0x00], RawLimits::default());
        assert_eq!(d.message.fields.len(), 1);
        assert_eq!(d.error.unwrap().offset, Some(2));
        // Unmatched end group; field number 0.
        assert!(decode_raw(&[0x0c], RawLimits::default()).error.is_some());
        assert!(decode_raw(&[0x00, 0x01], RawLimits::default())
            .error
            .is_some());
        // Wire type 7; 11-byte varint.
        assert!(decode_raw(&[0x0f], RawLimits::default()).error.is_some());
        assert!(decode_raw(
            &[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
            RawLimits::default()
        )
        .error
        .is_some());
    }

    #[test]
    fn depth_limit_turns_nesting_into_bytes() {
        // 40 levels of field 1 LEN nesting around an empty-ish leaf.
        let mut buf = vec![0x08, 0x01];
        for _ in 0..40 {
            let mut outer = vec![0x0a, buf.len() as u8];
            if buf.len() > 127 {
                break;
            }
            outer.extend_from_slice(&buf);
            buf = outer;
        }
        let d = decode_raw(
            &buf,
            RawLimits {
                max_depth: 3,
                max_fields: 1000,
            },
        );
        assert!(d.error.is_none());
        let RawValue::Message { message, .. } = &d.message.fields[0].value else {
            panic!()
        };
        let RawValue::Message { message, .. } = &message.fields[0].value else {
            panic!()
        };
        let RawValue::Message { message, .. } = &message.fields[0].value else {
            panic!()
        };
        assert!(matches!(
            message.fields[0].value,
            RawValue::Bytes { .. } | RawValue::String { .. }
        ));
    }
}
