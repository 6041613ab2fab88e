//! `h2lens summary | headers | frames | exchanges | anomalies`.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Args;
use h2lens::config::HeaderFields;
use h2lens::conn::{ConnEvent, FrameEvent, HeaderBlockEvent};
use h2lens::hpack::{Field, Representation, TableKind, TableState, UnknownCause};
use h2lens::inspect::{ByteAccounting, Event, EventKind, Summary};

use super::filter::{Filter, FilterArgs};
use super::input::{for_each_event_sharded, for_each_shown_event, shard_count, InputArgs};
use super::jsonl;
use super::output::{stdout, written, Out};

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// JSON Lines: one event per line, in the schema of docs/SCHEMA.md.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct HeadersArgs {
    #[command(flatten)]
    pub list: ListArgs,
    /// Show each name once with its values in wire order (the gRPC metadata
    /// view).
    #[arg(long)]
    pub grouped: bool,
    /// Show how each field was encoded: representation, Huffman, index and
    /// what it resolved to. With --json: each field's `repr`, `index`,
    /// `name_huffman`, `value_huffman` and `span`, and each block's
    /// `table_events` and `table` (without it, fields carry `name`, `value`
    /// and `unknown` only; the members are the same, the encoding ones are
    /// left out).
    #[arg(long)]
    pub explain: bool,
}

/// Which events a listing prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    Headers,
    Frames,
    Exchanges,
    Anomalies,
}

pub fn run_list(listing: Listing, args: ListArgs) -> Result<ExitCode, String> {
    run_listing(listing, args, false, false)
}

pub fn run_headers(args: HeadersArgs) -> Result<ExitCode, String> {
    run_listing(Listing::Headers, args.list, args.grouped, args.explain)
}

