//! Linkerd tap events: the CLI's `-o json` objects and the dashboard's
//! WebSocket frames (protobuf JSON of `viz.tap.TapEvent`), joined into
//! exchanges by id (`base` of the tap request + `stream`).

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;

use super::json::{base64_bytes, duration_ns, labels, str_at, u64_at, u64_of};
use super::model::{Endpoint, TapEvent, TapExchange, TapFormat, TapSource};
use crate::diag::{Diagnostic, Layer};
use crate::grpc::Header;
use crate::octets::Octets;

/// Which shape an object has, if it is a Linkerd event.
pub(crate) fn classify(v: &Value) -> Option<TapFormat> {
    if ["requestInitEvent", "responseInitEvent", "responseEndEvent"]
        .iter()
        .any(|k| v.get(*k).is_some())
    {
        return Some(TapFormat::LinkerdJson);
    }
    let http = v.get("http")?;
    ["requestInit", "responseInit", "responseEnd"]
        .iter()
        .any(|k| http.get(*k).is_some())
        .then_some(TapFormat::LinkerdWebSocket)
}

const REQUEST_INIT: u8 = 1;
const RESPONSE_INIT: u8 = 2;
const RESPONSE_END: u8 = 4;

struct Pending {
    exchange: TapExchange,
    seen: u8,
}

/// Joins the three events of each request.
pub(crate) struct LinkerdJoiner {
    pending: BTreeMap<String, Pending>,
    /// (first object, id) in arrival order, to find the oldest open
    /// exchange in O(1) amortised; stale entries are skipped.
    order: VecDeque<(u64, String)>,
    max_pending: usize,
}

impl LinkerdJoiner {
    pub(crate) fn new(max_pending: u32) -> Self {
        LinkerdJoiner {
            pending: BTreeMap::new(),
            order: VecDeque::new(),
            max_pending: max_pending as usize,
        }
    }

    /// Handles one event object (already classified as Linkerd).
    pub(crate) fn handle(&mut self, v: &Value, object: u64, offset: u64, out: &mut Vec<TapEvent>) {
        let ws = v.get("http");
        let (kind, ev) = match ws {
            Some(http) => match (http.get("requestInit"), http.get("responseInit"), http.get("responseEnd")) {
                (Some(e), None, None) => (REQUEST_INIT, e),
                (None, Some(e), None) => (RESPONSE_INIT, e),
                (None, None, Some(e)) => (RESPONSE_END, e),
                _ => return bad(out, offset, "the event has more than one of requestInit / responseInit / responseEnd"),
            },
            None => match (v.get("requestInitEvent"), v.get("responseInitEvent"), v.get("responseEndEvent")) {
                (Some(e), None, None) => (REQUEST_INIT, e),
                (None, Some(e), None) => (RESPONSE_INIT, e),
                (None, None, Some(e)) => (RESPONSE_END, e),
                _ => return bad(out, offset, "the event has more than one of requestInitEvent / responseInitEvent / responseEndEvent"),
            },
        };
        let Some(id) = ev.get("id").and_then(event_id) else {
            return bad(out, offset, "the event has no usable id {base, stream}");
        };
        if !self.pending.contains_key(&id) {
            if self.pending.len() >= self.max_pending {
                // Give up the oldest to bound memory; it is reported incomplete.
                while let Some((first, old)) = self.order.pop_front() {
                    if self
                        .pending
                        .get(&old)
                        .is_some_and(|p| p.exchange.first_object == first)
                    {
                        if let Some(p) = self.pending.remove(&old) {
                            out.push(finish_exchange(p, true));
                        }
                        break;
                    }
                }
            }
            self.order.push_back((object, id.clone()));
            if self.order.len() > 2 * self.pending.len() + 64 {
                // Drop entries of exchanges already finished.
                let pending = &self.pending;
                self.order.retain(|(first, id)| {
                    pending
                        .get(id)
                        .is_some_and(|p| p.exchange.first_object == *first)
                });
            }
        }
        let entry = self.pending.entry(id.clone()).or_insert_with(|| Pending {
            exchange: TapExchange {
                id: id.clone(),
                tool: Some(TapSource::Linkerd),
                first_object: object,
                wire_order: false,
                ..TapExchange::default()
            },
            seen: 0,
        });
        let x = &mut entry.exchange;
        if entry.seen & kind != 0 {
            x.diagnostics.push(
                Diagnostic::warning(
                    Layer::Tap,
                    "tap.duplicate_event",
                    format!(
                        "a second {} event for id {id}; the later one wins",
                        event_name(kind)
                    ),
                )
                .at(offset),
            );
        }
        entry.seen |= kind;
        let wrong = wrong_types(v, ev);
        if !wrong.is_empty() {
            x.diagnostics.push(
                Diagnostic::warning(
                    Layer::Tap,
                    "tap.wrong_type",
                    format!(
                        "{} event {id}: fields of an unexpected JSON type, ignored: {}",
                        event_name(kind),
                        wrong.join(", ")
                    ),
                )
                .at(offset),
            );
        }
        // Envelope: the same on every event; keep the first seen.
        if x.source.is_none() {
            x.source = endpoint(v.get("source"), v.get("sourceMeta"));
            x.destination = endpoint(v.get("destination"), v.get("destinationMeta"));
            x.route_labels = labels(v.get("routeMeta"));
            x.proxy_direction = str_at(v, "proxyDirection").map(str::to_string);
        }
        match kind {
            REQUEST_INIT => {
                x.method = ev.get("method").and_then(registered).map(Octets::from);
                x.scheme = ev.get("scheme").and_then(registered).map(Octets::from);
                x.authority = str_at(ev, "authority").map(Octets::from);
                x.path = str_at(ev, "path").map(Octets::from);
                x.request_headers = headers(ev.get("headers"), offset, &mut x.diagnostics);
            }
            RESPONSE_INIT => {
                x.response_init_ns = ev.get("sinceRequestInit").and_then(duration_ns);
                x.status = u64_at(ev, "httpStatus").and_then(|s| u32::try_from(s).ok());
                x.response_headers = headers(ev.get("headers"), offset, &mut x.diagnostics);
            }
            _ => {
                x.response_end_ns = ev.get("sinceRequestInit").and_then(duration_ns);
                x.since_response_init_ns = ev.get("sinceResponseInit").and_then(duration_ns);
                x.response_bytes = u64_at(ev, "responseBytes");
                let trailers = headers(ev.get("trailers"), offset, &mut x.diagnostics);
                x.response_trailers = Some(trailers);
                // CLI: grpcStatusCode / resetErrorCode beside the rest; the
                // WebSocket: inside `eos`.
                // `Eos` is a oneof: a reset has no gRPC status, even though
                // the CLI prints `grpcStatusCode: 0` beside it.
                let eos = ev.get("eos").unwrap_or(ev);
                x.reset_code = u64_at(eos, "resetErrorCode").and_then(|c| u32::try_from(c).ok());
                x.grpc_status = match x.reset_code {
                    Some(_) => None,
                    None => u64_at(eos, "grpcStatusCode").and_then(|c| u32::try_from(c).ok()),
                };
            }
        }
        if entry.seen == REQUEST_INIT | RESPONSE_INIT | RESPONSE_END {
            if let Some(p) = self.pending.remove(&id) {
                out.push(finish_exchange(p, false));
            }
        }
    }

