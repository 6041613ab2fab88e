//! Captures: pcap/pcapng records → link/IP/TCP reassembly → one connection
//! decoder per TCP connection.

use std::sync::Arc;

use crate::capture::{CaptureEvent, Next, Reader, SecretsType};
use crate::config::Config;
use crate::conn::{ConnStart, Connection, Origin, PREFACE};
use crate::diag::{Diagnostic, Layer};
use crate::idhash::IdMap;
use crate::net::{Dissector, NetEvent};
use crate::time::{Direction, PerDir};
use crate::tls::KeyLog;

use super::{ConnectionEnd, ConnectionInfo, Event, EventKind, Notice, Out, Shard};

#[derive(Debug)]
pub(super) struct CaptureStage {
    config: Config,
    reader: Reader,
    net: Dissector,
    conns: IdMap<u32, Conn>,
    /// Skipped-packet notices so far (one per packet up to a limit).
    skipped_notices: u64,
    /// TLS secrets: the user's key log plus Decryption Secrets Blocks.
    key_log: Option<Arc<KeyLog>>,
    shard: Shard,
}

#[derive(Debug)]
struct Conn {
    decoder: Connection,
    closed: PerDir<bool>,
    /// Client and server were guessed, and the first bytes showed the guess
    /// was backwards (the client preface came from the "server").
    swapped: bool,
    roles_guessed: bool,
    seen_data: bool,
}

/// Skipped packets reported one by one before only the totals are kept.
const MAX_SKIP_NOTICES: u64 = 1000;

impl CaptureStage {
    pub fn new(config: &Config, shard: Shard, key_log: Option<Arc<KeyLog>>) -> CaptureStage {
        CaptureStage {
            config: config.clone(),
            reader: Reader::new(&config.capture),
            net: Dissector::new(&config.tcp),
            conns: IdMap::default(),
            skipped_notices: 0,
            key_log,
            shard,
        }
    }

    /// A Decryption Secrets Block: its TLS secrets join the key log, for
    /// connections whose ClientHello is still to come (pcapng puts secrets
    /// before the packets they decrypt).
    fn add_secrets(&mut self, secrets: &crate::capture::DecryptionSecrets, out: &mut Out) {
        if secrets.secrets_type != SecretsType::TLS_KEY_LOG {
            out.emit(notice(
                None,
                None,
                Diagnostic::info(
                    Layer::Capture,
                    "capture.decryption_secrets",
                    format!(
                        "Decryption Secrets Block ({}, {} bytes) skipped: h2lens uses TLS key logs only",
                        secrets.secrets_type.name().unwrap_or("unknown secrets type"),
                        secrets.data.len()
                    ),
                )
                .at(secrets.span.start),
            ));
            return;
        }
        let (log, diags) = KeyLog::parse(secrets.data.as_bytes());
        for d in diags {
            // Offsets in the block's text become file offsets.
            let d = match d.offset {
                Some(o) => d.at(secrets.span.start.saturating_add(o)),
                None => d,
            };
            out.emit(notice(None, None, d));
        }
        out.emit(notice(
            None,
            None,
            Diagnostic::info(
                Layer::Capture,
                "capture.decryption_secrets",
                format!(
                    "Decryption Secrets Block (TLS key log, {} bytes): secrets for {} TLS sessions",
                    secrets.data.len(),
                    log.len()
                ),
            )
            .at(secrets.span.start),
        ));
        let mut merged = self.key_log.as_deref().cloned().unwrap_or_default();
        merged.extend(log);
        let merged = Arc::new(merged);
        for conn in self.conns.values_mut() {
            conn.decoder.set_key_log(merged.clone());
        }
        self.key_log = Some(merged);
    }

    pub fn push(&mut self, bytes: &[u8], out: &mut Out) {
        self.reader.push(bytes);
        self.drain(out);
    }

    pub fn finish(&mut self, out: &mut Out) {
        self.reader.finish();
        self.drain(out);
        self.net.finish();
        self.drain_net(out);
        let mut ids: Vec<u32> = self.conns.keys().copied().collect();
        ids.sort_unstable();
        // Each connection's end has its own position, the same in every
        // shard whichever connections the shard decodes.
        let base = out.position.saturating_add(1);
        for id in ids {
            out.position = base.saturating_add(u64::from(id));
            self.end_conn(id, out);
        }
    }

    fn drain(&mut self, out: &mut Out) {
        loop {
            out.position += 1;
            let event = match self.reader.next_in_place() {
                None => break,
                // Most packets: read where they lie in the reader's buffer.
                Some(Next::Packet(p)) => {
                    count_packet(out, p.ts, p.link_type);
                    self.net
                        .handle(p.link_type, p.number, p.ts, p.data, p.original_len);
                    self.drain_net(out);
                    continue;
                }
                Some(Next::Event(event)) => event,
            };
            match event {
                CaptureEvent::Packet(packet) => {
                    count_packet(out, packet.ts, packet.link_type);
                    self.net.handle_packet(&packet);
                    self.drain_net(out);
                }
                CaptureEvent::Diagnostic(diagnostic) => out.emit(notice(None, None, diagnostic)),
                CaptureEvent::Skipped(block) => out.emit(notice(
                    None,
                    None,
                    Diagnostic::info(
                        Layer::Capture,
                        "capture.block_skipped",
                        format!(
                            "pcapng block type 0x{:08x} skipped ({} bytes): {}",
                            block.block_type,
                            block.span.len(),
                            block.reason
                        ),
                    )
                    .at(block.span.start),
                )),
                CaptureEvent::Secrets(secrets) => self.add_secrets(&secrets, out),
                CaptureEvent::End(stats) => out.summary.capture = Some(stats),
                CaptureEvent::FileInfo(_)
                | CaptureEvent::Section(_)
                | CaptureEvent::Interface(_) => {}
            }
        }
    }

