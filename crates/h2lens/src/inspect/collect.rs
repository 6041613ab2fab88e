//! Gathering each exchange's header lists (and bodies, when DATA payloads
//! are attached) from the event stream, for views that need whole
//! exchanges: gRPC calls, HAR export, diffs.

use std::collections::HashMap;

use serde::Serialize;

use crate::conn::{BlockRole, ConnEvent, Exchange};
use crate::hpack::Field;
use crate::octets::Octets;
use crate::time::Direction;

use super::{Event, EventKind};

/// One header as decoded (name and value only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
    /// DATA payloads each way, when the events carried them.
    #[serde(skip)]
    pub request_body: Vec<u8>,
    #[serde(skip)]
    pub response_body: Vec<u8>,
    /// A header value may be wrong or unknown (mid-connection or after a
    /// gap).
    pub uncertain: bool,
}

#[derive(Debug, Default)]
struct Partial {
    request_headers: Vec<Header>,
    informational: Vec<Vec<Header>>,
    response_headers: Vec<Header>,
    request_trailers: Vec<Header>,
    response_trailers: Vec<Header>,
    request_body: Vec<u8>,
    response_body: Vec<u8>,
    uncertain: bool,
}

/// Feeds on events; hands out each exchange when the connection decoder
/// reports it finished.
#[derive(Debug, Default)]
pub struct Collector {
    partial: HashMap<(u32, u32), Partial>,
    /// Keep DATA payloads (when events carry them).
    pub keep_bodies: bool,
    /// Bodies are kept up to this many bytes per direction.
    pub max_body: usize,
}

impl Collector {
    pub fn new(keep_bodies: bool, max_body: usize) -> Collector {
        Collector {
            partial: HashMap::new(),
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
                    BlockRole::Response => p.response_headers = headers,
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
                    let body = match frame.dir {
                        Direction::ClientToServer => &mut p.request_body,
                        Direction::ServerToClient => &mut p.response_body,
                    };
                    let room = self.max_body.saturating_sub(body.len());
                    let take = data.as_bytes().get(..room.min(data.len())).unwrap_or(&[]);
                    body.extend_from_slice(take);
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
                    exchange: ex.clone(),
                    request_headers: p.request_headers,
                    informational: p.informational,
                    response_headers: p.response_headers,
                    request_trailers: p.request_trailers,
                    response_trailers: p.response_trailers,
                    request_body: p.request_body,
                    response_body: p.response_body,
                    uncertain: p.uncertain,
                })
            }
            _ => None,
        }
    }
}
