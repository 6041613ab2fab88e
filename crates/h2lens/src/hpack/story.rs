//! The hpack-test-case "story" JSON format (also nghttp2's `inflatehd` and
//! `deflatehd`), and running a whole story through a decoder or encoder.
//!
//! ```json
//! {"description": "...",
//!  "cases": [{"seqno": 0, "header_table_size": 4096, "wire": "8286...",
//!             "headers": [{":method": "GET"}, ...]}]}
//! ```
//!
//! `header_table_size` (absent or `null`: unchanged, 4096 at first) is the
//! SETTINGS_HEADER_TABLE_SIZE acknowledged just before the case. Headers are
//! one-key objects, in wire order. A value that is not UTF-8 is written in
//! the [`Octets`] form (`{"text": .., "hex": ..}`) and read back from it; a
//! name that is not UTF-8 becomes its escaped text (see
//! [`crate::octets::escape_bytes`]).

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::HpackLimits;
use crate::octets::{escape_bytes, from_hex, to_hex, Octets};

use super::decoder::Decoder;
use super::encoder::{Encoder, EncoderOptions};

/// One story: a sequence of header blocks sharing one compression context.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Story {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// raw-data stories say whether they hold requests or responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    pub cases: Vec<Case>,
}

/// One header block of a story.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seqno: Option<u64>,
    /// SETTINGS_HEADER_TABLE_SIZE acknowledged just before this case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_table_size: Option<u32>,
    /// The header block, in hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire: Option<String>,
    #[serde(default)]
    pub headers: Vec<Header>,
    /// The dynamic table's size (§4.1) after this case, when decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_table_size: Option<u32>,
    /// Why this case could not be decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<CaseError>,
}

/// A case that failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseError {
    pub message: String,
    /// Byte offset within the case's header block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    /// Stable id (`hpack.*`) when the decoder reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// One header, written as a one-key object `{"name": "value"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub name: Octets,
    pub value: Octets,
}

impl Header {
    pub fn new(name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> Header {
        Header {
            name: Octets::new(name),
            value: Octets::new(value),
        }
    }
}

impl Serialize for Header {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        let name = match self.name.as_str() {
            Some(s) => s.to_owned(),
            None => escape_bytes(self.name.as_bytes()),
        };
        map.serialize_entry(&name, &self.value)?;
        map.end()
    }
}

/// A value: a string, or the [`Octets`] object form (`hex` wins).
#[derive(Deserialize)]
#[serde(untagged)]
enum ValueRepr {
    Text(String),
    Octets {
        #[serde(default)]
        hex: Option<String>,
        #[serde(default)]
        text: Option<String>,
    },
}

impl<'de> Deserialize<'de> for Header {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Header, D::Error> {
        struct HeaderVisitor;
        impl<'de> Visitor<'de> for HeaderVisitor {
            type Value = Header;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a one-key object {\"name\": \"value\"}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Header, A::Error> {
                let Some((name, value)) = map.next_entry::<String, ValueRepr>()? else {
                    return Err(de::Error::custom("empty header object"));
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom(
                        "a header object must have exactly one key",
                    ));
                }
                let value = match value {
                    ValueRepr::Text(s) => s.into_bytes(),
                    ValueRepr::Octets { hex: Some(h), .. } => from_hex(&h).ok_or_else(|| {
                        de::Error::custom(format!("bad hex in header value: {h}"))
                    })?,
                    ValueRepr::Octets {
                        hex: None,
                        text: Some(t),
                    } => t.into_bytes(),
                    ValueRepr::Octets { .. } => {
                        return Err(de::Error::custom("header value object without hex"))
                    }
                };
                Ok(Header {
                    name: Octets::new(name.into_bytes()),
                    value: Octets::new(value),
                })
            }
        }
        deserializer.deserialize_map(HeaderVisitor)
    }
}

