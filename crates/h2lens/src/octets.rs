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
///
/// Most header names and values are short, so up to [`Octets::INLINE`]
/// bytes are kept in place without allocating; the HPACK static table's
/// names and values are referenced, not copied; longer strings live on the
/// heap. Comparison, ordering, hashing and serialization depend only on the
/// bytes, never on where they are kept.
#[derive(Clone)]
pub struct Octets(Repr);

#[derive(Clone)]
enum Repr {
    /// `buf[..len]`.
    Inline {
        len: u8,
        buf: [u8; Octets::INLINE],
    },
    Static(&'static [u8]),
    Heap(Vec<u8>),
}

impl Octets {
    /// Bytes kept in place (the size of an `Octets` is 32 bytes). 30 holds
    /// about 90 % of the names and values of the hpack-test-case corpus,
    /// HTTP dates (29 bytes) included.
    pub const INLINE: usize = 30;

    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Octets(Repr::Heap(bytes.into()))
    }

    /// Copies `bytes` (in place when they are short).
    #[inline]
    pub fn copy_from(bytes: &[u8]) -> Self {
        if bytes.len() <= Self::INLINE {
            let mut buf = [0u8; Self::INLINE];
            if let Some(dst) = buf.get_mut(..bytes.len()) {
                dst.copy_from_slice(bytes);
            }
            Octets(Repr::Inline {
                len: bytes.len() as u8,
                buf,
            })
        } else {
            Octets(Repr::Heap(bytes.to_vec()))
        }
    }

    /// Refers to bytes that live for the whole program (no copy).
    #[inline]
    pub const fn from_static(bytes: &'static [u8]) -> Self {
        Octets(Repr::Static(bytes))
    }

    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => buf.get(..usize::from(*len)).unwrap_or_default(),
            Repr::Static(b) => b,
            Repr::Heap(v) => v,
        }
    }

    /// The bytes as a `Vec` (no copy when they are on the heap).
    pub fn into_vec(self) -> Vec<u8> {
        match self.0 {
            Repr::Heap(v) => v,
            _ => self.as_bytes().to_vec(),
        }
    }

    /// Appends bytes (moving them to the heap when they no longer fit in
    /// place).
    pub fn extend_from_slice(&mut self, more: &[u8]) {
        match &mut self.0 {
            Repr::Heap(v) => v.extend_from_slice(more),
            Repr::Inline { len, buf } if usize::from(*len) + more.len() <= Self::INLINE => {
                let at = usize::from(*len);
                if let Some(dst) = buf.get_mut(at..at + more.len()) {
                    dst.copy_from_slice(more);
                    *len += more.len() as u8;
                }
            }
            _ => {
                let mut v = Vec::with_capacity(self.len() + more.len());
                v.extend_from_slice(self.as_bytes());
                v.extend_from_slice(more);
                self.0 = Repr::Heap(v);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }

    /// The UTF-8 text, when the bytes are valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }

    /// Text for people: the UTF-8 text when valid, else an escaped form
    /// (see [`escape_bytes`]).
    pub fn display(&self) -> Cow<'_, str> {
        display_bytes(self.as_bytes())
    }

    pub fn to_hex(&self) -> String {
        to_hex(self.as_bytes())
    }
}

impl Default for Octets {
    fn default() -> Self {
        Octets::from_static(b"")
    }
}

