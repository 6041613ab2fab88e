//! Running totals over the event stream.

use crate::conn::ConnEvent;
use crate::frame::FrameType;

use super::{ByteAccounting, ConnectionSummary, DiagnosticCounts, Event, EventKind, Summary};
use crate::PerDir;

impl Summary {
    /// Counts `n` frames of type `kind`.
    pub(super) fn add_frames(&mut self, kind: FrameType, n: u64) {
        // Known types are counted without building their name.
        match kind.name().and_then(|name| self.frames.get_mut(name)) {
            Some(count) => *count += n,
            None => *self.frames.entry(kind.to_string()).or_insert(0) += n,
        }
    }

    /// Counts what `conn` decoded without making events of it (frames,
    /// blocks and exchanges left out by `OutputOptions`) since the last
    /// call; with every event on, there is nothing to take.
    pub(super) fn take_not_emitted(&mut self, conn: &mut crate::conn::Connection) {
        conn.take_frame_counts(|kind, n| self.add_frames(kind, n));
        let n = conn.take_not_emitted();
        self.header_blocks += n.header_blocks;
        self.header_fields += n.header_fields;
        self.exchanges += n.exchanges;
    }

    /// Adds the connection totals of another shard's summary (see
    /// [`super::Shard`]) to this one, shard 0's: counts of connections,
    /// frames, blocks, fields, streams, exchanges, calls, diagnostics and
    /// stream bytes add up; what every shard saw alike (input, packets,
    /// link types, capture and TCP/IP accounting) is kept from this one.
    /// The npm package's worker pool does the same in JavaScript
    /// (`mergeSummaries` in `npm/h2lens/pool.js`): change both together.
    pub fn add_shard(&mut self, other: &Summary) {
        fn add_map(
            into: &mut std::collections::BTreeMap<String, u64>,
            from: &std::collections::BTreeMap<String, u64>,
        ) {
            for (k, v) in from {
                *into.entry(k.clone()).or_insert(0) += v;
            }
        }
        // Destructured in full so that a new field cannot be forgotten here.
        let Summary {
            // Seen alike by every shard: kept from this one.
            format: _,
            input_bytes: _,
            packets: _,
            first_ts: _,
            last_ts: _,
            link_types: _,
            capture: _,
            net: _,
            // Each shard's own connections: added up.
            connections,
            http2_connections,
            protocols,
            frames,
            header_blocks,
            header_fields,
            streams,
            exchanges,
            grpc_calls,
            tap_exchanges,
            diagnostics,
            bytes,
            connection_list,
        } = other;
        self.connections += connections;
        self.http2_connections += http2_connections;
        add_map(&mut self.protocols, protocols);
        add_map(&mut self.frames, frames);
        self.header_blocks += header_blocks;
        self.header_fields += header_fields;
        self.streams += streams;
        self.exchanges += exchanges;
        self.grpc_calls += grpc_calls;
        self.tap_exchanges += tap_exchanges;
        let DiagnosticCounts {
            errors,
            warnings,
            infos,
        } = diagnostics;
        self.diagnostics.errors += errors;
        self.diagnostics.warnings += warnings;
        self.diagnostics.infos += infos;
        let ByteAccounting {
            stream_bytes,
            decoded,
            tls,
            skipped,
            lost,
        } = bytes;
        let b = &mut self.bytes;
        b.stream_bytes += stream_bytes;
        b.decoded += decoded;
        b.tls += tls;
        b.lost += lost;
        add_map(&mut b.skipped, skipped);
        self.connection_list.extend(connection_list.iter().cloned());
        self.connection_list.sort_by_key(|c| c.conn);
    }

    /// Counts one event.
    pub(super) fn count(&mut self, event: &Event) {
        match &event.kind {
            EventKind::Conn(ConnEvent::Frame(f)) => self.add_frames(f.header.kind, 1),
            EventKind::Conn(ConnEvent::HeaderBlock(b)) => {
                self.header_blocks += 1;
                self.header_fields +=
                    b.hpack.fields.len() as u64 + u64::from(b.hpack.fields_not_listed);
            }
            EventKind::Conn(ConnEvent::Exchange(_)) => self.exchanges += 1,
            EventKind::Conn(ConnEvent::Diagnostic(d)) => {
                self.diagnostics.count(d.diagnostic.severity)
            }
            EventKind::Notice(n) => self.diagnostics.count(n.diagnostic.severity),
            EventKind::Connection(info) => {
                self.connections += 1;
                self.connection_list.push(ConnectionSummary {
                    conn: event.conn.unwrap_or(0),
                    client: info.client.clone(),
                    server: info.server.clone(),
                    ..ConnectionSummary::default()
                });
            }
            EventKind::ConnectionEnd(end) => {
                let protocol = end
                    .protocol
                    .as_ref()
                    .map(|p| p.describe())
                    .unwrap_or_else(|| "no data".to_string());
                *self.protocols.entry(protocol).or_insert(0) += 1;
                if end.protocol.as_ref().is_some_and(|p| p.is_http2()) {
                    self.http2_connections += 1;
                }
                self.streams += end.stats.streams;
                for dir in [&end.stats.client_to_server, &end.stats.server_to_client] {
                    self.bytes.add_direction(dir);
                }
                // Numbered in order of appearance: the list is sorted.
                let at = event.conn.and_then(|id| {
                    self.connection_list
                        .binary_search_by_key(&id, |c| c.conn)
                        .ok()
                });
                if let Some(c) = at.and_then(|i| self.connection_list.get_mut(i)) {
                    c.protocol = end.protocol.as_ref().map(|p| p.describe());
                    c.bytes = PerDir {
                        client_to_server: ByteAccounting::of_direction(&end.stats.client_to_server),
                        server_to_client: ByteAccounting::of_direction(&end.stats.server_to_client),
                    };
                }
            }
            EventKind::GrpcCall(_) => self.grpc_calls += 1,
            EventKind::TapExchange(_) => self.tap_exchanges += 1,
            EventKind::Conn(_) | EventKind::Input(_) | EventKind::Summary(_) => {}
        }
    }
}