    fn drain_net(&mut self, out: &mut Out) {
        while let Some(event) = self.net.next_event() {
            out.position += 1;
            match event {
                NetEvent::ConnectionOpened(open) => self.open_conn(open, out),
                NetEvent::Data(data) => {
                    let id = data.conn.0;
                    let Some(conn) = self.conns.get_mut(&id) else {
                        continue;
                    };
                    if !conn.seen_data {
                        conn.seen_data = true;
                        // A guessed server that sends the client preface is
                        // the client.
                        conn.swapped = conn.roles_guessed
                            && data.dir == Direction::ServerToClient
                            && data.offset == 0
                            && data.data.as_bytes().starts_with(PREFACE);
                    }
                    let dir = if conn.swapped {
                        data.dir.reverse()
                    } else {
                        data.dir
                    };
                    let origin = Origin {
                        packet: data.packet,
                        ts: data.ts,
                    };
                    conn.decoder.push(dir, data.data.as_bytes(), origin);
                    drain_conn(id, conn, out);
                }
                NetEvent::Gap(gap) => {
                    let id = gap.conn.0;
                    if let Some(conn) = self.conns.get_mut(&id) {
                        let dir = if conn.swapped {
                            gap.dir.reverse()
                        } else {
                            gap.dir
                        };
                        let origin = Origin {
                            packet: gap.packet,
                            ts: gap.ts,
                        };
                        conn.decoder.gap(dir, gap.len, origin);
                        drain_conn(id, conn, out);
                    }
                }
                NetEvent::Closed(closed) => {
                    let id = closed.conn.0;
                    let done = match self.conns.get_mut(&id) {
                        Some(conn) => {
                            conn.closed[closed.dir] = true;
                            closed.kind == crate::net::CloseKind::Rst
                                || (conn.closed.client_to_server && conn.closed.server_to_client)
                        }
                        None => false,
                    };
                    if done {
                        self.end_conn(id, out);
                    }
                }
                NetEvent::Skipped(skipped) => self.skipped_notice(skipped, out),
                NetEvent::Diagnostic(d) => {
                    out.emit(notice(Some(d.packet), d.conn.map(|c| c.0), d.diagnostic))
                }
                NetEvent::Summary(stats) => out.summary.net = Some(stats),
            }
        }
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn open_conn(&mut self, open: crate::net::ConnectionOpened, out: &mut Out) {
        let id = open.conn.0;
        if !self.shard.owns(id) {
            return;
        }
        let start = if open.syn_seen {
            ConnStart::Beginning
        } else {
            ConnStart::Midstream
        };
        let mut decoder = Connection::new(&self.config, start);
        if let Some(key_log) = &self.key_log {
            decoder.set_key_log(key_log.clone());
        }
        self.conns.insert(
            id,
            Conn {
                decoder,
                closed: PerDir::default(),
                swapped: false,
                roles_guessed: open.roles_guessed,
                seen_data: false,
            },
        );
        out.emit(Event {
            conn: Some(id),
            kind: EventKind::Connection(ConnectionInfo {
                client: Some(open.client.to_string()),
                server: Some(open.server.to_string()),
                from_start: open.syn_seen,
                roles_guessed: open.roles_guessed,
                packet: open.packet,
                ts: open.ts,
            }),
        });
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn skipped_notice(&mut self, skipped: crate::net::SkippedPacket, out: &mut Out) {
        self.skipped_notices += 1;
        if self.skipped_notices <= MAX_SKIP_NOTICES {
            let mut d = Diagnostic::info(
                skipped.layer,
                "net.packet_skipped",
                format!("{} bytes skipped: {}", skipped.bytes, skipped.detail),
            );
            if self.skipped_notices == MAX_SKIP_NOTICES {
                d.message
                    .push_str(" (further skipped packets are only counted in the summary)");
            }
            out.emit(notice(Some(skipped.packet), skipped.conn.map(|c| c.0), d));
        }
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn end_conn(&mut self, id: u32, out: &mut Out) {
        let Some(mut conn) = self.conns.remove(&id) else {
            return;
        };
        conn.decoder.finish();
        drain_conn(id, &mut conn, out);
        out.emit(Event {
            conn: Some(id),
            kind: EventKind::ConnectionEnd(Box::new(ConnectionEnd {
                protocol: conn.decoder.protocol().cloned(),
                stats: conn.decoder.stats(),
            })),
        });
    }
}

fn count_packet(out: &mut Out, ts: crate::Timestamp, link_type: crate::capture::LinkType) {
    let summary = &mut out.summary;
    summary.packets += 1;
    if summary.first_ts.is_none() {
        summary.first_ts = Some(ts);
    }
    summary.last_ts = Some(ts);
    let types = &mut summary.link_types;
    match link_type.name().and_then(|name| types.get_mut(name)) {
        Some(n) => *n += 1,
        None => {
            let link = match link_type.name() {
                Some(name) => name.to_string(),
                None => format!("link type {}", link_type.0),
            };
            *types.entry(link).or_insert(0) += 1;
        }
    }
}

fn notice(packet: Option<u64>, conn: Option<u32>, diagnostic: Diagnostic) -> Event {
    Event {
        conn,
        kind: EventKind::Notice(Notice { packet, diagnostic }),
    }
}

fn drain_conn(id: u32, conn: &mut Conn, out: &mut Out) {
    while let Some(ev) = conn.decoder.next_event() {
        out.emit(Event {
            conn: Some(id),
            kind: EventKind::Conn(ev),
        });
    }
    out.summary.take_not_emitted(&mut conn.decoder);
}