impl std::ops::Deref for Octets {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for Octets {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl std::borrow::Borrow<[u8]> for Octets {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for Octets {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Octets {}

impl PartialOrd for Octets {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Octets {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl std::hash::Hash for Octets {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state)
    }
}

impl From<&[u8]> for Octets {
    fn from(b: &[u8]) -> Self {
        Octets::copy_from(b)
    }
}

impl From<Vec<u8>> for Octets {
    fn from(b: Vec<u8>) -> Self {
        Octets(Repr::Heap(b))
    }
}

impl From<&str> for Octets {
    fn from(s: &str) -> Self {
        Octets::copy_from(s.as_bytes())
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
        serialize_octets(self.as_bytes(), serializer)
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
        Ok(Octets::from(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Octets, A::Error> {
        let mut out = Vec::new();
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(Octets::from(out))
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
                "bytes" => bytes = Some(map.next_value::<Octets>()?.into_vec()),
                "text" => text = Some(map.next_value::<String>()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        match (bytes, text) {
            (Some(b), _) => Ok(Octets::from(b)),
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

/// Whether `mark` marks a byte of `bytes`, looked at eight bytes at a time
/// (header names and values are short: a per-byte loop costs more than the
/// test). `mark` gets little-endian words of eight bytes and returns a word
/// that is non-zero when one of its bytes is one it looks for. Words may
/// overlap (the last eight bytes, or the first and last four), as a byte
/// looked at twice changes nothing; fewer than four bytes are padded with
/// `a`, which `mark` must not mark.
#[inline]
pub fn any_byte_marked(bytes: &[u8], mark: impl Fn(u64) -> u64) -> bool {
    let found = if let Some(last) = bytes.last_chunk::<8>() {
        // (`first_chunk` of an 8-byte chunk: a word without a copy or a
        // check that could fail.)
        bytes
            .chunks_exact(8)
            .filter_map(<[u8]>::first_chunk::<8>)
            .fold(mark(u64::from_le_bytes(*last)), |found, word| {
                found | mark(u64::from_le_bytes(*word))
            })
    } else if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        let word =
            u64::from(u32::from_le_bytes(*first)) | u64::from(u32::from_le_bytes(*last)) << 32;
        mark(word)
    } else {
        let word = bytes
            .iter()
            .enumerate()
            .fold(u64::from_ne_bytes([b'a'; 8]), |w, (i, &b)| {
                w & !(0xff << (8 * i)) | u64::from(b) << (8 * i)
            });
        mark(word)
    };
    found != 0
}

/// For [`any_byte_marked`]: the high bit of each byte of `x` (eight bytes
/// in a word) that lies in `lo..=hi`, a range of ASCII (`hi` at most
/// 0x7f); the other bits clear. Exact per byte: the bytes are masked to 7
/// bits first, so no sum carries into the next byte (0x7f + 0x80 < 0x100),
/// and bytes of 0x80 and above are then left out by `!x`.
#[inline(always)]
pub fn ascii_bytes_in(x: u64, lo: u8, hi: u8) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const LOW7: u64 = ONES * 0x7f;
    const HIGH: u64 = ONES * 0x80;
    let y = x & LOW7;
    // High bit set: y >= lo, and y > hi.
    let at_least_lo = y + ONES * (0x80 - u64::from(lo.min(0x7f)));
    let past_hi = y + ONES * (0x7f - u64::from(hi.min(0x7f)));
    at_least_lo & !past_hi & !x & HIGH
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

    /// Against the per-byte definition: every byte value in every lane,
    /// the other lanes holding bytes just inside and just outside the
    /// range (where a carry or borrow would show).
    #[test]
    fn ascii_bytes_in_marks_exactly_the_bytes_in_range() {
        for (lo, hi) in [
            (0u8, 0x1f),
            (b'A', b'Z'),
            (b'"', b'"'),
            (0x7f, 0x7f),
            (b'a', b'a'),
        ] {
            let fills = [
                lo,
                hi,
                lo.wrapping_sub(1),
                hi.wrapping_add(1),
                0x00,
                0x7f,
                0x80,
                0xff,
            ];
            for fill in fills {
                for lane in 0..8 {
                    for b in 0..=255u8 {
                        let mut bytes = [fill; 8];
                        if let Some(slot) = bytes.get_mut(lane) {
                            *slot = b;
                        }
                        let got = ascii_bytes_in(u64::from_le_bytes(bytes), lo, hi).to_le_bytes();
                        for (byte, mark) in bytes.iter().zip(got) {
                            let inside = (lo..=hi).contains(byte);
                            assert_eq!(
                                mark,
                                if inside { 0x80 } else { 0 },
                                "{lo:#x}..={hi:#x}: {bytes:02x?}"
                            );
                        }
                    }
                }
            }
        }
    }

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
            let o = Octets::from(bytes);
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(serde_json::from_str::<Octets>(&json).unwrap(), o);
        }
        let arr: Octets = serde_json::from_str("[1,2,255]").unwrap();
        assert_eq!(arr.as_bytes(), &[1, 2, 255]);
    }

    #[test]
    fn where_the_bytes_live_does_not_matter() {
        use std::collections::hash_map::DefaultHasher;
        use std::hash::{Hash, Hasher};
        let hash = |o: &Octets| {
            let mut h = DefaultHasher::new();
            o.hash(&mut h);
            h.finish()
        };
        let every_length: Vec<String> = (0..=Octets::INLINE + 1)
            .map(|n| (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect())
            .collect();
        for text in every_length.iter().map(String::as_str) {
            let bytes = text.as_bytes();
            let forms = [
                Octets::copy_from(bytes),
                Octets::from(bytes.to_vec()),
                Octets::from_static(Box::leak(bytes.to_vec().into_boxed_slice())),
            ];
            for o in &forms {
                assert_eq!(o.as_bytes(), bytes);
                assert_eq!(o, &forms[0]);
                assert_eq!(hash(o), hash(&forms[0]));
                assert_eq!(o.cmp(&forms[0]), std::cmp::Ordering::Equal);
                assert_eq!(
                    serde_json::to_string(o).unwrap(),
                    serde_json::to_string(&forms[0]).unwrap()
                );
            }
        }
        // Growing past the in-place limit keeps every byte.
        let mut o = Octets::copy_from(b"abc");
        let tail = vec![b'q'; Octets::INLINE];
        o.extend_from_slice(b"de");
        assert_eq!(o.as_bytes(), b"abcde");
        o.extend_from_slice(&tail);
        assert_eq!(o.len(), 5 + Octets::INLINE);
        assert!(o.as_bytes().starts_with(b"abcde") && o.as_bytes().ends_with(&tail));
        assert!(Octets::copy_from(b"a") < Octets::from(b"b".to_vec()));
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(from_hex("00Ff7a").unwrap(), vec![0, 255, 0x7a]);
        assert_eq!(to_hex(&[0, 255, 0x7a]), "00ff7a");
        assert!(from_hex("abc").is_none());
        assert!(from_hex("zz").is_none());
    }
}
