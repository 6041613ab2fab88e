//! Raw HTTP/2 input: one connection's bytes, no packets.

use crate::config::Config;
use crate::conn::{ConnStart, Connection, Origin, PREFACE};
use crate::time::{Direction, Timestamp};

use super::{ConnectionEnd, ConnectionInfo, Event, EventKind, Out};

#[derive(Debug)]
pub(super) struct RawStage {
    conn: Connection,
    /// Which side's bytes these are, decided by the first bytes.
    dir: Option<Direction>,
    started: bool,
}

impl RawStage {
    pub fn new(config: &Config) -> RawStage {
        RawStage {
            conn: Connection::new(config, ConnStart::Beginning),
            dir: None,
            started: false,
        }
    }

    pub fn push(&mut self, bytes: &[u8], out: &mut Out) {
        if !self.started {
            self.started = true;
            out.emit(Event {
                conn: Some(0),
                kind: EventKind::Connection(ConnectionInfo {
                    client: None,
                    server: None,
                    from_start: true,
                    roles_guessed: false,
                    packet: 0,
                    ts: Timestamp::default(),
                }),
            });
        }
        // With the client preface these are the client's bytes; without,
        // frames from the server side.
        let dir = *self.dir.get_or_insert(if bytes.starts_with(PREFACE) {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        });
        self.conn.push(dir, bytes, Origin::default());
        self.drain(out);
    }

    pub fn finish(&mut self, out: &mut Out) {
        self.conn.finish();
        self.drain(out);
        out.emit(Event {
            conn: Some(0),
            kind: EventKind::ConnectionEnd(Box::new(ConnectionEnd {
                protocol: self.conn.protocol().cloned(),
                stats: self.conn.stats(),
            })),
        });
    }

    fn drain(&mut self, out: &mut Out) {
        while let Some(ev) = self.conn.next_event() {
            out.emit(Event {
                conn: Some(0),
                kind: EventKind::Conn(ev),
            });
        }
        out.summary.take_not_emitted(&mut self.conn);
    }
}