    /// End of input: every exchange still waiting, in order of appearance.
    pub(crate) fn finish(&mut self, out: &mut Vec<TapEvent>) {
        self.order.clear();
        let mut rest: Vec<Pending> = std::mem::take(&mut self.pending).into_values().collect();
        rest.sort_by_key(|p| p.exchange.first_object);
        for p in rest {
            out.push(finish_exchange(p, false));
        }
    }
}

fn event_name(kind: u8) -> &'static str {
    match kind {
        REQUEST_INIT => "requestInit",
        RESPONSE_INIT => "responseInit",
        _ => "responseEnd",
    }
}

fn finish_exchange(p: Pending, evicted: bool) -> TapEvent {
    let mut x = p.exchange;
    x.missing = [REQUEST_INIT, RESPONSE_INIT, RESPONSE_END]
        .into_iter()
        .filter(|k| p.seen & k == 0)
        .map(event_name)
        .collect();
    x.complete = x.missing.is_empty();
    if !x.complete {
        x.diagnostics.push(Diagnostic::warning(
            Layer::Tap,
            "tap.incomplete_exchange",
            format!(
                "exchange {} lacks its {} event(s){}",
                x.id,
                x.missing.join(", "),
                if evicted {
                    format!(
                        " (dropped from the join table: too many open exchanges){}",
                        crate::config::limit_hint("grpc.max_tap_open_exchanges")
                    )
                } else {
                    " (the tap started or stopped while it was in flight)".to_string()
                }
            ),
        ));
    }
    TapEvent::Exchange(Box::new(x))
}

/// The JSON types Linkerd writes a field with (`null` is always allowed:
/// protobuf JSON may print an unset field so).
#[derive(Clone, Copy)]
enum Kind {
    Object,
    String,
    /// A string or `{"registered": …}` / a protobuf Duration as an object.
    StringOrObject,
    /// A number, or a 64-bit number printed as a string (protobuf JSON).
    Number,
    /// Headers: `{"headers": [...]}` or a list.
    ObjectOrArray,
}

