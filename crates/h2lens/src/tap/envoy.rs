//! Envoy tap traces (`envoy.data.tap.v3.TraceWrapper`, JSON with proto
//! field names): HTTP traces become exchanges, socket traces become byte
//! chunks for the HTTP/2 connection decoder.
//!
//! Field names follow `api/envoy/data/tap/v3/{wrapper,http,transport,
//! common}.proto`; older Envoys lack `seq_num`, per-event `connection` and
//! `events` batches, and all of those are optional here.

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;

use super::json::{base64_bytes, str_at, timestamp, u64_at, u64_of};
use super::model::{
    Endpoint, SocketChunk, SocketConnection, SocketEventKind, SocketTraceInfo, TapBody, TapEvent,
    TapExchange, TapFormat, TapSource,
};
use crate::diag::{Diagnostic, Layer};
use crate::grpc::headers::first_value;
use crate::grpc::Header;
use crate::octets::Octets;

pub(crate) fn classify(v: &Value) -> Option<TapFormat> {
    [
        "http_buffered_trace",
        "http_streamed_trace_segment",
        "socket_buffered_trace",
        "socket_streamed_trace_segment",
    ]
    .iter()
    .any(|k| v.get(*k).is_some())
    .then_some(TapFormat::EnvoyJson)
}

struct Streamed {
    exchange: TapExchange,
    request_headers: bool,
    response_headers: bool,
}

/// State across trace objects.
pub(crate) struct EnvoyState {
    streamed: BTreeMap<String, Streamed>,
    /// (first object, trace id) in arrival order, for evicting the oldest.
    order: VecDeque<(u64, String)>,
    /// Events seen per socket trace id (for `SocketChunk::index`).
    socket_events: BTreeMap<String, u64>,
    socket_connections: BTreeMap<String, SocketConnection>,
    max_pending: usize,
}

impl EnvoyState {
    pub(crate) fn new(max_pending: u32) -> Self {
        EnvoyState {
            streamed: BTreeMap::new(),
            order: VecDeque::new(),
            socket_events: BTreeMap::new(),
            socket_connections: BTreeMap::new(),
            max_pending: max_pending as usize,
        }
    }