fn run_listing(
    listing: Listing,
    args: ListArgs,
    grouped: bool,
    explain: bool,
) -> Result<ExitCode, String> {
    let mut options = args.input.options();
    // The --path and --header filters read header blocks (their fields)
    // and exchanges.
    let stream_facts = Filter::new(args.filter.clone()).needs_stream_facts();
    let output = &mut options.config.output;
    if listing != Listing::Headers && !stream_facts {
        // Frames, exchanges and anomalies do not show header fields.
        output.header_fields = HeaderFields::Count;
    }
    // Each kind of event is made for the listing that shows it.
    output.frame_events = listing == Listing::Frames;
    output.block_events = listing == Listing::Headers || stream_facts;
    output.exchange_events = listing == Listing::Exchanges || stream_facts;
    let detail = if explain || listing != Listing::Headers {
        jsonl::Detail::Explained
    } else {
        jsonl::Detail::Names
    };
    // One inspector per core, each decoding its share of the connections
    // and formatting what the listing shows; one more thread writes the
    // texts in the order of a single inspector.
    let filter = &args.filter;
    let json = args.json;
    for_each_shown_event(
        &args.input,
        options,
        shard_count(&args.input),
        || {
            let mut filter = Filter::new(filter.clone());
            let mut printer = Printer {
                listing,
                json,
                grouped,
                explain,
                writer: jsonl::Writer::new(detail),
            };
            move |out: &mut Vec<u8>, event: &Event| {
                if filter.accept(event) && listing.shows(event) {
                    printer.print(out, event)?;
                }
                Ok(())
            }
        },
        stdout(),
    )
    .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

impl Listing {
    /// Whether this listing prints `event`.
    fn shows(self, event: &Event) -> bool {
        // A tap exchange's anomalies travel inside it.
        if let (EventKind::TapExchange(tx), Listing::Anomalies) = (&event.kind, self) {
            return !tx.diagnostics.is_empty();
        }
        matches!(
            (&event.kind, self),
            (EventKind::Conn(ConnEvent::HeaderBlock(_)), Listing::Headers)
                | (EventKind::Conn(ConnEvent::Frame(_)), Listing::Frames)
                | (EventKind::Conn(ConnEvent::Exchange(_)), Listing::Exchanges)
                | (
                    EventKind::Conn(ConnEvent::Diagnostic(_)),
                    Listing::Anomalies
                )
                | (EventKind::Notice(_), Listing::Anomalies)
                | (
                    EventKind::TapExchange(_),
                    Listing::Headers | Listing::Exchanges
                )
        )
    }
}

/// Formats the events a listing shows, on a decoding thread.
struct Printer {
    listing: Listing,
    json: bool,
    grouped: bool,
    explain: bool,
    writer: jsonl::Writer,
}

impl Printer {
    /// Appends what the listing shows of `event` to `out`.
    fn print(&mut self, out: &mut Vec<u8>, event: &Event) -> io::Result<()> {
        if self.json {
            match &event.kind {
                EventKind::Conn(ConnEvent::HeaderBlock(block)) if self.grouped => {
                    write_grouped(out, &mut self.writer, event, grouped_json(block))?;
                }
                EventKind::TapExchange(tx) if self.listing == Listing::Anomalies => {
                    // One line per diagnostic, as for the other inputs.
                    for d in &tx.diagnostics {
                        let mut line = serde_json::json!({
                            "event": "diagnostic",
                            "tap_exchange": tx.id,
                        });
                        if let (Some(line), Ok(serde_json::Value::Object(d))) =
                            (line.as_object_mut(), serde_json::to_value(d))
                        {
                            line.extend(d);
                        }
                        serde_json::to_writer(&mut *out, &line).map_err(io::Error::other)?;
                        out.push(b'\n');
                    }
                }
                _ => self.writer.write(out, event)?,
            }
            return Ok(());
        }
        let conn = event.conn.unwrap_or(0);
        match (&event.kind, self.listing) {
            (EventKind::Conn(ConnEvent::HeaderBlock(block)), Listing::Headers) => {
                write_block(out, conn, block, self.grouped, self.explain)
            }
            (EventKind::Conn(ConnEvent::Frame(frame)), Listing::Frames) => {
                write_frame(out, conn, frame)
            }
            (EventKind::Conn(ConnEvent::Exchange(ex)), Listing::Exchanges) => {
                write_exchange(out, conn, ex)
            }
            (EventKind::Conn(ConnEvent::Diagnostic(d)), Listing::Anomalies) => {
                let stream = d
                    .stream_id
                    .map(|s| format!(" stream {s}"))
                    .unwrap_or_default();
                let dir = d.dir.map(|d| format!(" {}", d.arrow())).unwrap_or_default();
                writeln!(
                    out,
                    "#{} conn {conn}{dir}{stream} {}: {}",
                    d.origin.packet,
                    severity(d.diagnostic.severity),
                    d.diagnostic
                )
            }
            (EventKind::TapExchange(tx), Listing::Anomalies) => {
                for d in &tx.diagnostics {
                    writeln!(out, "tap exchange {} {}: {d}", tx.id, severity(d.severity))?;
                }
                Ok(())
            }
            (EventKind::Notice(n), Listing::Anomalies) => {
                let packet = n.packet.map(|p| format!("#{p} ")).unwrap_or_default();
                writeln!(
                    out,
                    "{packet}{}: {}",
                    severity(n.diagnostic.severity),
                    n.diagnostic
                )
            }
            (EventKind::TapExchange(tx), Listing::Headers) => {
                write_tap_headers(out, tx, self.grouped)
            }
            (EventKind::TapExchange(tx), Listing::Exchanges) => write_tap_exchange(out, tx),
            _ => Ok(()),
        }
    }
}

pub fn run_summary(args: ListArgs) -> Result<ExitCode, String> {
    let mut out = stdout();
    // Totals only: header fields are counted, not listed, and frames,
    // blocks and exchanges are counted without making their events.
    let mut options = args.input.options();
    let output = &mut options.config.output;
    output.header_fields = HeaderFields::Count;
    output.frame_events = false;
    output.block_events = false;
    output.exchange_events = false;
    // The totals do not depend on the order between connections, so the
    // connections are shared out between one inspector per core.
    let shards = for_each_event_sharded(
        &args.input,
        options,
        shard_count(&args.input),
        |state: &mut SummaryState, event| state.add(event),
    )
    .map_err(|e| e.to_string())?;
    let mut summary: Option<Box<Summary>> = None;
    let mut connections = Vec::new();
    let mut fidelity = None;
    for shard in shards {
        fidelity = fidelity.or(shard.fidelity);
        match (summary.as_mut(), shard.summary) {
            (None, s) => summary = s,
            (Some(total), Some(s)) => total.add_shard(&s),
            (Some(_), None) => {}
        }
        connections.extend(shard.connections);
    }
    connections.sort_by_key(|(id, _, _)| *id);
    let Some(summary) = summary else {
        return Err("no summary was produced".into());
    };
    let result = if args.json {
        serde_json::to_writer(&mut out, &summary)
            .map_err(super::input::json_error)
            .and_then(|()| writeln!(out))
    } else {
        write_summary(&mut out, &summary, &connections).and_then(|()| match &fidelity {
            Some(f) => writeln!(out, "note: {}", f.statement),
            None => Ok(()),
        })
    };
    written(result.and_then(|()| out.flush()))?;
    Ok(ExitCode::SUCCESS)
}

fn severity(s: h2lens::Severity) -> &'static str {
    match s {
        h2lens::Severity::Error => "error",
        h2lens::Severity::Warning => "warning",
        h2lens::Severity::Info => "info",
    }
}