impl Kind {
    fn accepts(self, v: &Value) -> bool {
        match self {
            _ if v.is_null() => true,
            Kind::Object => v.is_object(),
            Kind::String => v.is_string(),
            Kind::StringOrObject => v.is_string() || v.is_object(),
            Kind::Number => v.is_number() || v.is_string(),
            Kind::ObjectOrArray => v.is_object() || v.is_array(),
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The known fields of an event whose JSON type is not what Linkerd writes
/// (so their values are ignored), as `name (type)`.
fn wrong_types(envelope: &Value, ev: &Value) -> Vec<String> {
    const ENVELOPE: &[(&str, Kind)] = &[
        ("source", Kind::Object),
        ("destination", Kind::Object),
        ("sourceMeta", Kind::Object),
        ("destinationMeta", Kind::Object),
        ("routeMeta", Kind::Object),
        ("proxyDirection", Kind::String),
    ];
    const EVENT: &[(&str, Kind)] = &[
        ("id", Kind::Object),
        ("method", Kind::StringOrObject),
        ("scheme", Kind::StringOrObject),
        ("authority", Kind::String),
        ("path", Kind::String),
        ("headers", Kind::ObjectOrArray),
        ("trailers", Kind::ObjectOrArray),
        ("httpStatus", Kind::Number),
        ("sinceRequestInit", Kind::StringOrObject),
        ("sinceResponseInit", Kind::StringOrObject),
        ("responseBytes", Kind::Number),
        ("eos", Kind::Object),
        ("grpcStatusCode", Kind::Number),
        ("resetErrorCode", Kind::Number),
    ];
    let mut out = Vec::new();
    for (object, fields) in [(envelope, ENVELOPE), (ev, EVENT)] {
        for (name, kind) in fields {
            if let Some(value) = object.get(*name) {
                if !kind.accepts(value) {
                    out.push(format!("{name} ({})", json_type(value)));
                }
            }
        }
    }
    out
}

fn bad(out: &mut Vec<TapEvent>, offset: u64, why: &str) {
    out.push(TapEvent::Diagnostic(
        Diagnostic::error(
            Layer::Tap,
            "tap.bad_linkerd_event",
            format!("a linkerd tap event is unusable: {why}"),
        )
        .at(offset),
    ));
}

/// `{base, stream}` → `base:stream` (stream may be a string in protobuf JSON).
fn event_id(id: &Value) -> Option<String> {
    if !id.is_object() {
        return None;
    }
    let base = id.get("base").map_or(Some(0), u64_of)?;
    let stream = id.get("stream").map_or(Some(0), u64_of)?;
    Some(format!("{base}:{stream}"))
}

/// `"POST"` or `{"registered": "POST"}` / `{"unregistered": "PURGE"}`.
fn registered(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(_) => str_at(v, "registered").or_else(|| str_at(v, "unregistered")),
        _ => None,
    }
}

/// `{"ip": "10.42.0.31" | {"ipv4": u32} | {"ipv6": {first, last}}, "port": n, "metadata": {…}}`.
fn endpoint(addr: Option<&Value>, meta: Option<&Value>) -> Option<Endpoint> {
    let addr = addr?;
    if addr.is_null() {
        return None;
    }
    let ip = match addr.get("ip") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(ip @ Value::Object(_)) => ip_of(ip),
        _ => None,
    };
    let port = u64_at(addr, "port").and_then(|p| u32::try_from(p).ok());
    Some(Endpoint {
        ip,
        port,
        labels: labels(meta.or(addr.get("metadata")).filter(|m| !m.is_null())),
    })
}

fn ip_of(ip: &Value) -> Option<String> {
    if let Some(v4) = ip.get("ipv4").and_then(u64_of) {
        let v4 = u32::try_from(v4).ok()?;
        return Some(std::net::Ipv4Addr::from(v4).to_string());
    }
    let v6 = ip.get("ipv6")?;
    let first = v6.get("first").map_or(Some(0), u64_of)?;
    let last = v6.get("last").map_or(Some(0), u64_of)?;
    let bits = (u128::from(first) << 64) | u128::from(last);
    Some(std::net::Ipv6Addr::from(bits).to_string())
}

/// A header list: `[{name, valueStr | valueBin}]`, or `{headers: […]}`.
fn headers(v: Option<&Value>, offset: u64, diags: &mut Vec<Diagnostic>) -> Vec<Header> {
    let list = match v {
        Some(Value::Array(a)) => a,
        Some(Value::Object(o)) => match o.get("headers") {
            Some(Value::Array(a)) => a,
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let mut out = Vec::with_capacity(list.len());
    for h in list {
        let name = str_at(h, "name").unwrap_or_default();
        let value = if let Some(s) = str_at(h, "valueStr") {
            s.as_bytes().to_vec()
        } else if let Some(b) = str_at(h, "valueBin") {
            match base64_bytes(b) {
                Some(bytes) => bytes,
                None => {
                    diags.push(
                        Diagnostic::error(
                            Layer::Tap,
                            "tap.bad_value_bin",
                            format!("valueBin of \"{name}\" is not base64; kept as text"),
                        )
                        .at(offset),
                    );
                    b.as_bytes().to_vec()
                }
            }
        } else {
            Vec::new()
        };
        out.push((Octets::from(name), Octets::from(value)));
    }
    out
}
