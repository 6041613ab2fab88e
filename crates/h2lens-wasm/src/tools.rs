//! Single-purpose helpers built on the core: gRPC metadata grouping, tap
//! parsing, header diffs and exchange pairing.

use h2lens::config::GrpcLimits;
use h2lens::diff::{self, PairKey};
use h2lens::grpc::Metadata;
use h2lens::inspect::Header;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::convert;

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct JsMetadataOptions {
    true_binary: bool,
}

/// Splits a header list into gRPC's view: reserved headers, user metadata
/// in wire order, and user metadata grouped by name (values in wire
/// order), with `-bin` values decoded. `fields` are `{ name, value }`
/// objects (a header block's `fields` can be passed as they are).
/// `trueBinary`: both peers allowed true-binary metadata (SETTINGS 0xfe03).
#[wasm_bindgen(js_name = groupMetadata)]
pub fn group_metadata(fields: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    let headers: Vec<Header> = convert::array_arg("groupMetadata", "fields", fields)?;
    let options: JsMetadataOptions = convert::from_js_object("groupMetadata", "options", options)?;
    let pairs: Vec<h2lens::grpc::Header> = headers.into_iter().map(|h| (h.name, h.value)).collect();
    convert::to_js(&Metadata::from_headers(&pairs, options.true_binary))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct JsTapOptions {
    limits: Option<GrpcLimits>,
}

/// Parses a whole tap input (`linkerd viz tap -o json`, the Linkerd
/// dashboard's WebSocket frames, Envoy tap traces as JSON or
/// length-delimited protobuf) into exchanges and socket traces. Malformed
/// input becomes diagnostics, never a throw.
#[wasm_bindgen(js_name = parseTap)]
pub fn parse_tap(input: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    let input = convert::bytes_or_text_arg("parseTap", "input", input)?;
    let options: JsTapOptions = convert::from_js_object("parseTap", "options", options)?;
    let limits = options.limits.unwrap_or_default();
    convert::to_js(&h2lens::tap::parse(&input, &limits))
}

/// Compares two header lists (`{ name, value }` objects): wire-order
/// changes (same, moved, changed, added, removed) and the grouped view.
#[wasm_bindgen(js_name = diffHeaders)]
pub fn diff_headers(left: JsValue, right: JsValue) -> Result<JsValue, JsError> {
    let left: Vec<Header> = convert::array_arg("diffHeaders", "left", left)?;
    let right: Vec<Header> = convert::array_arg("diffHeaders", "right", right)?;
    convert::to_js(&diff::diff_headers(&left, &right))
}

/// Pairs the exchanges of two captures (`{ path, request_headers }` each):
/// by a trace/request-id header both carry, else by path and order.
#[wasm_bindgen(js_name = pairExchanges)]
pub fn pair_exchanges(left: JsValue, right: JsValue) -> Result<JsValue, JsError> {
    let left: Vec<PairKey> = convert::array_arg("pairExchanges", "left", left)?;
    let right: Vec<PairKey> = convert::array_arg("pairExchanges", "right", right)?;
    convert::to_js(&diff::pair_exchanges(&left, &right))
}