/// A header block with its fields grouped by name added (as written by
/// `writer`, so with or without the encoding details).
fn write_grouped(
    out: &mut Vec<u8>,
    writer: &mut jsonl::Writer,
    event: &Event,
    grouped: serde_json::Value,
) -> io::Result<()> {
    let mut line = Vec::new();
    writer.write(&mut line, event)?;
    let mut value: serde_json::Value =
        serde_json::from_slice(&line).map_err(super::input::json_error)?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("grouped".into(), grouped);
    }
    serde_json::to_writer(&mut *out, &value).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Names in order of first appearance, each with all its values in wire
/// order.
fn group(fields: &[Field]) -> Vec<(&Field, Vec<&Field>)> {
    let mut groups: Vec<(&Field, Vec<&Field>)> = Vec::new();
    for f in fields {
        match groups.iter_mut().find(|(first, _)| first.name == f.name) {
            Some((_, values)) => values.push(f),
            None => groups.push((f, vec![f])),
        }
    }
    groups
}

fn grouped_json(block: &HeaderBlockEvent) -> serde_json::Value {
    let list: Vec<serde_json::Value> = group(&block.hpack.fields)
        .into_iter()
        .map(|(first, values)| {
            serde_json::json!({
                "name": first.name,
                "values": values.iter().map(|f| &f.value).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::Value::Array(list)
}

fn table_note(state: &TableState) -> Option<&'static str> {
    match state {
        TableState::Synced => None,
        TableState::PartlyUnknown {
            cause: UnknownCause::CaptureStart,
        } => Some("table partly unknown: the capture began mid-connection"),
        TableState::PartlyUnknown {
            cause: UnknownCause::Gap,
        } => Some("after a gap: values may be wrong"),
        TableState::Desynchronised { .. } => Some("after a decoding error: values may be wrong"),
    }
}

fn write_block(
    out: &mut Vec<u8>,
    conn: u32,
    block: &HeaderBlockEvent,
    grouped: bool,
    explain: bool,
) -> io::Result<()> {
    let mut flags = Vec::new();
    if block.end_stream {
        flags.push("END_STREAM");
    }
    if !block.end_headers {
        flags.push("no END_HEADERS");
    }
    if block.padded {
        flags.push("PADDED");
    }
    if block.priority.is_some() {
        flags.push("PRIORITY");
    }
    let promised = block
        .promised_stream_id
        .map(|p| format!(" promised {p}"))
        .unwrap_or_default();
    let cont = if block.continuation_frames > 0 {
        format!(" +{} CONTINUATION", block.continuation_frames)
    } else {
        String::new()
    };
    let packets: Vec<String> = block.packets.iter().map(|p| p.to_string()).collect();
    let kind = match block.kind {
        h2lens::conn::BlockKind::Headers => "HEADERS",
        h2lens::conn::BlockKind::PushPromise => "PUSH_PROMISE",
    };
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", flags.join(" "))
    };
    let frames = if packets.len() > 1 {
        format!(" (frames in packets {})", packets.join(","))
    } else {
        String::new()
    };
    writeln!(
        out,
        "#{} conn {conn} {} stream {} {kind}{promised}{cont} {}{flags}{frames}",
        block.packet,
        block.dir.arrow(),
        block.stream_id,
        role_name(block.role),
    )?;
    if let Some(note) = table_note(&block.hpack.table_state) {
        writeln!(out, "  ! {note}")?;
    }
    for event in &block.hpack.table_events {
        if let h2lens::hpack::TableEvent::SizeUpdate { max_size, .. } = event {
            writeln!(out, "  (dynamic table size update: {max_size})")?;
        }
    }
    if grouped {
        for (first, values) in group(&block.hpack.fields) {
            let shown: Vec<String> = values
                .iter()
                .map(|f| format!("\"{}\"", terminal_text(f.value.as_bytes())))
                .collect();
            let name = terminal_text(first.name.as_bytes());
            if values.len() == 1 {
                writeln!(out, "  {name}: {}", shown.join(""))?;
            } else {
                writeln!(out, "  {name}: [{}]", shown.join(", "))?;
            }
        }
    } else {
        for f in &block.hpack.fields {
            if f.unknown {
                let index = f.index.as_ref().map(|i| i.index).unwrap_or(0);
                let value = if f.value.is_empty() {
                    String::new()
                } else {
                    format!(" = {}", terminal_text(f.value.as_bytes()))
                };
                writeln!(
                    out,
                    "  <unknown entry {index}, inserted before decoding could follow>{value}"
                )?;
            } else {
                write!(
                    out,
                    "  {}: {}",
                    terminal_text(f.name.as_bytes()),
                    terminal_text(f.value.as_bytes())
                )?;
                if explain {
                    write!(out, "    [{}]", explain_field(f))?;
                }
                writeln!(out)?;
            }
        }
    }
    if let Some(err) = &block.hpack.error {
        writeln!(out, "  ! HPACK error: {err}")?;
    }
    Ok(())
}

fn role_name(role: h2lens::conn::BlockRole) -> &'static str {
    use h2lens::conn::BlockRole;
    match role {
        BlockRole::Request => "request",
        BlockRole::Informational => "informational response",
        BlockRole::Response => "response",
        BlockRole::RequestTrailers => "request trailers",
        BlockRole::ResponseTrailers => "response trailers",
        BlockRole::PushRequest => "pushed request",
        BlockRole::Unknown => "(role unknown)",
    }
}

/// Bytes for a terminal: UTF-8 text as is, control characters and
/// invalid bytes as `\xNN` (a backslash as `\\`), so header values can
/// neither garble the screen nor hide bytes.
pub fn terminal_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Representation, Huffman and index facts for one field.
pub fn explain_field(f: &Field) -> String {
    let repr = match f.repr {
        Representation::Indexed => "indexed",
        Representation::IncrementalIndexing => "literal, incremental indexing",
        Representation::WithoutIndexing => "literal, without indexing",
        Representation::NeverIndexed => "literal, NEVER INDEXED",
    };
    let mut parts = vec![repr.to_string()];
    if let Some(index) = &f.index {
        let what = if f.repr == Representation::Indexed {
            "field"
        } else {
            "name"
        };
        let table = match index.table {
            TableKind::Static => "static".to_string(),
            TableKind::Dynamic => match (index.entry, index.inserted_in_block) {
                (Some(entry), Some(block)) => {
                    format!("dynamic entry #{entry}, inserted in block {block}")
                }
                _ => "dynamic".to_string(),
            },
        };
        parts.push(format!("{what} index {} ({table})", index.index));
    } else if f.repr != Representation::Indexed {
        parts.push("new name".into());
    }
    let huff = match (f.name_huffman, f.value_huffman) {
        (Some(true), Some(true)) => Some("Huffman name+value"),
        (Some(true), _) => Some("Huffman name"),
        (_, Some(true)) => Some("Huffman value"),
        (Some(false), Some(false)) | (None, Some(false)) => Some("plain"),
        _ => None,
    };
    if let Some(h) = huff {
        parts.push(h.into());
    }
    parts.join(", ")
}

fn write_frame(out: &mut Vec<u8>, conn: u32, frame: &FrameEvent) -> io::Result<()> {
    let flags = frame.header.flags.describe(frame.header.kind);
    writeln!(
        out,
        "#{} conn {conn} {} stream {} {} len {} [{}]",
        frame.packet,
        frame.dir.arrow(),
        frame.header.stream_id,
        frame.header.kind,
        frame.header.length,
        flags.join(" ")
    )
}

fn write_exchange(out: &mut Vec<u8>, conn: u32, ex: &h2lens::conn::Exchange) -> io::Result<()> {
    let show = |o: &Option<h2lens::Octets>| {
        o.as_ref()
            .map(|v| v.display().into_owned())
            .unwrap_or_else(|| "-".into())
    };
    let status = ex
        .status
        .map(|s| s.to_string())
        .unwrap_or_else(|| "-".into());
    let grpc = ex
        .grpc_status
        .as_ref()
        .map(|g| format!(" grpc-status {}", g.display()))
        .unwrap_or_default();
    let duration = match (ex.start, ex.end) {
        (Some(a), Some(b)) => format!(" {:.3} ms", b.nanos_since(a) as f64 / 1e6),
        _ => String::new(),
    };
    let reset = ex
        .reset
        .as_ref()
        .map(|r| format!(" RST_STREAM {} by {}", r.error_code, r.by.arrow()))
        .unwrap_or_default();
    writeln!(
        out,
        "conn {conn} stream {} {} {} {} {status}{grpc} req {}B resp {}B {:?}{reset}{duration}",
        ex.stream_id,
        show(&ex.method),
        show(&ex.authority),
        show(&ex.path),
        ex.request_bytes,
        ex.response_bytes,
        ex.state
    )
}

/// What `summary` gathers from one shard's events.
#[derive(Default)]
struct SummaryState {
    summary: Option<Box<Summary>>,
    connections: Vec<ConnRow>,
    /// What a tap input can and cannot tell.
    fidelity: Option<h2lens::tap::Fidelity>,
}

impl SummaryState {
    fn add(&mut self, event: Event) {
        match event.kind {
            EventKind::Summary(s) => self.summary = Some(s),
            EventKind::Input(info) => self.fidelity = info.fidelity,
            EventKind::Connection(c) => self.connections.push((event.conn.unwrap_or(0), c, None)),
            EventKind::ConnectionEnd(end) => {
                if let Some(entry) = self
                    .connections
                    .iter_mut()
                    .rev()
                    .find(|(id, _, _)| Some(*id) == event.conn)
                {
                    entry.2 = Some(end);
                }
            }
            _ => {}
        }
    }
}

fn show_opt(o: &Option<h2lens::Octets>) -> String {
    o.as_ref()
        .map(|v| terminal_text(v.as_bytes()))
        .unwrap_or_else(|| "-".into())
}

/// A tap exchange's headers: decoded headers as the mesh saw them (no HPACK
/// detail; for linkerd, not the wire order across names).
fn write_tap_headers(
    out: &mut Vec<u8>,
    tx: &h2lens::tap::TapExchange,
    grouped: bool,
) -> io::Result<()> {
    write_tap_exchange(out, tx)?;
    let lists: [(&str, Option<&Vec<h2lens::grpc::Header>>); 4] = [
        ("request headers", Some(&tx.request_headers)),
        ("request trailers", tx.request_trailers.as_ref()),
        ("response headers", Some(&tx.response_headers)),
        ("response trailers", tx.response_trailers.as_ref()),
    ];
    for (title, list) in lists {
        let Some(list) = list.filter(|l| !l.is_empty()) else {
            continue;
        };
        writeln!(out, "  {title}:")?;
        if grouped {
            let mut groups: Vec<(&h2lens::Octets, Vec<&h2lens::Octets>)> = Vec::new();
            for (name, value) in list {
                match groups.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, values)) => values.push(value),
                    None => groups.push((name, vec![value])),
                }
            }
            for (name, values) in groups {
                let shown: Vec<String> = values
                    .iter()
                    .map(|v| format!("\"{}\"", terminal_text(v.as_bytes())))
                    .collect();
                if shown.len() == 1 {
                    writeln!(
                        out,
                        "    {}: {}",
                        terminal_text(name.as_bytes()),
                        shown.join("")
                    )?;
                } else {
                    writeln!(
                        out,
                        "    {}: [{}]",
                        terminal_text(name.as_bytes()),
                        shown.join(", ")
                    )?;
                }
            }
        } else {
            for (name, value) in list {
                writeln!(
                    out,
                    "    {}: {}",
                    terminal_text(name.as_bytes()),
                    terminal_text(value.as_bytes())
                )?;
            }
        }
    }
    Ok(())
}

