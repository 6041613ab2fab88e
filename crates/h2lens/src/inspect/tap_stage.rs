//! Tap inputs: HTTP-level exchanges as the mesh decoded them, and Envoy
//! socket traces, whose bytes go through the connection decoder.

use std::collections::HashMap;

use crate::config::Config;
use crate::conn::{ConnStart, Connection, Origin, PREFACE};
use crate::tap::{SocketEventKind, TapDecoder, TapEvent, TappedSide};
use crate::time::Timestamp;

use super::{ConnectionEnd, ConnectionInfo, Event, EventKind, Notice};

#[derive(Debug)]
pub(super) struct TapStage {
    config: Config,
    decoder: TapDecoder,
    /// Socket traces by trace id: connection number, decoder, and which
    /// side Envoy was.
    sockets: HashMap<String, Socket>,
    next_conn: u32,
}

#[derive(Debug)]
struct Socket {
    conn: u32,
    decoder: Connection,
    tapped: Option<TappedSide>,
    index: u64,
}

/// What the tap stage hands back: events, plus tap exchanges (which the
/// gRPC stage may turn into calls). Short-lived, so its size does not
/// matter.
#[allow(clippy::large_enum_variant)]
pub(super) enum Output {
    Event(Event),
    Exchange(Box<crate::tap::TapExchange>),
    Format(crate::tap::TapFormat, crate::tap::Fidelity),
}

impl TapStage {
    pub fn new(config: &Config) -> TapStage {
        let mut config = config.clone();
        // Socket traces are small; their frames, blocks and exchanges are
        // always reported.
        config.output.frame_events = true;
        config.output.block_events = true;
        config.output.exchange_events = true;
        TapStage {
            config: config.clone(),
            decoder: TapDecoder::new(&config.grpc),
            sockets: HashMap::new(),
            next_conn: 0,
        }
    }

    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Output>) {
        self.decoder.push(bytes);
        self.drain(out);
    }

    pub fn finish(&mut self, out: &mut Vec<Output>) {
        self.decoder.finish();
        self.drain(out);
        let mut sockets: Vec<Socket> = self.sockets.drain().map(|(_, s)| s).collect();
        sockets.sort_by_key(|s| s.conn);
        for mut socket in sockets {
            socket.decoder.finish();
            drain_conn(&mut socket, out);
            out.push(Output::Event(Event {
                conn: Some(socket.conn),
                kind: EventKind::ConnectionEnd(Box::new(ConnectionEnd {
                    protocol: socket.decoder.protocol().cloned(),
                    stats: socket.decoder.stats(),
                })),
            }));
        }
    }

    fn drain(&mut self, out: &mut Vec<Output>) {
        while let Some(event) = self.decoder.next_event() {
            match event {
                TapEvent::Format { format, fidelity } => out.push(Output::Format(format, fidelity)),
                TapEvent::Exchange(exchange) => out.push(Output::Exchange(exchange)),
                TapEvent::Diagnostic(diagnostic) => out.push(Output::Event(Event {
                    conn: None,
                    kind: EventKind::Notice(Notice {
                        packet: None,
                        diagnostic,
                    }),
                })),
                TapEvent::SocketInfo(_) => {}
                TapEvent::Socket(chunk) => {
                    let Some(dir_kind) =
                        (chunk.kind != SocketEventKind::Closed).then_some(chunk.kind)
                    else {
                        continue;
                    };
                    let socket = match self.sockets.get_mut(&chunk.trace_id) {
                        Some(s) => s,
                        None => {
                            let conn = self.next_conn;
                            self.next_conn += 1;
                            out.push(Output::Event(Event {
                                conn: Some(conn),
                                kind: EventKind::Connection(ConnectionInfo {
                                    client: None,
                                    server: None,
                                    from_start: true,
                                    roles_guessed: true,
                                    packet: 0,
                                    ts: chunk.time.unwrap_or_default(),
                                }),
                            }));
                            self.sockets
                                .entry(chunk.trace_id.clone())
                                .or_insert(Socket {
                                    conn,
                                    decoder: Connection::new(&self.config, ConnStart::Beginning),
                                    tapped: None,
                                    index: 0,
                                })
                        }
                    };
                    // The side that reads the client preface is the server
                    // (a listener tap); a tap that writes it is a client.
                    let tapped = *socket.tapped.get_or_insert(
                        if dir_kind == SocketEventKind::Write
                            && chunk.data.as_bytes().starts_with(PREFACE)
                        {
                            TappedSide::Client
                        } else {
                            TappedSide::Server
                        },
                    );
                    let Some(dir) = dir_kind.direction(tapped) else {
                        continue;
                    };
                    socket.index += 1;
                    let origin = Origin {
                        packet: socket.index,
                        ts: chunk.time.unwrap_or(Timestamp::default()),
                    };
                    socket.decoder.push(dir, chunk.data.as_bytes(), origin);
                    drain_conn(socket, out);
                }
            }
        }
    }
}

fn drain_conn(socket: &mut Socket, out: &mut Vec<Output>) {
    while let Some(ev) = socket.decoder.next_event() {
        out.push(Output::Event(Event {
            conn: Some(socket.conn),
            kind: EventKind::Conn(ev),
        }));
    }
}
