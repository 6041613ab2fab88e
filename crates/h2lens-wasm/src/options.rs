//! The options of `decode()` and `new Decoder()`, from JS.

use h2lens::config::HeaderFields;
use h2lens::conn::ConnEvent;
use h2lens::inspect::{EventKind, InputFormat, Options, Shard};
use h2lens::Config;
use serde::de::IgnoredAny;
use serde::Deserialize;
use wasm_bindgen::{JsError, JsValue};

use crate::convert;

/// What JS passes (camelCase names; `config` keeps the core's snake_case
/// field names, as in `defaultConfig()`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct JsOptions {
    format: Option<InputFormat>,
    grpc: Option<bool>,
    decode_raw: Option<bool>,
    /// Read separately (it must be a `Uint8Array`).
    protoset: Option<IgnoredAny>,
    /// Read separately: a TLS key log (`SSLKEYLOGFILE`), `Uint8Array`.
    keylog: Option<IgnoredAny>,
    config: Option<Config>,
    collect: bool,
    har: bool,
    events: Option<JsEventFilter>,
    /// `{ index, count }`: decode only connection `n` where `n % count ==
    /// index` (a worker pool runs one per shard, see `Shard`).
    shard: Option<Shard>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct JsEventFilter {
    include: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
}

/// Decoding options, parsed.
pub struct DecodeOptions {
    pub core: Options,
    /// A HAR log is wanted (implies `core.collect`).
    pub har: bool,
    pub filter: EventFilter,
}

impl DecodeOptions {
    pub fn from_js(function: &str, value: JsValue) -> Result<DecodeOptions, JsError> {
        let protoset = convert::get(&value, "protoset");
        let keylog = convert::get(&value, "keylog");
        let js: JsOptions = convert::from_js_object(function, "options", value)?;
        let protoset = if protoset.is_undefined() || protoset.is_null() {
            None
        } else {
            Some(convert::bytes_arg(function, "options.protoset", protoset)?)
        };
        let keylog = if keylog.is_undefined() || keylog.is_null() {
            None
        } else {
            Some(convert::bytes_arg(function, "options.keylog", keylog)?)
        };
        let filter = match js.events {
            None => EventFilter::all(),
            Some(f) => EventFilter::new(function, f.include, f.exclude)?,
        };
        let shard = js.shard.unwrap_or_default();
        if shard.count == 0 || shard.index >= shard.count {
            return Err(JsError::new(&format!(
                "{function}: options.shard must have 0 <= index < count, got index {} and count {}",
                shard.index, shard.count
            )));
        }
        let mut config = js.config.unwrap_or_default();
        // Events nobody receives are not built: the core counts header
        // fields instead of listing them, and counts frames, blocks and
        // exchanges instead of making their events, exactly as the CLI's
        // `summary` does (the core overrides all of it when gRPC calls or
        // exchanges are collected).
        if !filter.accepts_tag("header_block") {
            config.output.header_fields = HeaderFields::Count;
            config.output.block_events = false;
        }
        if !filter.accepts_tag("frame") {
            config.output.frame_events = false;
        }
        if !filter.accepts_tag("exchange") {
            config.output.exchange_events = false;
        }
        Ok(DecodeOptions {
            core: Options {
                config,
                format: js.format,
                grpc: js.grpc.unwrap_or(true),
                decode_raw: js.decode_raw.unwrap_or(true),
                protoset,
                keylog,
                collect: js.collect || js.har,
                shard,
            },
            har: js.har,
            filter,
        })
    }
}

/// Every `event` tag of the event stream, as serialized by
/// `inspect::EventKind` and `conn::ConnEvent`.
pub const EVENT_TAGS: [&str; 17] = [
    "input",
    "connection",
    "connection_end",
    "notice",
    "grpc_call",
    "tap_exchange",
    "summary",
    "protocol",
    "frame",
    "header_block",
    "http1",
    "settings",
    "exchange",
    "ping_rtt",
    "stalled",
    "skipped",
    "diagnostic",
];

/// The `event` tag of an event (its position in [`EVENT_TAGS`]).
fn tag_index(kind: &EventKind) -> usize {
    match kind {
        EventKind::Input(_) => 0,
        EventKind::Connection(_) => 1,
        EventKind::ConnectionEnd(_) => 2,
        EventKind::Notice(_) => 3,
        EventKind::GrpcCall(_) => 4,
        EventKind::TapExchange(_) => 5,
        EventKind::Summary(_) => 6,
        EventKind::Conn(c) => match c {
            ConnEvent::Protocol(_) => 7,
            ConnEvent::Frame(_) => 8,
            ConnEvent::HeaderBlock(_) => 9,
            ConnEvent::Http1(_) => 10,
            ConnEvent::Settings(_) => 11,
            ConnEvent::Exchange(_) => 12,
            ConnEvent::PingRtt(_) => 13,
            ConnEvent::Stalled(_) => 14,
            ConnEvent::Skipped(_) => 15,
            ConnEvent::Diagnostic(_) => 16,
        },
    }
}

/// Which events cross to JS. Filtering happens before conversion, so
/// events nobody wants cost no JS objects (the summary still counts them).
#[derive(Clone, Copy, Debug)]
pub struct EventFilter {
    keep: [bool; EVENT_TAGS.len()],
}

impl EventFilter {
    pub fn all() -> EventFilter {
        EventFilter {
            keep: [true; EVENT_TAGS.len()],
        }
    }

    fn new(
        function: &str,
        include: Option<Vec<String>>,
        exclude: Option<Vec<String>>,
    ) -> Result<EventFilter, JsError> {
        let lookup = |name: &str| {
            tag_position(name).ok_or_else(|| {
                JsError::new(&format!(
                    "{function}: unknown event type {} in options.events (known: {})",
                    crate::convert::quoted(name),
                    EVENT_TAGS.join(", ")
                ))
            })
        };
        let mut keep = [include.is_none(); EVENT_TAGS.len()];
        for name in include.iter().flatten() {
            if let Some(k) = keep.get_mut(lookup(name)?) {
                *k = true;
            }
        }
        for name in exclude.iter().flatten() {
            if let Some(k) = keep.get_mut(lookup(name)?) {
                *k = false;
            }
        }
        Ok(EventFilter { keep })
    }

    pub fn accepts(&self, kind: &EventKind) -> bool {
        self.keep.get(tag_index(kind)).copied().unwrap_or(true)
    }

    /// Whether events tagged `tag` (one of [`EVENT_TAGS`]) pass.
    fn accepts_tag(&self, tag: &str) -> bool {
        tag_position(tag)
            .and_then(|i| self.keep.get(i).copied())
            .unwrap_or(true)
    }
}

/// Where `tag` is in [`EVENT_TAGS`].
fn tag_position(tag: &str) -> Option<usize> {
    EVENT_TAGS.iter().position(|t| *t == tag)
}