fn write_tap_exchange(out: &mut Vec<u8>, tx: &h2lens::tap::TapExchange) -> io::Result<()> {
    let status = tx
        .status
        .map(|s| s.to_string())
        .unwrap_or_else(|| "-".into());
    let grpc = tx
        .grpc_status
        .map(|g| format!(" grpc-status {g}"))
        .unwrap_or_default();
    let duration = tx
        .response_end_ns
        .map(|ns| format!(" {:.3} ms", ns as f64 / 1e6))
        .unwrap_or_default();
    let direction = tx
        .proxy_direction
        .as_ref()
        .map(|d| format!(" {d}"))
        .unwrap_or_default();
    let incomplete = if tx.complete { "" } else { " (incomplete)" };
    writeln!(
        out,
        "tap {}{direction} {} {} {} {status}{grpc}{duration}{incomplete}",
        tx.id,
        show_opt(&tx.method),
        show_opt(&tx.authority),
        show_opt(&tx.path)
    )
}

type ConnRow = (
    u32,
    h2lens::inspect::ConnectionInfo,
    Option<Box<h2lens::inspect::ConnectionEnd>>,
);

/// `N bytes: D decoded, T TLS layer, S skipped (reason), L lost in gaps`.
fn describe_accounting(a: &ByteAccounting) -> String {
    let mut s = format!("{} bytes: {} decoded", a.stream_bytes, a.decoded);
    if a.tls > 0 {
        s.push_str(&format!(", {} TLS layer", a.tls));
    }
    for (reason, n) in &a.skipped {
        s.push_str(&format!(", {n} skipped ({reason})"));
    }
    if a.lost > 0 {
        s.push_str(&format!(", and {} lost in gaps", a.lost));
    }
    s
}

