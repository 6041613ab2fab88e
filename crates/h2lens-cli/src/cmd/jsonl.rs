//! JSON Lines output of events.
//!
//! Every event is written exactly as `serde_json` writes its `Serialize`
//! form (docs/SCHEMA.md): one schema for the CLI, the npm package and the
//! inspector. Header block events, which make up nearly all of a `headers
//! --json` run, are written by hand here, several times faster than
//! through serde's generic map path (`#[serde(flatten)]`); their rare
//! parts (errors, diagnostics, priority, non-UTF-8 octets, evictions) and
//! every other event still go through `serde_json`. The tests below check
//! the two agree byte for byte on every vendored capture.
//!
//! [`Detail::Names`] leaves the encoding out of each field (representation,
//! index, Huffman flags, span) and the table events and summary out of each
//! block: `headers --json` without `--explain`, as the text listing.

use std::io;

use h2lens::conn::{BlockKind, BlockRole, ConnEvent, HeaderBlockEvent};
use h2lens::hpack::{Field, HeaderBlock, Representation, TableEvent, TableKind, TableState};
use h2lens::inspect::{Event, EventKind};
use h2lens::time::Direction;
use h2lens::Timestamp;

/// How much of each header field to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Everything, as serialized by the core.
    Explained,
    /// Names and values (and `unknown`); no encoding details, no table
    /// events or table summary.
    Names,
}

/// Writes events as JSON Lines into a buffer.
pub struct Writer {
    detail: Detail,
    /// The last timestamp written and its text (blocks of one packet share
    /// it).
    last_ts: Option<(Timestamp, Vec<u8>)>,
}

impl Writer {
    pub fn new(detail: Detail) -> Writer {
        Writer {
            detail,
            last_ts: None,
        }
    }

    /// Appends `event` and a newline to `out`.
    pub fn write(&mut self, out: &mut Vec<u8>, event: &Event) -> io::Result<()> {
        match &event.kind {
            EventKind::Conn(ConnEvent::HeaderBlock(block)) => {
                self.header_block(out, event.conn, block)?;
            }
            _ => serde_json::to_writer(&mut *out, event).map_err(io::Error::other)?,
        }
        out.push(b'\n');
        Ok(())
    }

