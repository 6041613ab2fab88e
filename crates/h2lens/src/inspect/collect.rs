//! Gathering each exchange's header lists (and bodies, when DATA payloads
//! are attached) from the event stream, for views that need whole
//! exchanges: gRPC calls, HAR export, diffs.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::conn::{BlockRole, ConnEvent, Exchange};
use crate::frame::SettingId;
use crate::grpc::{BodyChunk, CallInput};
use crate::hpack::Field;
use crate::octets::Octets;
use crate::time::{Direction, PerDir};

use super::{Event, EventKind};

/// One header as decoded (name and value only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: Octets,
    pub value: Octets,
}

impl From<&Field> for Header {
    fn from(f: &Field) -> Header {
        Header {
            name: f.name.clone(),
            value: f.value.clone(),
        }
    }
}

/// An exchange with its header lists in wire order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CollectedExchange {
    pub conn: u32,
    pub exchange: Exchange,
    pub request_headers: Vec<Header>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub informational: Vec<Vec<Header>>,
    pub response_headers: Vec<Header>,
    pub request_trailers: Vec<Header>,
    pub response_trailers: Vec<Header>,
    /// DATA payloads each way with their arrival times, when the events
    /// carried them.
    #[serde(skip)]
    pub request_body: Vec<BodyChunk>,
    #[serde(skip)]
    pub response_body: Vec<BodyChunk>,
    /// The response HEADERS carried END_STREAM (a Trailers-Only response
    /// when it also has `grpc-status`).
    pub response_headers_end_stream: bool,
    /// Both peers announced gRPC true-binary metadata (SETTINGS 0xfe03).
    pub true_binary: bool,
    /// A header value may be wrong or unknown (mid-connection or after a
    /// gap).
    pub uncertain: bool,
}

impl CollectedExchange {
    pub fn request_body_bytes(&self) -> Vec<u8> {
        self.request_body
            .iter()
            .flat_map(|c| c.bytes.iter().copied())
            .collect()
    }

    pub fn response_body_bytes(&self) -> Vec<u8> {
        self.response_body
            .iter()
            .flat_map(|c| c.bytes.iter().copied())
            .collect()
    }

    /// Whether the request's content-type is gRPC or gRPC-Web.
    pub fn is_grpc(&self) -> bool {
        self.request_headers.iter().any(|h| {
            h.name.as_bytes() == b"content-type"
                && crate::grpc::classify_content_type(h.value.as_bytes()).is_some()
        })
    }

    /// The exchange as input for [`crate::grpc::summarize`].
    pub fn call_input(&self) -> CallInput {
        let list = |headers: &[Header]| -> Vec<crate::grpc::Header> {
            headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect()
        };
        let some = |headers: &[Header]| (!headers.is_empty()).then(|| list(headers));
        let ex = &self.exchange;
        CallInput {
            stream_id: Some(ex.stream_id),
            request_headers: list(&self.request_headers),
            request_trailers: some(&self.request_trailers),
            request_body: self.request_body.clone(),
            request_end_stream: ex.request_end.is_some(),
            informational: self.informational.iter().map(|h| list(h)).collect(),
            response_headers: some(&self.response_headers),
            response_headers_end_stream: self.response_headers_end_stream,
            response_body: self.response_body.clone(),
            response_trailers: some(&self.response_trailers),
            response_end_stream: ex.response_end.is_some(),
            reset: ex.reset.as_ref().map(|r| crate::grpc::Reset {
                code: r.error_code.0,
                by: r.by,
                time: Some(r.origin.ts),
            }),
            start: ex.start,
            end: ex.end,
            true_binary: self.true_binary,
        }
    }
}

#[derive(Debug, Default)]
struct Partial {
    request_headers: Vec<Header>,
    informational: Vec<Vec<Header>>,
    response_headers: Vec<Header>,
    request_trailers: Vec<Header>,
    response_trailers: Vec<Header>,
    request_body: Vec<BodyChunk>,
    response_body: Vec<BodyChunk>,
    request_body_len: usize,
    response_body_len: usize,
    response_headers_end_stream: bool,
    uncertain: bool,
}