    pub(crate) fn handle(&mut self, v: &Value, object: u64, offset: u64, out: &mut Vec<TapEvent>) {
        if let Some(t) = v.get("http_buffered_trace") {
            out.push(TapEvent::Exchange(Box::new(buffered(t, object, offset))));
        } else if let Some(t) = v.get("http_streamed_trace_segment") {
            self.streamed_segment(t, object, offset, out);
        } else if let Some(t) = v.get("socket_buffered_trace") {
            let id = trace_id(t);
            let connection = t.get("connection").map(connection);
            if let Some(c) = &connection {
                self.socket_connections.insert(id.clone(), c.clone());
            }
            out.push(TapEvent::SocketInfo(SocketTraceInfo {
                trace_id: id.clone(),
                connection,
                read_truncated: t
                    .get("read_truncated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                write_truncated: t
                    .get("write_truncated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            }));
            for e in t
                .get("events")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                self.socket_event(&id, e, offset, out);
            }
        } else if let Some(t) = v.get("socket_streamed_trace_segment") {
            let id = trace_id(t);
            if let Some(c) = t.get("connection") {
                let c = connection(c);
                self.socket_connections.insert(id.clone(), c.clone());
                out.push(TapEvent::SocketInfo(SocketTraceInfo {
                    trace_id: id.clone(),
                    connection: Some(c),
                    read_truncated: false,
                    write_truncated: false,
                }));
            }
            if let Some(e) = t.get("event") {
                self.socket_event(&id, e, offset, out);
            }
            // Newer Envoy batches events: `events: {events: […]}`.
            let batch = t.get("events").and_then(|e| e.get("events").or(Some(e)));
            for e in batch.and_then(Value::as_array).into_iter().flatten() {
                self.socket_event(&id, e, offset, out);
            }
        }
    }

    fn socket_event(&mut self, id: &str, e: &Value, offset: u64, out: &mut Vec<TapEvent>) {
        let counter = self.socket_events.entry(id.to_string()).or_insert(0);
        let index = *counter;
        *counter += 1;
        let (kind, part) = match (e.get("read"), e.get("write"), e.get("closed")) {
            (Some(r), None, None) => (SocketEventKind::Read, r),
            (None, Some(w), None) => (SocketEventKind::Write, w),
            (None, None, Some(c)) => (SocketEventKind::Closed, c),
            _ => {
                out.push(TapEvent::Diagnostic(
                    Diagnostic::error(
                        Layer::Tap,
                        "tap.bad_socket_event",
                        format!("socket event {index} of trace {id} is not exactly one of read / write / closed; skipped"),
                    )
                    .at(offset),
                ));
                return;
            }
        };
        let mut diags = Vec::new();
        let body = part
            .get("data")
            .map(|d| body(d, offset, &mut diags))
            .unwrap_or_default();
        for d in diags {
            out.push(TapEvent::Diagnostic(d));
        }
        out.push(TapEvent::Socket(SocketChunk {
            trace_id: id.to_string(),
            index,
            seq_num: u64_at(e, "seq_num"),
            time: e.get("timestamp").and_then(timestamp),
            kind,
            data: body.bytes,
            truncated: body.truncated,
            end_stream: part
                .get("end_stream")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            connection: e
                .get("connection")
                .map(connection)
                .or_else(|| self.socket_connections.get(id).cloned()),
        }));
    }

    fn streamed_segment(&mut self, t: &Value, object: u64, offset: u64, out: &mut Vec<TapEvent>) {
        let id = trace_id(t);
        if !self.streamed.contains_key(&id) {
            if self.streamed.len() >= self.max_pending {
                while let Some((first, old)) = self.order.pop_front() {
                    if self
                        .streamed
                        .get(&old)
                        .is_some_and(|s| s.exchange.first_object == first)
                    {
                        if let Some(s) = self.streamed.remove(&old) {
                            out.push(finish_streamed(s));
                        }
                        break;
                    }
                }
            }
            self.order.push_back((object, id.clone()));
            if self.order.len() > 2 * self.streamed.len() + 64 {
                let open = &self.streamed;
                self.order.retain(|(first, id)| {
                    open.get(id)
                        .is_some_and(|s| s.exchange.first_object == *first)
                });
            }
        }
        let s = self.streamed.entry(id.clone()).or_insert_with(|| Streamed {
            exchange: TapExchange {
                id: id.clone(),
                tool: Some(TapSource::Envoy),
                first_object: object,
                wire_order: true,
                ..TapExchange::default()
            },
            request_headers: false,
            response_headers: false,
        });
        let x = &mut s.exchange;
        let mut end = false;
        if let Some(h) = t.get("request_headers") {
            x.request_headers = header_list(h.get("headers"), offset, &mut x.diagnostics);
            s.request_headers = true;
            fill_request_line(x);
        } else if let Some(b) = t.get("request_body_chunk") {
            append_body(&mut x.request_body, body(b, offset, &mut x.diagnostics));
        } else if let Some(h) = t.get("request_trailers") {
            x.request_trailers = Some(header_list(h.get("headers"), offset, &mut x.diagnostics));
        } else if let Some(h) = t.get("response_headers") {
            x.response_headers = header_list(h.get("headers"), offset, &mut x.diagnostics);
            s.response_headers = true;
            fill_response(x);
        } else if let Some(b) = t.get("response_body_chunk") {
            append_body(&mut x.response_body, body(b, offset, &mut x.diagnostics));
        } else if let Some(h) = t.get("response_trailers") {
            x.response_trailers = Some(header_list(h.get("headers"), offset, &mut x.diagnostics));
            fill_response(x);
            end = true;
        } else {
            x.diagnostics.push(
                Diagnostic::warning(
                    Layer::Tap,
                    "tap.unknown_segment",
                    format!("a streamed segment of trace {id} carries no known piece"),
                )
                .at(offset),
            );
        }
        if end {
            if let Some(s) = self.streamed.remove(&id) {
                out.push(finish_streamed(s));
            }
        }
    }

    pub(crate) fn finish(&mut self, out: &mut Vec<TapEvent>) {
        self.order.clear();
        let mut rest: Vec<Streamed> = std::mem::take(&mut self.streamed).into_values().collect();
        rest.sort_by_key(|s| s.exchange.first_object);
        for s in rest {
            out.push(finish_streamed(s));
        }
    }
}

fn finish_streamed(s: Streamed) -> TapEvent {
    let mut x = s.exchange;
    if !s.request_headers {
        x.missing.push("request_headers");
    }
    if !s.response_headers && x.response_trailers.is_none() {
        x.missing.push("response_headers");
    }
    x.complete = x.missing.is_empty();
    if !x.complete {
        x.diagnostics.push(Diagnostic::warning(
            Layer::Tap,
            "tap.incomplete_exchange",
            format!("streamed trace {} lacks {}", x.id, x.missing.join(", ")),
        ));
    }
    TapEvent::Exchange(Box::new(x))
}

fn buffered(t: &Value, object: u64, offset: u64) -> TapExchange {
    let mut x = TapExchange {
        id: format!("buffered#{object}"),
        tool: Some(TapSource::Envoy),
        first_object: object,
        wire_order: true,
        ..TapExchange::default()
    };
    let mut missing = Vec::new();
    match t.get("request") {
        Some(r) => {
            x.request_headers = header_list(r.get("headers"), offset, &mut x.diagnostics);
            x.request_body = r.get("body").map(|b| body(b, offset, &mut x.diagnostics));
            x.request_trailers =
                non_empty(header_list(r.get("trailers"), offset, &mut x.diagnostics));
            x.request_headers_time = r.get("headers_received_time").and_then(timestamp);
        }
        None => missing.push("request"),
    }
    match t.get("response") {
        Some(r) => {
            x.response_headers = header_list(r.get("headers"), offset, &mut x.diagnostics);
            x.response_body = r.get("body").map(|b| body(b, offset, &mut x.diagnostics));
            x.response_trailers =
                non_empty(header_list(r.get("trailers"), offset, &mut x.diagnostics));
            x.response_headers_time = r.get("headers_received_time").and_then(timestamp);
        }
        None => missing.push("response"),
    }
    // The downstream connection: the peer (remote) is the client.
    if let Some(c) = t.get("downstream_connection").map(connection) {
        x.source = c.remote;
        x.destination = c.local;
    }
    fill_request_line(&mut x);
    fill_response(&mut x);
    x.complete = missing.is_empty();
    x.missing = missing;
    x
}

fn non_empty(h: Vec<Header>) -> Option<Vec<Header>> {
    (!h.is_empty()).then_some(h)
}

fn fill_request_line(x: &mut TapExchange) {
    let h = &x.request_headers;
    x.method = first_value(h, b":method").map(Octets::from);
    x.scheme = first_value(h, b":scheme").map(Octets::from);
    x.authority = first_value(h, b":authority").map(Octets::from);
    x.path = first_value(h, b":path").map(Octets::from);
}

fn fill_response(x: &mut TapExchange) {
    x.status = first_value(&x.response_headers, b":status")
        .and_then(|s| std::str::from_utf8(s).ok()?.parse().ok());
    // grpc-status: trailers, or the headers of a Trailers-Only response.
    let status = x
        .response_trailers
        .as_deref()
        .and_then(|t| first_value(t, b"grpc-status"))
        .or_else(|| first_value(&x.response_headers, b"grpc-status"));
    x.grpc_status = status.and_then(|s| std::str::from_utf8(s).ok()?.parse().ok());
}

fn append_body(slot: &mut Option<TapBody>, chunk: TapBody) {
    match slot {
        Some(b) => {
            b.bytes.extend_from_slice(chunk.bytes.as_bytes());
            b.truncated |= chunk.truncated;
            b.from_string |= chunk.from_string;
        }
        None => *slot = Some(chunk),
    }
}

fn trace_id(t: &Value) -> String {
    t.get("trace_id")
        .and_then(u64_of)
        .map(|n| n.to_string())
        .unwrap_or_else(|| "0".to_string())
}

/// `{as_bytes: base64 | as_string: text, truncated}`.
fn body(b: &Value, offset: u64, diags: &mut Vec<Diagnostic>) -> TapBody {
    let truncated = b.get("truncated").and_then(Value::as_bool).unwrap_or(false);
    if let Some(s) = str_at(b, "as_bytes") {
        match base64_bytes(s) {
            Some(bytes) => TapBody {
                bytes: Octets::from(bytes),
                truncated,
                from_string: false,
            },
            None => {
                diags.push(
                    Diagnostic::error(
                        Layer::Tap,
                        "tap.bad_as_bytes",
                        "a body's as_bytes is not base64; kept as text",
                    )
                    .at(offset),
                );
                TapBody {
                    bytes: Octets::from(s),
                    truncated,
                    from_string: true,
                }
            }
        }
    } else {
        TapBody {
            bytes: Octets::from(str_at(b, "as_string").unwrap_or_default()),
            truncated,
            from_string: true,
        }
    }
}

/// `[{key, value, raw_value?}]`; `raw_value` (base64 bytes, newer Envoy)
/// wins over `value` because it is exact.
fn header_list(v: Option<&Value>, offset: u64, diags: &mut Vec<Diagnostic>) -> Vec<Header> {
    let Some(list) = v.and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .map(|h| {
            let key = str_at(h, "key").unwrap_or_default();
            let value = match str_at(h, "raw_value").map(|r| (r, base64_bytes(r))) {
                Some((_, Some(bytes))) => bytes,
                Some((r, None)) => {
                    diags.push(
                        Diagnostic::error(
                            Layer::Tap,
                            "tap.bad_raw_value",
                            format!("raw_value of \"{key}\" is not base64; kept as text"),
                        )
                        .at(offset),
                    );
                    r.as_bytes().to_vec()
                }
                None => str_at(h, "value").unwrap_or_default().as_bytes().to_vec(),
            };
            (Octets::from(key), Octets::from(value))
        })
        .collect()
}

/// `{local_address, remote_address}`, each a `config.core.v3.Address`.
fn connection(c: &Value) -> SocketConnection {
    SocketConnection {
        local: c.get("local_address").and_then(address),
        remote: c.get("remote_address").and_then(address),
    }
}

fn address(a: &Value) -> Option<Endpoint> {
    if let Some(s) = a.get("socket_address") {
        return Some(Endpoint {
            ip: str_at(s, "address").map(str::to_string),
            port: u64_at(s, "port_value").and_then(|p| u32::try_from(p).ok()),
            labels: Vec::new(),
        });
    }
    if let Some(p) = a.get("pipe") {
        return Some(Endpoint {
            ip: str_at(p, "path").map(|p| format!("unix:{p}")),
            ..Endpoint::default()
        });
    }
    a.get("envoy_internal_address").map(|i| Endpoint {
        ip: str_at(i, "server_listener_name").map(|n| format!("internal:{n}")),
        ..Endpoint::default()
    })
}
