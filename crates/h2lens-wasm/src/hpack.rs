//! HPACK on its own (`h2lens::hpack`): explained decoding of header blocks
//! and encoding of header lists.

use h2lens::config::HpackLimits;
use h2lens::hpack::{self, EncoderOptions, HuffmanPolicy, IndexingPolicy, DEFAULT_TABLE_SIZE};
use h2lens::Octets;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::convert;

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct JsDecoderOptions {
    table_size: Option<u32>,
    limits: Option<HpackLimits>,
    table_events: Option<bool>,
}

fn new_decoder(function: &str, options: JsValue) -> Result<hpack::Decoder, JsError> {
    let js: JsDecoderOptions = convert::from_js_object(function, "options", options)?;
    let limits = js.limits.unwrap_or_default();
    let mut decoder =
        hpack::Decoder::with_table_size(&limits, js.table_size.unwrap_or(DEFAULT_TABLE_SIZE));
    decoder.set_table_events(js.table_events.unwrap_or(true));
    Ok(decoder)
}

/// Decodes one header block with a fresh decoder (empty dynamic table,
/// `tableSize` = SETTINGS_HEADER_TABLE_SIZE, default 4096). A malformed
/// block does not throw: the result's `error` says what and where.
#[wasm_bindgen(js_name = hpackDecode)]
pub fn hpack_decode(block: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    let block = convert::bytes_or_hex_arg("hpackDecode", "block", block)?;
    let mut decoder = new_decoder("hpackDecode", options)?;
    convert::to_js(&decoder.decode(&block))
}

/// An HPACK decoder whose dynamic table lasts across blocks (one direction
/// of one connection).
#[wasm_bindgen]
pub struct HpackDecoder {
    decoder: hpack::Decoder,
}

#[wasm_bindgen]
impl HpackDecoder {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<HpackDecoder, JsError> {
        Ok(HpackDecoder {
            decoder: new_decoder("new HpackDecoder", options)?,
        })
    }

    /// Decodes the next header block (a `Uint8Array` or hex).
    pub fn decode(&mut self, block: JsValue) -> Result<JsValue, JsError> {
        let block = convert::bytes_or_hex_arg("HpackDecoder.decode", "block", block)?;
        convert::to_js(&self.decoder.decode(&block))
    }

    /// The dynamic table now, newest entry first.
    pub fn table(&self) -> Result<JsValue, JsError> {
        convert::to_js(&self.decoder.table())
    }

    /// A SETTINGS_HEADER_TABLE_SIZE was acknowledged: it bounds the size
    /// updates the peer's encoder may send. Returns a diagnostic (or
    /// `null`) when the value is above the configured maximum.
    #[wasm_bindgen(js_name = setSettingsTableSize)]
    pub fn set_settings_table_size(&mut self, size: JsValue) -> Result<JsValue, JsError> {
        let size = convert::opt_u32_arg("HpackDecoder.setSettingsTableSize", "size", &size)?
            .ok_or_else(|| {
                JsError::new("HpackDecoder.setSettingsTableSize: size must be an integer from 0 to 4294967295, got undefined")
            })?;
        match self.decoder.set_settings_table_size(size) {
            Some(diagnostic) => convert::to_js(&diagnostic),
            None => Ok(JsValue::NULL),
        }
    }