/// Feeds on events; hands out each exchange when the connection decoder
/// reports it finished.
#[derive(Debug, Default)]
pub struct Collector {
    partial: HashMap<(u32, u32), Partial>,
    /// Per connection: which sides announced true-binary metadata.
    true_binary: HashMap<u32, PerDir<bool>>,
    /// Keep DATA payloads (when events carry them).
    pub keep_bodies: bool,
    /// Bodies are kept up to this many bytes per direction.
    pub max_body: usize,
}

impl Collector {
    pub fn new(keep_bodies: bool, max_body: usize) -> Collector {
        Collector {
            partial: HashMap::new(),
            true_binary: HashMap::new(),
            keep_bodies,
            max_body,
        }
    }

    /// Looks at one event; returns an exchange when one is complete.
    pub fn push(&mut self, event: &Event) -> Option<CollectedExchange> {
        let conn = event.conn?;
        let EventKind::Conn(ev) = &event.kind else {
            return None;
        };
        match ev {
            ConnEvent::HeaderBlock(block) => {
                let stream = block.promised_stream_id.unwrap_or(block.stream_id);
                let p = self.partial.entry((conn, stream)).or_default();
                let headers: Vec<Header> = block.hpack.fields.iter().map(Header::from).collect();
                p.uncertain |= block.hpack.fields.iter().any(|f| f.unknown)
                    || block.hpack.table_state.is_suspect()
                    || block.hpack.error.is_some();
                match block.role {
                    BlockRole::Request | BlockRole::PushRequest => p.request_headers = headers,
                    BlockRole::Informational => p.informational.push(headers),
                    BlockRole::Response => {
                        p.response_headers = headers;
                        p.response_headers_end_stream = block.end_stream;
                    }
                    BlockRole::RequestTrailers => p.request_trailers = headers,
                    BlockRole::ResponseTrailers | BlockRole::Unknown => {
                        p.response_trailers = headers
                    }
                }
                None
            }
            ConnEvent::Http1(head) if head.dir == Direction::ClientToServer => {
                // The request of an h2c upgrade is stream 1's (RFC 7540 §3.2).
                let p = self.partial.entry((conn, 1)).or_default();
                p.request_headers = head
                    .headers
                    .iter()
                    .map(|(name, value)| Header {
                        name: name.clone(),
                        value: value.clone(),
                    })
                    .collect();
                None
            }
            ConnEvent::Frame(frame) if self.keep_bodies => {
                if let Some(data) = &frame.data {
                    let p = self
                        .partial
                        .entry((conn, frame.header.stream_id))
                        .or_default();
                    let (body, len) = match frame.dir {
                        Direction::ClientToServer => (&mut p.request_body, &mut p.request_body_len),
                        Direction::ServerToClient => {
                            (&mut p.response_body, &mut p.response_body_len)
                        }
                    };
                    let room = self.max_body.saturating_sub(*len);
                    let take = data.as_bytes().get(..room.min(data.len())).unwrap_or(&[]);
                    *len += take.len();
                    body.push(BodyChunk {
                        bytes: take.to_vec(),
                        time: Some(frame.ts),
                    });
                }
                None
            }
            ConnEvent::Settings(settings) => {
                let flag = settings
                    .settings
                    .iter()
                    .rev()
                    .find(|s| s.id == SettingId::GRPC_ALLOW_TRUE_BINARY_METADATA);
                if let Some(s) = flag {
                    self.true_binary.entry(conn).or_default()[settings.sender] = s.value != 0;
                }
                None
            }
            ConnEvent::Exchange(ex) => {
                let p = self
                    .partial
                    .remove(&(conn, ex.stream_id))
                    .unwrap_or_default();
                Some(CollectedExchange {
                    conn,
                    exchange: (**ex).clone(),
                    request_headers: p.request_headers,
                    informational: p.informational,
                    response_headers: p.response_headers,
                    request_trailers: p.request_trailers,
                    response_trailers: p.response_trailers,
                    request_body: p.request_body,
                    response_body: p.response_body,
                    response_headers_end_stream: p.response_headers_end_stream,
                    true_binary: self
                        .true_binary
                        .get(&conn)
                        .is_some_and(|t| t.client_to_server && t.server_to_client),
                    uncertain: p.uncertain,
                })
            }
            _ => None,
        }
    }
}
