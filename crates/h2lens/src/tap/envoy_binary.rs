//! Envoy `PROTO_BINARY` traces, turned into the JSON shape the JSON reader
//! understands (proto field names, `as_bytes` base64), so both share one
//! interpretation.
//!
//! Field numbers, from `envoyproxy/envoy` `api/envoy/data/tap/v3/*.proto`
//! and `api/envoy/config/core/v3/{base,address}.proto`:
//! - `TraceWrapper`: 1 http_buffered_trace, 2 http_streamed_trace_segment,
//!   3 socket_buffered_trace, 4 socket_streamed_trace_segment.
//! - `HttpBufferedTrace`: 1 request, 2 response; `.Message`: 1 headers,
//!   2 body, 3 trailers.
//! - `HttpStreamedTraceSegment`: 1 trace_id, 2 request_headers,
//!   3 request_body_chunk, 4 request_trailers, 5 response_headers,
//!   6 response_body_chunk, 7 response_trailers.
//! - `HeaderMap`: 1 headers; `HeaderValue`: 1 key, 2 value, 3 raw_value.
//! - `Body`: 1 as_bytes, 2 as_string, 3 truncated.
//! - `SocketBufferedTrace`: 1 trace_id, 2 connection, 3 events,
//!   4 read_truncated, 5 write_truncated.
//! - `SocketStreamedTraceSegment`: 1 trace_id, 2 connection, 3 event.
//! - `SocketEvent`: 1 timestamp, 2 read, 3 write, 4 closed;
//!   `Read`: 1 data; `Write`: 1 data, 2 end_stream.
//! - `Connection`: in `common.proto` 1 local_address, 2 remote_address; the
//!   older copy in `transport.proto` used 2 and 3. A connection with field 3
//!   is read with the old numbers.
//! - `Address`: 1 socket_address, 2 pipe; `SocketAddress`: 2 address,
//!   3 port_value; `Pipe`: 1 path. `google.protobuf.Timestamp`: 1 seconds,
//!   2 nanos.
//!
//! Fields added by newer Envoys whose numbers are not listed above
//! (per-event `connection`, `seq_num`, `events` batches,
//! `downstream_connection`, `headers_received_time`) are reported as
//! unknown rather than guessed.

use base64::Engine;
use serde_json::{json, Map, Value};

use crate::protobuf::raw::{iter_fields, WireValue};

/// Unknown field paths met while converting (e.g. `SocketEvent.5`).
pub(crate) type Unknown = Vec<String>;

type Fields<'a> = Vec<(u32, WireValue<'a>)>;

fn fields<'a>(buf: &'a [u8], what: &str) -> Result<Fields<'a>, String> {
    iter_fields(buf)
        .collect::<Result<Vec<_>, usize>>()
        .map_err(|at| format!("{what} is not valid protobuf at byte {at}"))
}