fn write_summary(out: &mut Out, s: &Summary, conns: &[ConnRow]) -> io::Result<()> {
    let format = s.format.map(|f| f.name()).unwrap_or("unknown");
    writeln!(out, "input: {format}, {} bytes", s.input_bytes)?;
    if s.packets > 0 {
        write!(out, "packets: {}", s.packets)?;
        if let (Some(a), Some(b)) = (s.first_ts, s.last_ts) {
            write!(out, " over {:.6} s", b.nanos_since(a) as f64 / 1e9)?;
        }
        writeln!(out)?;
    }
    for (link, n) in &s.link_types {
        writeln!(out, "  link type {link}: {n} packets")?;
    }
    writeln!(
        out,
        "connections: {} ({} HTTP/2), streams {}, exchanges {}, header blocks {}, header fields {}",
        s.connections,
        s.http2_connections,
        s.streams,
        s.exchanges,
        s.header_blocks,
        s.header_fields
    )?;
    if s.tap_exchanges > 0 {
        writeln!(out, "tap exchanges: {}", s.tap_exchanges)?;
    }
    if s.grpc_calls > 0 {
        writeln!(out, "gRPC calls: {}", s.grpc_calls)?;
    }
    for (id, info, end) in conns {
        let endpoints = match (&info.client, &info.server) {
            (Some(c), Some(s)) => format!("{c} → {s}"),
            _ => "-".into(),
        };
        let (protocol, stats) = match end {
            Some(end) => (
                end.protocol
                    .as_ref()
                    .map(|p| p.describe())
                    .unwrap_or_else(|| "no data".into()),
                Some(&end.stats),
            ),
            None => ("?".into(), None),
        };
        write!(out, "  conn {id}: {endpoints} {protocol}")?;
        if let Some(st) = stats {
            let frames = st.client_to_server.frames + st.server_to_client.frames;
            let bytes = st.client_to_server.bytes + st.server_to_client.bytes;
            write!(
                out,
                ", {frames} frames, {} streams, {bytes} bytes, {} anomalies",
                st.streams, st.diagnostics
            )?;
        }
        if info.roles_guessed {
            write!(out, " (client/server guessed)")?;
        }
        writeln!(out)?;
        if let Some(st) = stats {
            for (arrow, dir) in [("→", &st.client_to_server), ("←", &st.server_to_client)] {
                let bytes = describe_accounting(&ByteAccounting::of_direction(dir));
                writeln!(out, "    {arrow} {bytes}")?;
            }
        }
    }
    let frames: Vec<String> = s.frames.iter().map(|(k, v)| format!("{k} {v}")).collect();
    writeln!(out, "frames: {}", frames.join(", "))?;
    let d = &s.diagnostics;
    writeln!(
        out,
        "anomalies: {} errors, {} warnings, {} notes",
        d.errors, d.warnings, d.infos
    )?;
    let b = &s.bytes;
    writeln!(
        out,
        "stream bytes: {} decoded of {}; lost in gaps: {}",
        b.decoded, b.stream_bytes, b.lost
    )?;
    if b.tls > 0 {
        writeln!(
            out,
            "  TLS layer {} bytes: record headers, encryption overhead, handshake (decrypted with a key log)",
            b.tls
        )?;
    }
    for (reason, n) in &b.skipped {
        writeln!(out, "  skipped {n} bytes: {reason}")?;
    }
    if let Some(net) = &s.net {
        writeln!(
            out,
            "packet bytes: {} of IP/TCP/link headers, {} TCP payload delivered in {} segments",
            net.header_bytes + net.trailer_bytes,
            net.delivered.bytes,
            net.delivered.count
        )?;
        for (reason, n) in &net.skipped {
            writeln!(
                out,
                "  skipped {} packets / {} bytes: {reason:?}",
                n.count, n.bytes
            )?;
        }
        if net.gaps.count > 0 {
            writeln!(
                out,
                "  {} gaps, {} bytes never captured",
                net.gaps.count, net.gaps.bytes
            )?;
        }
    }
    if let Some(c) = &s.capture {
        writeln!(
            out,
            "file bytes: {} packet data, {} record/block metadata, {} skipped blocks, {} undecodable",
            c.packet_data_bytes, c.metadata_bytes, c.skipped_bytes, c.undecodable_bytes
        )?;
    }
    Ok(())
}