    fn header_block(
        &mut self,
        out: &mut Vec<u8>,
        conn: Option<u32>,
        b: &HeaderBlockEvent,
    ) -> io::Result<()> {
        out.push(b'{');
        if let Some(conn) = conn {
            key_first(out, "conn");
            uint(out, conn);
            out.push(b',');
        }
        out.extend_from_slice(b"\"event\":\"header_block\"");
        key(out, "id");
        uint(out, b.id);
        key(out, "dir");
        out.extend_from_slice(direction(b.dir));
        key(out, "stream_id");
        uint(out, b.stream_id);
        key(out, "type");
        out.extend_from_slice(match b.kind {
            BlockKind::Headers => b"\"HEADERS\"",
            BlockKind::PushPromise => b"\"PUSH_PROMISE\"",
        });
        if let Some(p) = b.promised_stream_id {
            key(out, "promised_stream_id");
            uint(out, p);
        }
        key(out, "role");
        out.extend_from_slice(role(b.role));
        key(out, "packet");
        uint(out, b.packet);
        key(out, "packets");
        uints(out, &b.packets);
        key(out, "frames");
        uints(out, &b.frames);
        key(out, "fragments");
        out.push(b'[');
        for (i, s) in b.fragments.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            span(out, s.start, s.end);
        }
        out.push(b']');
        key(out, "end_stream");
        boolean(out, b.end_stream);
        key(out, "end_headers");
        boolean(out, b.end_headers);
        key(out, "padded");
        boolean(out, b.padded);
        if let Some(p) = &b.priority {
            key(out, "priority");
            serde(out, p)?;
        }
        key(out, "continuation_frames");
        uint(out, b.continuation_frames);
        key(out, "ts");
        self.timestamp(out, b.ts)?;
        self.hpack(out, &b.hpack)?;
        if let Some(bytes) = &b.bytes {
            key(out, "bytes");
            serde(out, bytes)?;
        }
        out.push(b'}');
        Ok(())
    }

    /// The flattened [`HeaderBlock`] members.
    fn hpack(&mut self, out: &mut Vec<u8>, h: &HeaderBlock) -> io::Result<()> {
        let explained = self.detail == Detail::Explained;
        key(out, "block");
        uint(out, h.block);
        key(out, "fields");
        out.push(b'[');
        for (i, f) in h.fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            field(out, f, explained)?;
        }
        out.push(b']');
        if h.fields_not_listed != 0 {
            key(out, "fields_not_listed");
            uint(out, h.fields_not_listed);
        }
        if explained && !h.table_events.is_empty() {
            key(out, "table_events");
            out.push(b'[');
            for (i, e) in h.table_events.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                table_event(out, e)?;
            }
            out.push(b']');
        }
        if let Some(error) = &h.error {
            key(out, "error");
            serde(out, error)?;
        }
        if !h.diagnostics.is_empty() {
            key(out, "diagnostics");
            serde(out, &h.diagnostics)?;
        }
        key(out, "table_state");
        match h.table_state {
            TableState::Synced => out.extend_from_slice(b"{\"state\":\"synced\"}"),
            _ => serde(out, &h.table_state)?,
        }
        if explained {
            let t = &h.table;
            out.extend_from_slice(b",\"table\":{\"entries\":");
            uint(out, t.entries);
            key(out, "size");
            uint(out, t.size);
            key(out, "max_size");
            uint(out, t.max_size);
            key(out, "settings_limit");
            uint(out, t.settings_limit);
            out.push(b'}');
        }
        Ok(())
    }

    fn timestamp(&mut self, out: &mut Vec<u8>, ts: Timestamp) -> io::Result<()> {
        match &self.last_ts {
            Some((last, text)) if *last == ts => out.extend_from_slice(text),
            _ => {
                let mut text = Vec::with_capacity(24);
                serde(&mut text, &ts)?;
                out.extend_from_slice(&text);
                self.last_ts = Some((ts, text));
            }
        }
        Ok(())
    }
}

fn field(out: &mut Vec<u8>, f: &Field, explained: bool) -> io::Result<()> {
    let (name, value) = (f.name.as_bytes(), f.value.as_bytes());
    if !explained && !f.unknown && !needs_care(name) && !needs_care(value) {
        // The common field, in five appends (room made once).
        out.reserve(name.len() + value.len() + 22);
        out.extend_from_slice(b"{\"name\":\"");
        out.extend_from_slice(name);
        out.extend_from_slice(b"\",\"value\":\"");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\"}");
        return Ok(());
    }
    out.extend_from_slice(b"{\"name\":");
    octets(out, f.name.as_bytes())?;
    out.extend_from_slice(b",\"value\":");
    octets(out, f.value.as_bytes())?;
    if explained {
        key(out, "repr");
        out.extend_from_slice(match f.repr {
            Representation::Indexed => b"\"indexed\"",
            Representation::IncrementalIndexing => b"\"incremental_indexing\"",
            Representation::WithoutIndexing => b"\"without_indexing\"",
            Representation::NeverIndexed => b"\"never_indexed\"",
        });
        if let Some(index) = &f.index {
            out.extend_from_slice(b",\"index\":{\"index\":");
            uint(out, index.index);
            key(out, "table");
            out.extend_from_slice(match index.table {
                TableKind::Static => b"\"static\"",
                TableKind::Dynamic => b"\"dynamic\"",
            });
            if let Some(entry) = index.entry {
                key(out, "entry");
                uint(out, entry);
            }
            if let Some(block) = index.inserted_in_block {
                key(out, "inserted_in_block");
                uint(out, block);
            }
            out.push(b'}');
        }
        if let Some(h) = f.name_huffman {
            key(out, "name_huffman");
            boolean(out, h);
        }
        if let Some(h) = f.value_huffman {
            key(out, "value_huffman");
            boolean(out, h);
        }
        key(out, "span");
        span(out, f.span.start, f.span.end);
    }
    if f.unknown {
        out.extend_from_slice(b",\"unknown\":true");
    }
    out.push(b'}');
    Ok(())
}

