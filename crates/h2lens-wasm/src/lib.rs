//! WebAssembly binding of h2lens: convert in, call the core, convert out.
//!
//! Every export is a few lines: arguments arrive as `JsValue` and are checked
//! here (a wrong type throws a JS `Error` instead of being reinterpreted),
//! the core does the work, and results cross back through one serializer
//! (`convert::to_js`, the CLI's JSON) so JS sees the same schema as the
//! CLI's `--json` output. No decoding happens here.
//!
//! - [`decode()`] and [`Decoder`]: the whole pipeline (`h2lens::inspect`);
//! - [`hpack`]: `hpackDecode`, `HpackDecoder`, `hpackEncode`, `HpackEncoder`;
//! - [`tools`]: `groupMetadata`, `parseTap`, `diffHeaders`, `pairExchanges`.
#![forbid(unsafe_code)]
// A panic in WASM kills the page's module instance: same rules as the core.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod columns;
mod convert;
mod decode;
pub mod hpack;
mod options;
pub mod tools;

pub use decode::{decode, Decoder};

use h2lens::{Config, Octets};
use wasm_bindgen::prelude::*;

/// Installs the panic hook when the module is instantiated (a safety net:
/// the core is written not to panic at all).
#[cfg(feature = "console_error_panic_hook")]
#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// The h2lens version this module was built from, e.g. `"0.1.0"`.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The default limits of every layer, as a plain object.
#[wasm_bindgen(js_name = defaultConfig)]
pub fn default_config() -> Result<JsValue, JsError> {
    convert::to_js(&Config::default())
}

/// A complete config: `overrides` (a partial object, or `undefined`) merged
/// over the defaults. Throws when `overrides` is not an object or a field has
/// the wrong type.
#[wasm_bindgen]
pub fn config(overrides: JsValue) -> Result<JsValue, JsError> {
    let config: Config = convert::from_js_object("config", "overrides", overrides)?;
    convert::to_js(&config)
}

/// Bytes as the core reports them ([`h2lens::Octets`]): a string when they
/// are valid UTF-8, else `{ text, hex }`. Throws unless given a `Uint8Array`.
#[wasm_bindgen]
pub fn octets(bytes: JsValue) -> Result<JsValue, JsError> {
    let bytes = convert::bytes_arg("octets", "bytes", bytes)?;
    convert::to_js(&Octets::new(bytes))
}

/// Every `event` tag the event stream can carry, for `options.events`.
#[wasm_bindgen(js_name = eventTypes)]
pub fn event_types() -> Vec<String> {
    options::EVENT_TAGS
        .iter()
        .map(|t| (*t).to_owned())
        .collect()
}
