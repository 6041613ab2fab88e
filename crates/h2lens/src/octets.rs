//! Byte strings as they were on the wire.
//!
//! Header names and values, paths and debug data may be any octets (RFC 9113
//! §8.2.1 only constrains what a peer *should* send). We keep the exact bytes
//! and serialize them losslessly: as a JSON string when they are valid UTF-8,
//! otherwise as `{"text": <escaped display>, "hex": <hex>}` (or `bytes` for
//! binary serializers), so nothing is ever dropped or mangled.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An owned byte string taken from the wire.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Octets(pub Vec<u8>);

impl Octets {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Octets(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The UTF-8 text, when the bytes are valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// Text for people: the UTF-8 text when valid, else an escaped form
    /// (see [`escape_bytes`]).
    pub fn display(&self) -> Cow<'_, str> {
        display_bytes(&self.0)
    }

    pub fn to_hex(&self) -> String {
        to_hex(&self.0)
    }
}

impl From<&[u8]> for Octets {
    fn from(b: &[u8]) -> Self {
        Octets(b.to_vec())
    }
}

impl From<Vec<u8>> for Octets {
    fn from(b: Vec<u8>) -> Self {
        Octets(b)
    }
}

impl From<&str> for Octets {
    fn from(s: &str) -> Self {
        Octets(s.as_bytes().to_vec())
    }
}

impl fmt::Debug for Octets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.display())
    }
}

impl fmt::Display for Octets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl Serialize for Octets {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_octets(&self.0, serializer)
    }
}

/// Reads what [`Octets`] writes: a string (its UTF-8 bytes), or an object
/// with `hex` or `bytes` (`text` alone is taken as UTF-8 text); also a byte
/// array (a JS `Uint8Array` or a list of numbers).
impl<'de> Deserialize<'de> for Octets {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OctetsVisitor)
    }
}

struct OctetsVisitor;

impl<'de> Visitor<'de> for OctetsVisitor {
    type Value = Octets;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, bytes, or an object with `hex` or `bytes`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Octets, E> {
        Ok(Octets::from(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Octets, E> {
        Ok(Octets::from(v))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Octets, E> {
        Ok(Octets(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Octets, A::Error> {
        let mut out = Vec::new();
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(Octets(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Octets, A::Error> {
        let mut text = None;
        let mut bytes = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "hex" => {
                    let hex: String = map.next_value()?;
                    bytes = Some(
                        from_hex(&hex)
                            .ok_or_else(|| de::Error::custom("`hex` is not valid hex"))?,
                    );
                }
                "bytes" => bytes = Some(map.next_value::<Octets>()?.0),
                "text" => text = Some(map.next_value::<String>()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        match (bytes, text) {
            (Some(b), _) => Ok(Octets(b)),
            (None, Some(t)) => Ok(Octets::from(t.as_str())),
            (None, None) => Err(de::Error::custom("expected `hex`, `bytes` or `text`")),
        }
    }
}

/// Bytes always serialized as lower-case hex (for raw frame and block bytes,
/// where a viewer needs bytes, not text).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct HexBytes(pub Vec<u8>);

impl fmt::Debug for HexBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_hex(&self.0))
    }
}

impl Serialize for HexBytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_hex(&self.0))
    }
}

/// Serialize raw bytes with the [`Octets`] schema.
pub fn serialize_octets<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serializer.serialize_str(text),
        Err(_) => {
            // JSON gets hex; binary serializers (the JS binding) get bytes.
            let human = serializer.is_human_readable();
            let mut s = serializer.serialize_struct("Octets", 2)?;
            s.serialize_field("text", &escape_bytes(bytes))?;
            if human {
                s.serialize_field("hex", &to_hex(bytes))?;
            } else {
                s.serialize_field("bytes", &BytesRef(bytes))?;
            }
            s.end()
        }
    }
}

struct BytesRef<'a>(&'a [u8]);

impl Serialize for BytesRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

/// Text for people: UTF-8 when valid, else [`escape_bytes`].
pub fn display_bytes(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(escape_bytes(bytes)),
    }
}

/// Escapes bytes that are not valid UTF-8 as `\xNN`, keeping valid UTF-8
/// runs as text and writing a backslash as `\\`, so the escaped form is
/// unambiguous.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            push_hex_escape(&mut out, *b);
        }
    }
    out
}

fn push_hex_escape(out: &mut String, b: u8) {
    out.push_str("\\x");
    push_hex_byte(out, b);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_hex_byte(out: &mut String, b: u8) {
    let digit = |n: u8| char::from(HEX.get(usize::from(n & 0x0f)).copied().unwrap_or(b'0'));
    out.push(digit(b >> 4));
    out.push(digit(b));
}

/// Lower-case hex, two digits per byte.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        push_hex_byte(&mut out, *b);
    }
    out
}

/// Parses hex (upper or lower case, no separators). `None` when the text has
/// an odd length or a non-hex digit.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some((hex_value(*hi)? << 4) | hex_value(*lo)?),
            _ => None,
        })
        .collect()
}

/// The value of one hex digit (either case).
pub fn hex_value(d: u8) -> Option<u8> {
    match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_serializes_as_plain_string() {
        let json = serde_json::to_string(&Octets::from("caf\u{e9}")).unwrap();
        assert_eq!(json, "\"caf\u{e9}\"");
    }

    #[test]
    fn non_utf8_keeps_every_byte() {
        let o = Octets::new(vec![0x00, b'a', 0xff, b'\\']);
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["hex"], "0061ff5c");
        assert_eq!(json["text"], "\u{0}a\\xff\\\\");
    }

    #[test]
    fn reads_back_what_it_writes() {
        for bytes in [b"plain".to_vec(), vec![0, 0xff, b'\\', 0x80]] {
            let o = Octets(bytes);
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(serde_json::from_str::<Octets>(&json).unwrap(), o);
        }
        let arr: Octets = serde_json::from_str("[1,2,255]").unwrap();
        assert_eq!(arr.as_bytes(), &[1, 2, 255]);
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(from_hex("00Ff7a").unwrap(), vec![0, 255, 0x7a]);
        assert_eq!(to_hex(&[0, 255, 0x7a]), "00ff7a");
        assert!(from_hex("abc").is_none());
        assert!(from_hex("zz").is_none());
    }
}