fn table_event(out: &mut Vec<u8>, e: &TableEvent) -> io::Result<()> {
    match e {
        TableEvent::Inserted { entry, field, size } => {
            out.extend_from_slice(b"{\"kind\":\"inserted\",\"entry\":");
            uint(out, *entry);
            key(out, "field");
            uint(out, *field);
            key(out, "size");
            uint(out, *size);
            out.push(b'}');
        }
        TableEvent::SizeUpdate { max_size, span: s } => {
            out.extend_from_slice(b"{\"kind\":\"size_update\",\"max_size\":");
            uint(out, *max_size);
            key(out, "span");
            span(out, s.start, s.end);
            out.push(b'}');
        }
        TableEvent::Evicted { .. } => serde(out, e)?,
    }
    Ok(())
}

fn direction(d: Direction) -> &'static [u8] {
    match d {
        Direction::ClientToServer => b"\"client_to_server\"",
        Direction::ServerToClient => b"\"server_to_client\"",
    }
}

fn role(r: BlockRole) -> &'static [u8] {
    match r {
        BlockRole::Request => b"\"request\"",
        BlockRole::Informational => b"\"informational\"",
        BlockRole::Response => b"\"response\"",
        BlockRole::RequestTrailers => b"\"request_trailers\"",
        BlockRole::ResponseTrailers => b"\"response_trailers\"",
        BlockRole::PushRequest => b"\"push_request\"",
        BlockRole::Unknown => b"\"unknown\"",
    }
}

/// `,"name":` (every key but an object's first).
#[inline]
fn key(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

#[inline]
fn key_first(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

#[inline]
fn uint(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn uints(out: &mut Vec<u8>, list: &[u64]) {
    out.push(b'[');
    for (i, n) in list.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        uint(out, *n);
    }
    out.push(b']');
}

#[inline]
fn boolean(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

fn span(out: &mut Vec<u8>, start: u64, end: u64) {
    out.extend_from_slice(b"{\"start\":");
    uint(out, start);
    key(out, "end");
    uint(out, end);
    out.push(b'}');
}

/// Bytes in the `Octets` schema: a JSON string when they are UTF-8 (the
/// common, fast case when nothing needs escaping), else as the core writes
/// them.
#[inline]
fn octets(out: &mut Vec<u8>, bytes: &[u8]) -> io::Result<()> {
    // Bytes JSON must escape (RFC 8259 §7) and non-ASCII bytes (which need
    // the UTF-8 check) are rare in header fields: one pass finds them.
    if !needs_care(bytes) {
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
        Ok(())
    } else {
        serde(out, &OctetsRef(bytes))
    }
}

/// Whether `bytes` has a byte a JSON string must escape (below 0x20, `"`,
/// `\\`) or a non-ASCII one.
fn needs_care(bytes: &[u8]) -> bool {
    h2lens::octets::any_byte_marked(bytes, care_bytes)
}

/// Non-zero when a byte of `x` is below 0x20, `"`, `\\`, or 0x80 and above.
#[inline(always)]
fn care_bytes(x: u64) -> u64 {
    use h2lens::octets::ascii_bytes_in;
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    ascii_bytes_in(x, 0, 0x1f)
        | ascii_bytes_in(x, b'"', b'"')
        | ascii_bytes_in(x, b'\\', b'\\')
        | x & HIGH
}

/// Borrowed bytes serialized like `Octets`.
struct OctetsRef<'a>(&'a [u8]);

impl serde::Serialize for OctetsRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        h2lens::octets::serialize_octets(self.0, serializer)
    }
}