fn b64(bytes: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn text(bytes: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

/// Converts one `TraceWrapper` message.
pub(crate) fn trace_wrapper(buf: &[u8], unknown: &mut Unknown) -> Result<Value, String> {
    let mut out = Map::new();
    for (n, v) in fields(buf, "TraceWrapper")? {
        match (n, v) {
            (1, WireValue::Len(b)) => {
                out.insert("http_buffered_trace".into(), http_buffered(b, unknown)?);
            }
            (2, WireValue::Len(b)) => {
                out.insert(
                    "http_streamed_trace_segment".into(),
                    http_streamed(b, unknown)?,
                );
            }
            (3, WireValue::Len(b)) => {
                out.insert(
                    "socket_buffered_trace".into(),
                    socket_trace(b, true, unknown)?,
                );
            }
            (4, WireValue::Len(b)) => {
                out.insert(
                    "socket_streamed_trace_segment".into(),
                    socket_trace(b, false, unknown)?,
                );
            }
            (n, _) => unknown.push(format!("TraceWrapper.{n}")),
        }
    }
    Ok(Value::Object(out))
}

fn http_buffered(buf: &[u8], unknown: &mut Unknown) -> Result<Value, String> {
    let mut out = Map::new();
    for (n, v) in fields(buf, "HttpBufferedTrace")? {
        match (n, v) {
            (1, WireValue::Len(b)) => {
                out.insert("request".into(), http_message(b, unknown)?);
            }
            (2, WireValue::Len(b)) => {
                out.insert("response".into(), http_message(b, unknown)?);
            }
            (n, _) => unknown.push(format!("HttpBufferedTrace.{n}")),
        }
    }
    Ok(Value::Object(out))
}

fn http_message(buf: &[u8], unknown: &mut Unknown) -> Result<Value, String> {
    let (mut headers, mut trailers) = (Vec::new(), Vec::new());
    let mut out = Map::new();
    for (n, v) in fields(buf, "HttpBufferedTrace.Message")? {
        match (n, v) {
            (1, WireValue::Len(b)) => headers.push(header_value(b, unknown)?),
            (2, WireValue::Len(b)) => {
                out.insert("body".into(), body(b, unknown)?);
            }
            (3, WireValue::Len(b)) => trailers.push(header_value(b, unknown)?),
            (n, _) => unknown.push(format!("HttpBufferedTrace.Message.{n}")),
        }
    }
    out.insert("headers".into(), Value::Array(headers));
    out.insert("trailers".into(), Value::Array(trailers));
    Ok(Value::Object(out))
}

fn http_streamed(buf: &[u8], unknown: &mut Unknown) -> Result<Value, String> {
    let mut out = Map::new();
    for (n, v) in fields(buf, "HttpStreamedTraceSegment")? {
        let key = match n {
            2 => "request_headers",
            3 => "request_body_chunk",
            4 => "request_trailers",
            5 => "response_headers",
            6 => "response_body_chunk",
            7 => "response_trailers",
            _ => "",
        };
        match (n, v) {
            (1, WireValue::Varint(id)) => {
                out.insert("trace_id".into(), Value::String(id.to_string()));
            }
            (3 | 6, WireValue::Len(b)) => {
                out.insert(key.into(), body(b, unknown)?);
            }
            (2 | 4 | 5 | 7, WireValue::Len(b)) => {
                out.insert(key.into(), header_map(b, unknown)?);
            }
            (n, _) => unknown.push(format!("HttpStreamedTraceSegment.{n}")),
        }
    }
    Ok(Value::Object(out))
}

fn header_map(buf: &[u8], unknown: &mut Unknown) -> Result<Value, String> {
    let mut headers = Vec::new();
    for (n, v) in fields(buf, "HeaderMap")? {
        match (n, v) {
            (1, WireValue::Len(b)) => headers.push(header_value(b, unknown)?),
            (n, _) => unknown.push(format!("HeaderMap.{n}")),
        }
    }
    Ok(json!({ "headers": headers }))
}

fn header_value(buf: &[u8], unknown: &mut Unknown) -> Result<Value, String> {
    let mut out = Map::new();
    for (n, v) in fields(buf, "HeaderValue")? {
        match (n, v) {
            (1, WireValue::Len(b)) => {
                out.insert("key".into(), text(b));
            }
            (2, WireValue::Len(b)) => {
                // A string field may still hold non-UTF-8 from a lax
                // sender: keep it exact through raw_value.
                if std::str::from_utf8(b).is_ok() {
                    out.insert("value".into(), text(b));
                } else {
                    out.insert("raw_value".into(), b64(b));
                }
            }
            (3, WireValue::Len(b)) => {
                out.insert("raw_value".into(), b64(b));
            }
            (n, _) => unknown.push(format!("HeaderValue.{n}")),
        }
    }
    Ok(Value::Object(out))
}

fn body(buf: &[u8], unknown: &mut Unknown) -> Result<Value, String> {
    let mut out = Map::new();
    for (n, v) in fields(buf, "Body")? {
        match (n, v) {
            (1, WireValue::Len(b)) => {
                out.insert("as_bytes".into(), b64(b));
            }
            (2, WireValue::Len(b)) => {
                out.insert("as_string".into(), text(b));
            }
            (3, WireValue::Varint(t)) => {
                out.insert("truncated".into(), Value::Bool(t != 0));
            }
            (n, _) => unknown.push(format!("Body.{n}")),
        }
    }
    Ok(Value::Object(out))
}

fn socket_trace(buf: &[u8], buffered: bool, unknown: &mut Unknown) -> Result<Value, String> {
    let what = if buffered {
        "SocketBufferedTrace"
    } else {
        "SocketStreamedTraceSegment"
    };
    let mut out = Map::new();
    let mut events = Vec::new();
    for (n, v) in fields(buf, what)? {
        match (n, v) {
            (1, WireValue::Varint(id)) => {
                out.insert("trace_id".into(), Value::String(id.to_string()));
            }
            (2, WireValue::Len(b)) => {
                out.insert("connection".into(), connection(b, unknown)?);
            }
            (3, WireValue::Len(b)) if buffered => events.push(socket_event(b, unknown)?),
            (3, WireValue::Len(b)) => {
                out.insert("event".into(), socket_event(b, unknown)?);
            }
            (4, WireValue::Varint(t)) if buffered => {
                out.insert("read_truncated".into(), Value::Bool(t != 0));
            }
            (5, WireValue::Varint(t)) if buffered => {
                out.insert("write_truncated".into(), Value::Bool(t != 0));
            }
            (n, _) => unknown.push(format!("{what}.{n}")),
        }
    }
    if buffered {
        out.insert("events".into(), Value::Array(events));
    }
    Ok(Value::Object(out))
}

fn socket_event(buf: &[u8], unknown: &mut Unknown) -> Result<Value, String> {
    let mut out = Map::new();
    for (n, v) in fields(buf, "SocketEvent")? {
        match (n, v) {
            (1, WireValue::Len(b)) => {
                let mut ts = Map::new();
                for (n, v) in fields(b, "Timestamp")? {
                    match (n, v) {
                        (1, WireValue::Varint(s)) => {
                            ts.insert("seconds".into(), Value::from(s));
                        }
                        (2, WireValue::Varint(ns)) => {
                            ts.insert("nanos".into(), Value::from(ns));
                        }
                        (n, _) => unknown.push(format!("Timestamp.{n}")),
                    }
                }
                out.insert("timestamp".into(), Value::Object(ts));
            }
            (2 | 3, WireValue::Len(b)) => {
                let mut part = Map::new();
                for (m, w) in fields(b, "SocketEvent.Read/Write")? {
                    match (m, w) {
                        (1, WireValue::Len(d)) => {
                            part.insert("data".into(), body(d, unknown)?);
                        }
                        (2, WireValue::Varint(e)) if n == 3 => {
                            part.insert("end_stream".into(), Value::Bool(e != 0));
                        }
                        (m, _) => unknown.push(format!("SocketEvent.{n}.{m}")),
                    }
                }
                out.insert(
                    if n == 2 { "read" } else { "write" }.into(),
                    Value::Object(part),
                );
            }
            (4, WireValue::Len(_)) => {
                out.insert("closed".into(), json!({}));
            }
            (n, _) => unknown.push(format!("SocketEvent.{n}")),
        }
    }
    Ok(Value::Object(out))
}

fn connection(buf: &[u8], unknown: &mut Unknown) -> Result<Value, String> {
    let f = fields(buf, "Connection")?;
    let old = f.iter().any(|(n, _)| *n == 3);
    let (local, remote) = if old { (2, 3) } else { (1, 2) };
    let mut out = Map::new();
    for (n, v) in f {
        match v {
            WireValue::Len(b) if n == local => {
                out.insert("local_address".into(), address(b, unknown)?);
            }
            WireValue::Len(b) if n == remote => {
                out.insert("remote_address".into(), address(b, unknown)?);
            }
            _ => unknown.push(format!("Connection.{n}")),
        }
    }
    Ok(Value::Object(out))
}

fn address(buf: &[u8], unknown: &mut Unknown) -> Result<Value, String> {
    let mut out = Map::new();
    for (n, v) in fields(buf, "Address")? {
        match (n, v) {
            (1, WireValue::Len(b)) => {
                let mut sa = Map::new();
                for (m, w) in fields(b, "SocketAddress")? {
                    match (m, w) {
                        (2, WireValue::Len(a)) => {
                            sa.insert("address".into(), text(a));
                        }
                        (3, WireValue::Varint(p)) => {
                            sa.insert("port_value".into(), Value::from(p));
                        }
                        (1 | 4 | 5 | 6, _) => {}
                        (m, _) => unknown.push(format!("SocketAddress.{m}")),
                    }
                }
                out.insert("socket_address".into(), Value::Object(sa));
            }
            (2, WireValue::Len(b)) => {
                let path = fields(b, "Pipe")?
                    .into_iter()
                    .find_map(|(m, w)| match (m, w) {
                        (1, WireValue::Len(p)) => Some(text(p)),
                        _ => None,
                    })
                    .unwrap_or(Value::Null);
                out.insert("pipe".into(), json!({ "path": path }));
            }
            (n, _) => unknown.push(format!("Address.{n}")),
        }
    }
    Ok(Value::Object(out))
}