    /// Header blocks decoded so far.
    #[wasm_bindgen(getter, js_name = blocksDecoded)]
    pub fn blocks_decoded(&self) -> f64 {
        // A count of calls: far below 2^53.
        self.decoder.blocks_decoded() as f64
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct JsEncoderOptions {
    huffman: Option<JsHuffman>,
    indexing: Option<JsIndexing>,
    table_size: Option<u32>,
    sensitive: Option<Vec<String>>,
    short_cookie_never_indexed: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JsHuffman {
    Always,
    Never,
    Shorter,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JsIndexing {
    Incremental,
    Without,
    Never,
}

fn encoder_options(function: &str, options: JsValue) -> Result<EncoderOptions, JsError> {
    let js: JsEncoderOptions = convert::from_js_object(function, "options", options)?;
    let defaults = EncoderOptions::default();
    Ok(EncoderOptions {
        huffman: match js.huffman {
            None => defaults.huffman,
            Some(JsHuffman::Always) => HuffmanPolicy::Always,
            Some(JsHuffman::Never) => HuffmanPolicy::Never,
            Some(JsHuffman::Shorter) => HuffmanPolicy::Shorter,
        },
        indexing: match js.indexing {
            None => defaults.indexing,
            Some(JsIndexing::Incremental) => IndexingPolicy::Incremental,
            Some(JsIndexing::Without) => IndexingPolicy::WithoutIndexing,
            Some(JsIndexing::Never) => IndexingPolicy::NeverIndexed,
        },
        sensitive_names: js.sensitive.unwrap_or(defaults.sensitive_names),
        short_cookie_never_indexed: js
            .short_cookie_never_indexed
            .map_or(defaults.short_cookie_never_indexed, |n| n as usize),
        table_size: js.table_size.unwrap_or(defaults.table_size),
    })
}

/// One header to encode: `{ name, value, sensitive? }` (other keys are
/// ignored, so decoded fields can be passed back) or `[name, value]`;
/// names and values are strings or `{ hex }` (the `Octets` forms).
#[derive(Debug)]
struct JsHeader {
    name: Octets,
    value: Octets,
    sensitive: bool,
}

impl<'de> Deserialize<'de> for JsHeader {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsHeaderVisitor)
    }
}

struct JsHeaderVisitor;

impl<'de> Visitor<'de> for JsHeaderVisitor {
    type Value = JsHeader;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a header: { name, value, sensitive? } or [name, value]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsHeader, A::Error> {
        let name = seq
            .next_element::<Octets>()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let value = seq
            .next_element::<Octets>()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(3, &self));
        }
        Ok(JsHeader {
            name,
            value,
            sensitive: false,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsHeader, A::Error> {
        let (mut name, mut value, mut sensitive) = (None, None, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = Some(map.next_value::<Octets>()?),
                "value" => value = Some(map.next_value::<Octets>()?),
                "sensitive" => sensitive = map.next_value::<Option<bool>>()?.unwrap_or(false),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(JsHeader {
            name: name.ok_or_else(|| de::Error::missing_field("name"))?,
            value: value.ok_or_else(|| de::Error::missing_field("value"))?,
            sensitive,
        })
    }
}

fn encode_with(
    encoder: &mut hpack::Encoder,
    function: &str,
    headers: JsValue,
) -> Result<Vec<u8>, JsError> {
    let headers: Vec<JsHeader> = convert::array_arg(function, "headers", headers)?;
    let mut out = Vec::new();
    let mut block = encoder.block(&mut out);
    for h in &headers {
        if h.sensitive {
            block.field_never_indexed(h.name.as_bytes(), h.value.as_bytes());
        } else {
            block.field(h.name.as_bytes(), h.value.as_bytes());
        }
    }
    Ok(out)
}

/// Encodes a header list as one block with a fresh encoder.
#[wasm_bindgen(js_name = hpackEncode)]
pub fn hpack_encode(headers: JsValue, options: JsValue) -> Result<Vec<u8>, JsError> {
    let options = encoder_options("hpackEncode", options)?;
    let mut encoder = hpack::Encoder::new(options);
    encode_with(&mut encoder, "hpackEncode", headers)
}

/// An HPACK encoder whose dynamic table lasts across blocks.
#[wasm_bindgen]
pub struct HpackEncoder {
    encoder: hpack::Encoder,
}

#[wasm_bindgen]
impl HpackEncoder {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<HpackEncoder, JsError> {
        Ok(HpackEncoder {
            encoder: hpack::Encoder::new(encoder_options("new HpackEncoder", options)?),
        })
    }

    /// Encodes the next header list as one block.
    pub fn encode(&mut self, headers: JsValue) -> Result<Vec<u8>, JsError> {
        encode_with(&mut self.encoder, "HpackEncoder.encode", headers)
    }

    /// Uses a new maximum table size from the next block on (which starts
    /// with the size update(s) RFC 7541 §4.2 requires).
    #[wasm_bindgen(js_name = setTableSize)]
    pub fn set_table_size(&mut self, size: JsValue) -> Result<(), JsError> {
        let size = convert::opt_u32_arg("HpackEncoder.setTableSize", "size", &size)?.ok_or_else(
            || {
                JsError::new(
                "HpackEncoder.setTableSize: size must be an integer from 0 to 4294967295, got undefined",
            )
            },
        )?;
        self.encoder.set_table_size(size);
        Ok(())
    }
}