fn serde(out: &mut Vec<u8>, value: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use h2lens::inspect::{Inspector, Options};
    use std::path::{Path, PathBuf};

    /// Against the per-byte definition, for every byte value at every
    /// position of strings up to 19 bytes (two words and a remainder), on
    /// two backgrounds, and with a byte that needs care right after it.
    #[test]
    fn needs_care_matches_the_byte_check() {
        let care = |b: &u8| *b < 0x20 || *b >= 0x80 || *b == b'"' || *b == b'\\';
        for background in [b'a', b'~'] {
            for len in 0..20usize {
                for at in 0..len.max(1) {
                    for b in 0..=255u8 {
                        let mut s = vec![background; len];
                        if let Some(slot) = s.get_mut(at) {
                            *slot = b;
                        }
                        assert_eq!(needs_care(&s), s.iter().any(care), "{s:?}");
                        if let Some(next) = s.get_mut(at + 1) {
                            *next = b'"';
                            assert!(needs_care(&s), "{s:?}");
                        }
                    }
                }
            }
        }
    }

    fn captures() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
        let mut files = Vec::new();
        for dir in ["corpus", "extra", "net"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                if matches!(ext, "pcap" | "pcapng") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    fn events(path: &Path, options: Options) -> Vec<Event> {
        let mut inspector = Inspector::new(options);
        inspector.push(&std::fs::read(path).unwrap());
        inspector.finish();
        let mut events = Vec::new();
        inspector.drain(&mut events);
        events
    }

    /// Options that make every optional part appear somewhere.
    fn option_sets() -> Vec<Options> {
        let mut all = Options::default();
        all.config.output.header_block_bytes = true;
        all.config.output.frame_bytes = 64;
        let mut counted = Options::default();
        counted.config.output.header_fields = h2lens::config::HeaderFields::Count;
        vec![Options::default(), all, counted]
    }

    #[test]
    fn explained_output_is_exactly_serde_json() {
        let files = captures();
        assert!(files.len() > 20);
        let mut blocks = 0;
        for path in &files {
            for options in option_sets() {
                let mut writer = Writer::new(Detail::Explained);
                for event in events(path, options) {
                    let mut ours = Vec::new();
                    writer.write(&mut ours, &event).unwrap();
                    let mut theirs = serde_json::to_vec(&event).unwrap();
                    theirs.push(b'\n');
                    assert!(
                        ours == theirs,
                        "{}:\n ours  {}\n serde {}",
                        path.display(),
                        String::from_utf8_lossy(&ours),
                        String::from_utf8_lossy(&theirs)
                    );
                    if matches!(event.kind, EventKind::Conn(ConnEvent::HeaderBlock(_))) {
                        blocks += 1;
                    }
                }
            }
        }
        assert!(blocks > 300, "{blocks} blocks compared");
    }

    #[test]
    fn names_output_drops_only_the_encoding() {
        for path in captures() {
            let mut writer = Writer::new(Detail::Names);
            for event in events(&path, Options::default()) {
                let mut ours = Vec::new();
                writer.write(&mut ours, &event).unwrap();
                let got: serde_json::Value = serde_json::from_slice(&ours).unwrap();
                // Parsed back from text like `got`, so floats compare alike.
                let mut want: serde_json::Value =
                    serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
                if let Some(obj) = want.as_object_mut() {
                    if obj.get("event").and_then(|e| e.as_str()) == Some("header_block") {
                        obj.remove("table_events");
                        obj.remove("table");
                        for f in obj["fields"].as_array_mut().unwrap() {
                            let f = f.as_object_mut().unwrap();
                            for k in ["repr", "index", "name_huffman", "value_huffman", "span"] {
                                f.remove(k);
                            }
                        }
                    }
                }
                assert_eq!(got, want, "{}", path.display());
            }
        }
    }
}