/// Decodes every case of `story` in order with one decoder, honouring
/// `header_table_size`, and returns the story with `headers`,
/// `dynamic_table_size` and (for failed cases) `error` filled in. Cases
/// after a failure are still decoded, with the desynchronised table.
pub fn inflate(story: &Story, limits: &HpackLimits) -> Story {
    let mut decoder = Decoder::new(limits);
    let mut out = story.clone();
    for case in &mut out.cases {
        if let Some(size) = case.header_table_size {
            let _ = decoder.set_settings_table_size(size);
        }
        case.headers.clear();
        case.error = None;
        let Some(wire) = case.wire.as_deref() else {
            case.error = Some(CaseError {
                message: "case has no \"wire\"".into(),
                offset: None,
                code: None,
            });
            continue;
        };
        let Some(bytes) = from_hex(wire) else {
            case.error = Some(CaseError {
                message: "\"wire\" is not valid hex".into(),
                offset: None,
                code: None,
            });
            continue;
        };
        let block = decoder.decode(&bytes);
        case.headers = block
            .fields
            .into_iter()
            .map(|f| Header {
                name: f.name,
                value: f.value,
            })
            .collect();
        case.dynamic_table_size = Some(block.table.size);
        if let Some(err) = block.error {
            case.error = Some(CaseError {
                message: err.kind.to_string(),
                offset: Some(err.offset),
                code: Some(err.kind.code().to_owned()),
            });
        } else if let Some(d) = block.diagnostics.first() {
            // Non-fatal findings (a missing size update) still mark the case.
            case.error = Some(CaseError {
                message: d.message.clone(),
                offset: d.offset.and_then(|o| u32::try_from(o).ok()),
                code: Some(d.code.to_owned()),
            });
        }
    }
    out
}

/// Encodes every case's `headers` in order with one encoder and returns the
/// story with `wire` (and `seqno`) filled in. A case's
/// `header_table_size`, when present, makes the encoder use that table
/// size from that case on (capped by `max_table_size` when given).
pub fn deflate(story: &Story, options: &EncoderOptions, max_table_size: Option<u32>) -> Story {
    let mut encoder = Encoder::new(options.clone());
    let mut out = story.clone();
    let mut current = options.table_size;
    for (i, case) in out.cases.iter_mut().enumerate() {
        if let Some(settings) = case.header_table_size {
            let size = max_table_size.map_or(settings, |m| m.min(settings));
            if size != current {
                encoder.set_table_size(size);
                current = size;
            }
        }
        let headers: Vec<(&[u8], &[u8])> = case
            .headers
            .iter()
            .map(|h| (h.name.as_bytes(), h.value.as_bytes()))
            .collect();
        case.wire = Some(to_hex(&encoder.encode(&headers)));
        case.seqno = Some(i as u64);
        case.dynamic_table_size = None;
        case.error = None;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_json_round_trip() {
        let h = Header::new(b"x-bin".to_vec(), vec![0xff, b'a']);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, r#"{"x-bin":{"text":"\\xffa","hex":"ff61"}}"#);
        let back: Header = serde_json::from_str(&json).unwrap();
        assert_eq!(back, h);
        let plain: Header = serde_json::from_str(r#"{":path":"/"}"#).unwrap();
        assert_eq!(plain, Header::new(":path", "/"));
        assert!(serde_json::from_str::<Header>(r#"{"a":"b","c":"d"}"#).is_err());
        assert!(serde_json::from_str::<Header>(r#"{}"#).is_err());
    }

    #[test]
    fn null_table_size_means_unchanged() {
        let story: Story = serde_json::from_str(
            r#"{"cases":[{"seqno":0,"header_table_size":null,"wire":"82","headers":[]}]}"#,
        )
        .unwrap();
        assert_eq!(story.cases[0].header_table_size, None);
        let out = inflate(&story, &HpackLimits::default());
        assert_eq!(out.cases[0].headers, vec![Header::new(":method", "GET")]);
        assert_eq!(out.cases[0].error, None);
    }
}
