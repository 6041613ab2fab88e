//! The whole pipeline (`h2lens::inspect::Inspector`): `decode()` for a file
//! in memory, `Decoder` for streaming.

use h2lens::har::Har;
use h2lens::inspect::{Event, Inspector};
use wasm_bindgen::prelude::*;

use crate::columns::Columns;
use crate::convert;
use crate::options::{DecodeOptions, EventFilter};

/// Decodes a whole input (a capture, a tap stream or raw HTTP/2 bytes).
///
/// Malformed input never throws: it becomes diagnostics in the events.
/// Only a wrong argument (not a `Uint8Array`, bad options) throws.
#[wasm_bindgen]
pub fn decode(bytes: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    let bytes = convert::bytes_arg("decode", "bytes", bytes)?;
    let options = DecodeOptions::from_js("decode", options)?;
    let collect = options.core.collect;
    let mut inspector = Inspector::new(options.core);
    inspector.push(&bytes);
    drop(bytes);
    inspector.finish();
    let mut buf = Vec::new();
    let mut events = Vec::new();
    inspector.drain(&mut events);
    events.retain(|e| options.filter.accepts(&e.kind));
    // { events, summary, exchanges?, har? }, the big arrays in batches.
    let report = convert::parse_json(r#"{"events":[],"summary":null}"#)?;
    convert::set(
        &report,
        "events",
        &convert::events_to_js(&mut buf, &events)?,
    )?;
    drop(events);
    convert::set(&report, "summary", &convert::to_js(inspector.summary())?)?;
    if collect {
        let exchanges = convert::array_to_js(&mut buf, inspector.exchanges())?;
        convert::set(&report, "exchanges", &exchanges)?;
    }
    if options.har {
        convert::set(&report, "har", &har_to_js(&mut buf, inspector.har())?)?;
    }
    Ok(report)
}

/// A HAR log for JS, its entries in batches.
fn har_to_js(buf: &mut Vec<u8>, mut har: Har) -> Result<JsValue, JsError> {
    let entries = std::mem::take(&mut har.log.entries);
    let out = convert::to_js(&har)?;
    let log = js_sys::Reflect::get(&out, &JsValue::from_str("log"))
        .map_err(|_| JsError::new("h2lens: cannot build the HAR log"))?;
    convert::set(&log, "entries", &convert::array_to_js(buf, &entries)?)?;
    Ok(out)
}

/// A streaming decoder: push chunks as they arrive, drain events as they
/// come. Results do not depend on how the input is cut into chunks.
#[wasm_bindgen]
pub struct Decoder {
    inspector: Inspector,
    filter: EventFilter,
    collect: bool,
    finished: bool,
    /// Reused JSON buffer for `drain`.
    buf: Vec<u8>,
    /// `drainColumns`' string table (strings cross once) and row buffers.
    columns: Columns,
}

#[wasm_bindgen]
impl Decoder {
    /// Options as for `decode()`; `har: true` (or `collect: true`) keeps
    /// every exchange for `exchanges()` and `har()`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Decoder, JsError> {
        let options = DecodeOptions::from_js("new Decoder", options)?;
        let collect = options.core.collect;
        Ok(Decoder {
            inspector: Inspector::new(options.core),
            filter: options.filter,
            collect,
            finished: false,
            buf: Vec::new(),
            columns: Columns::default(),
        })
    }

    /// Feeds the next bytes of the input. Throws after `finish()` or when
    /// `chunk` is not a `Uint8Array`.
    pub fn push(&mut self, chunk: JsValue) -> Result<(), JsError> {
        if self.finished {
            return Err(JsError::new(
                "Decoder.push: the decoder is finished; create a new Decoder for another input",
            ));
        }
        let chunk = convert::bytes_arg("Decoder.push", "chunk", chunk)?;
        self.inspector.push(&chunk);
        Ok(())
    }

    /// Ends the input: flushes what is buffered (incomplete frames and
    /// connections are reported) and queues the final `summary` event.
    /// Calling it again does nothing.
    pub fn finish(&mut self) {
        self.finished = true;
        self.inspector.finish();
    }

    /// Whether `finish()` was called.
    #[wasm_bindgen(getter)]
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// The events decoded so far and not yet drained, in order, as one
    /// array (at most `max` of them when given).
    pub fn drain(&mut self, max: JsValue) -> Result<JsValue, JsError> {
        let events = self.take("Decoder.drain", &max, None)?;
        let out = convert::events_to_js(&mut self.buf, &events);
        self.trim_buffer();
        Ok(out?.into())
    }

    /// Like `drain()`, but as JSON Lines text: one event per line, each
    /// line ending in `\n`, byte for byte what `h2lens … --json` prints
    /// for the event. Cheaper than objects when the events are forwarded
    /// (to a file, or from a worker) rather than inspected; `""` when none
    /// are pending.
    #[wasm_bindgen(js_name = drainJson)]
    pub fn drain_json(&mut self, max: JsValue) -> Result<JsValue, JsError> {
        let events = self.take("Decoder.drainJson", &max, None)?;
        convert::write_json_lines(&mut self.buf, &events)?;
        let out = convert::str_from_json_bytes(&self.buf).map(JsValue::from_str);
        self.trim_buffer();
        out
    }

    /// Like `drainJson()`, as UTF-8 bytes: for writing to a file or socket,
    /// or transferring out of a worker, without building a JS string.
    #[wasm_bindgen(js_name = drainJsonBytes)]
    pub fn drain_json_bytes(&mut self, max: JsValue) -> Result<Vec<u8>, JsError> {
        let events = self.take("Decoder.drainJsonBytes", &max, None)?;
        convert::write_json_lines(&mut self.buf, &events)?;
        let out = self.buf.clone();
        self.trim_buffer();
        Ok(out)
    }

    /// Like `drainJsonBytes()`, but header blocks, frames and exchanges of
    /// the common shapes come as rows of numbers with strings interned,
    /// the rest as JSON lines: a binary batch for a viewer that keeps
    /// millions of events (the inspector reads it with its `columns.ts`).
    /// The format is internal to h2lens and may change with any version.
    #[wasm_bindgen(js_name = drainColumns)]
    pub fn drain_columns(&mut self, max: JsValue) -> Result<Vec<u8>, JsError> {
        let events = self.take("Decoder.drainColumns", &max, None)?;
        self.columns.batch(&events)
    }

    /// Like `drain()`, with each event's position in the input, for
    /// merging the events of decoders that each decode one shard
    /// (`options.shard`) of the same input: `{ events, keys, position }`,
    /// `keys` a `Float64Array` (one per event, never decreasing) and
    /// `position` the lowest key any later event can have. Sorting the
    /// shards' events by key, each shard's in its own order, gives the
    /// events of one decoder (`Inspector::next_event_keyed`).
    #[wasm_bindgen(js_name = drainKeyed)]
    pub fn drain_keyed(&mut self, max: JsValue) -> Result<JsValue, JsError> {
        let mut keys = Vec::new();
        let events = self.take("Decoder.drainKeyed", &max, Some(&mut keys))?;
        let out = convert::parse_json(r#"{"events":[],"keys":null,"position":0}"#)?;
        convert::set(
            &out,
            "events",
            &convert::events_to_js(&mut self.buf, &events)?,
        )?;
        convert::set(&out, "keys", &js_sys::Float64Array::from(keys.as_slice()))?;
        let position = JsValue::from_f64(self.inspector.position() as f64);
        convert::set(&out, "position", &position)?;
        self.trim_buffer();
        Ok(out)
    }

    /// Totals so far (complete after `finish()`).
    pub fn summary(&self) -> Result<JsValue, JsError> {
        convert::to_js(self.inspector.summary())
    }

    /// Every exchange completed so far with its header lists (needs
    /// `collect: true` or `har: true`).
    pub fn exchanges(&mut self) -> Result<JsValue, JsError> {
        self.require_collect("exchanges")?;
        Ok(convert::array_to_js(&mut self.buf, self.inspector.exchanges())?.into())
    }

    /// The exchanges as a HAR 1.2 log (needs `collect: true` or
    /// `har: true`).
    pub fn har(&mut self) -> Result<JsValue, JsError> {
        self.require_collect("har")?;
        har_to_js(&mut self.buf, self.inspector.har())
    }

    /// Pending events that pass the filter, at most `max`.
    /// The pending events the filter accepts (at most `max`), and with
    /// `keys`, their positions in the input.
    fn take(
        &mut self,
        function: &str,
        max: &JsValue,
        mut keys: Option<&mut Vec<f64>>,
    ) -> Result<Vec<Event>, JsError> {
        let max = convert::opt_u32_arg(function, "max", max)?.map_or(usize::MAX, |m| m as usize);
        let mut events = Vec::new();
        while events.len() < max {
            match self.inspector.next_event_keyed() {
                Some((key, event)) if self.filter.accepts(&event.kind) => {
                    if let Some(keys) = keys.as_deref_mut() {
                        keys.push(key as f64);
                    }
                    events.push(event);
                }
                Some(_) => {}
                None => break,
            }
        }
        Ok(events)
    }

    /// Does not keep a huge buffer after an unusually large batch.
    fn trim_buffer(&mut self) {
        if self.buf.capacity() > 16 << 20 {
            self.buf = Vec::new();
        }
    }

    fn require_collect(&self, method: &str) -> Result<(), JsError> {
        if self.collect {
            Ok(())
        } else {
            Err(JsError::new(&format!(
                "Decoder.{method}: exchanges are kept only when the Decoder is created with `collect: true` (or `har: true`)"
            )))
        }
    }
}
