//! Events as columns of numbers, for a viewer that keeps millions of them.
//!
//! Header blocks, frames and exchanges are nearly all of a capture's
//! events, and as JSON each block is about a kilobyte: writing and parsing
//! that JSON cost the inspector most of its time on a big capture
//! (www/README.md). Here the common shapes of those three events become
//! fixed-size rows of numbers, with strings interned (each distinct byte
//! string crosses once, as JSON, then travels as a number). Every other
//! event — and any with a rarer shape (a PUSH_PROMISE, a PRIORITY, a
//! diagnostic, an unsynced table, kept bytes, a reset, a number past what
//! the row can hold) — stays a JSON line, so nothing is lost and JSON remains the schema's definition.
//! `www/src/worker/columns.ts` reads this format and rebuilds exactly the JSON
//! events (`tests/browser/store.test.mjs` checks that on every fixture).
//!
//! One batch, all little-endian:
//!
//! ```text
//! header   16 × u32: MAGIC, VERSION, events, blocks, fields, table events,
//!          frames, first new string id, new strings JSON length, JSON lines
//!          length, exchanges, then 0s
//! blocks   BLOCK_WIDTH × f64 per block
//! frames   FRAME_WIDTH × f64 per frame
//! exchanges EXCHANGE_WIDTH × f64 per exchange
//! fields   FIELD_WIDTH × i32 per field, in block order
//! table    TABLE_WIDTH × i32 per table event, in block order
//! order    1 byte per event: 0 a JSON line, 1 a block row, 2 a frame row,
//!          3 an exchange row
//! strings  JSON array of the new strings (Octets), ids counting on
//! json     JSON Lines of the other events
//! ```
//! Sections start at multiples of 8 bytes.

use std::collections::HashMap;
use std::rc::Rc;

use h2lens::conn::{
    BlockKind, BlockRole, ConnEvent, Exchange, ExchangeState, FrameEvent, HeaderBlockEvent,
};
use h2lens::frame::Frame;
use h2lens::hpack::{Field, Representation, TableEvent, TableKind, TableState};
use h2lens::inspect::{Event, EventKind};
use h2lens::{Direction, Octets};
use wasm_bindgen::JsError;

use crate::convert::json_error;

pub const MAGIC: u32 = 0x3143_3248; // "H2C1"
pub const VERSION: u32 = 2;
const HEADER_WORDS: usize = 16;
pub const BLOCK_WIDTH: usize = 17;
pub const FRAME_WIDTH: usize = 15;
pub const FIELD_WIDTH: usize = 8;
pub const TABLE_WIDTH: usize = 6;
pub const EXCHANGE_WIDTH: usize = 35;

const ORDER_JSON: u8 = 0;
const ORDER_BLOCK: u8 = 1;
const ORDER_FRAME: u8 = 2;
const ORDER_EXCHANGE: u8 = 3;

/// The largest integer a JS number holds exactly.
const SAFE: u64 = (1 << 53) - 1;
/// What an `Int32Array` column holds (non-negative).
const I32: u64 = i32::MAX as u64;

/// The interned byte strings of one decoder, and those not sent yet.
#[derive(Default)]
pub struct Columns {
    /// std's SipHash, not a faster unkeyed hash: the strings are hostile
    /// input, and a crafted capture must not make the table quadratic.
    ids: HashMap<Rc<[u8]>, u32>,
    /// Every interned string by id (the same allocations as the keys of
    /// `ids`), for [`Self::recent`] to check its hits.
    by_id: Vec<Rc<[u8]>>,
    /// A direct-mapped cache in front of `ids` (slot → id + 1, 0 empty): a
    /// capture repeats the same names and values, and a cheap hash of their
    /// ends finds most of them without SipHash. A collision only misses.
    recent: Vec<u32>,
    /// Strings interned since the last batch, in id order.
    fresh: Vec<Octets>,
    /// Id of `fresh[0]`.
    first_fresh: u32,
    // Rows, copied out whole as bytes (see `le_bytes`).
    blocks: Vec<f64>,
    frames: Vec<f64>,
    exchanges: Vec<f64>,
    fields: Vec<i32>,
    table: Vec<i32>,
    order: Vec<u8>,
    json: Vec<u8>,
}

impl Columns {
    /// One batch of `events` in the format above.
    pub fn batch(&mut self, events: &[Event]) -> Result<Vec<u8>, JsError> {
        self.blocks.clear();
        self.frames.clear();
        self.exchanges.clear();
        self.fields.clear();
        self.table.clear();
        self.order.clear();
        self.json.clear();
        for event in events {
            let kind = match (&event.conn, &event.kind) {
                (Some(conn), EventKind::Conn(ConnEvent::HeaderBlock(b)))
                    if self.block(*conn, b) =>
                {
                    ORDER_BLOCK
                }
                (Some(conn), EventKind::Conn(ConnEvent::Frame(f))) if self.frame(*conn, f) => {
                    ORDER_FRAME
                }
                (Some(conn), EventKind::Conn(ConnEvent::Exchange(x)))
                    if self.exchange(*conn, x) =>
                {
                    ORDER_EXCHANGE
                }
                _ => {
                    event.write_json(&mut self.json).map_err(json_error)?;
                    self.json.push(b'\n');
                    ORDER_JSON
                }
            };
            self.order.push(kind);
        }
        let strings = serde_json::to_vec(&self.fresh).map_err(json_error)?;
        let header: [usize; 11] = [
            MAGIC as usize,
            VERSION as usize,
            self.order.len(),
            self.blocks.len() / BLOCK_WIDTH,
            self.fields.len() / FIELD_WIDTH,
            self.table.len() / TABLE_WIDTH,
            self.frames.len() / FRAME_WIDTH,
            self.first_fresh as usize,
            strings.len(),
            self.json.len(),
            self.exchanges.len() / EXCHANGE_WIDTH,
        ];
        let mut out = Vec::with_capacity(
            HEADER_WORDS * 4
                + (self.blocks.len() + self.frames.len() + self.exchanges.len()) * 8
                + (self.fields.len() + self.table.len()) * 4
                + self.order.len()
                + strings.len()
                + self.json.len()
                + 40,
        );
        for word in header {
            let word = u32::try_from(word)
                .map_err(|_| JsError::new("h2lens: a column batch is too large"))?;
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.resize(HEADER_WORDS * 4, 0);
        out.extend_from_slice(le_bytes(&self.blocks));
        out.extend_from_slice(le_bytes(&self.frames));
        out.extend_from_slice(le_bytes(&self.exchanges));
        out.extend_from_slice(le_bytes(&self.fields));
        out.extend_from_slice(le_bytes(&self.table));
        align8(&mut out);
        out.extend_from_slice(&self.order);
        align8(&mut out);
        out.extend_from_slice(&strings);
        align8(&mut out);
        out.extend_from_slice(&self.json);
        self.first_fresh = self.first_fresh.saturating_add(self.fresh.len() as u32);
        self.fresh.clear();
        Ok(out)
    }

    /// Appends `b` as a row when its shape fits one; false leaves every
    /// column as it was (the block then goes as JSON).
    fn block(&mut self, conn: u32, b: &HeaderBlockEvent) -> bool {
        let h = &b.hpack;
        let plain = b.promised_stream_id.is_none()
            && b.priority.is_none()
            && b.bytes.is_none()
            && h.error.is_none()
            && h.diagnostics.is_empty()
            && h.fields_not_listed == 0
            && h.table_state == TableState::Synced
            && b.packets.len() == 1
            && b.packets.first() == Some(&b.packet)
            && b.frames.len() == 1
            && b.fragments.len() == 1;
        let (Some(frame0), Some(fragment)) = (b.frames.first(), b.fragments.first()) else {
            return false;
        };
        let t = &h.table;
        let fits = plain
            && u64::from(conn) <= I32
            && b.id <= I32
            && u64::from(b.stream_id) <= I32
            && h.block <= I32
            && u64::from(b.continuation_frames) <= I32
            && b.packet <= SAFE
            && *frame0 <= SAFE
            && fragment.start <= SAFE
            && fragment.end <= SAFE
            && [t.entries, t.size, t.max_size, t.settings_limit]
                .iter()
                .all(|v| u64::from(*v) <= I32);
        if !fits {
            return false;
        }
        let (field_mark, table_mark) = (self.fields.len(), self.table.len());
        let ok = h.fields.iter().all(|f| self.field(f))
            && h.table_events.iter().all(|e| self.table_event(e));
        if !ok {
            self.fields.truncate(field_mark);
            self.table.truncate(table_mark);
            // Strings interned meanwhile stay: they are sent all the same.
            return false;
        }
        let kind = match b.kind {
            BlockKind::Headers => 0,
            BlockKind::PushPromise => 1,
        };
        let role = match b.role {
            BlockRole::Request => 0,
            BlockRole::Informational => 1,
            BlockRole::Response => 2,
            BlockRole::RequestTrailers => 3,
            BlockRole::ResponseTrailers => 4,
            BlockRole::PushRequest => 5,
            BlockRole::Unknown => 6,
        };
        let flags =
            u32::from(b.end_stream) | u32::from(b.end_headers) << 1 | u32::from(b.padded) << 2;
        let bits = dir_bit(b.dir) | kind << 1 | role << 2 | flags << 5;
        let field_count = (self.fields.len() - field_mark) / FIELD_WIDTH;
        let table_count = (self.table.len() - table_mark) / TABLE_WIDTH;
        self.blocks.extend_from_slice(&[
            f64::from(conn),
            b.id as f64,
            f64::from(bits),
            f64::from(b.stream_id),
            b.packet as f64,
            b.ts.as_secs_f64(),
            h.block as f64,
            field_count as f64,
            table_count as f64,
            f64::from(b.continuation_frames),
            fragment.start as f64,
            fragment.end as f64,
            *frame0 as f64,
            f64::from(t.entries),
            f64::from(t.size),
            f64::from(t.max_size),
            f64::from(t.settings_limit),
        ]);
        true
    }

    fn field(&mut self, f: &Field) -> bool {
        let repr = match f.repr {
            Representation::Indexed => 0,
            Representation::IncrementalIndexing => 1,
            Representation::WithoutIndexing => 2,
            Representation::NeverIndexed => 3,
        };
        let mut bits: u32 = repr;
        let (mut index, mut entry, mut inserted) = (0, 0, 0);
        if let Some(ix) = &f.index {
            let table = match ix.table {
                TableKind::Static => 0,
                TableKind::Dynamic => 1,
            };
            bits |= table << 2 | 1 << 9;
            index = u64::from(ix.index);
            if let Some(e) = ix.entry {
                bits |= 1 << 10;
                entry = e;
            }
            if let Some(b) = ix.inserted_in_block {
                bits |= 1 << 11;
                inserted = b;
            }
        }
        let huffman = |h: Option<bool>| match h {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        };
        bits |= huffman(f.name_huffman) << 4 | huffman(f.value_huffman) << 6;
        bits |= u32::from(f.unknown) << 8;
        let Some([index, entry, inserted, start, end]) =
            small([index, entry, inserted, f.span.start, f.span.end])
        else {
            return false;
        };
        let (Some(name), Some(value)) = (self.intern(&f.name), self.intern(&f.value)) else {
            return false;
        };
        self.fields.extend_from_slice(&[
            name,
            value,
            bits as i32,
            index,
            entry,
            inserted,
            start,
            end,
        ]);
        true
    }

    fn table_event(&mut self, e: &TableEvent) -> bool {
        let row = match e {
            TableEvent::SizeUpdate { max_size, span } => {
                small([u64::from(*max_size), span.start, span.end])
                    .map(|[a, b, c]| [0, a, b, c, 0, 0])
            }
            TableEvent::Inserted { entry, field, size } => {
                small([*entry, u64::from(*field), u64::from(*size)])
                    .map(|[a, b, c]| [1, a, b, c, 0, 0])
            }
            TableEvent::Evicted {
                entry,
                name,
                value,
                size,
                inserted_in_block,
            } => {
                let has = i32::from(entry.is_some()) | i32::from(inserted_in_block.is_some()) << 1;
                let numbers = small([
                    entry.unwrap_or(0),
                    u64::from(*size),
                    inserted_in_block.unwrap_or(0),
                ]);
                match (numbers, self.intern(name), self.intern(value)) {
                    (Some([a, d, e]), Some(b), Some(c)) => Some([2 | has << 2, a, b, c, d, e]),
                    _ => None,
                }
            }
        };
        match row {
            Some(row) => {
                self.table.extend_from_slice(&row);
                true
            }
            None => false,
        }
    }

    /// Appends `f` as a row when its payload is one of the common shapes.
    fn frame(&mut self, conn: u32, f: &FrameEvent) -> bool {
        const NONE: u32 = 0;
        const DATA: u32 = 2;
        const HEADERS: u32 = 3;
        const CONTINUATION: u32 = 4;
        const WINDOW_UPDATE: u32 = 5;
        let (shape, pad, a, payload) = match &f.frame {
            None => (NONE, None, 0, None),
            Some(Frame::Data(d)) => (DATA, d.pad_length, 0, Some(d.data)),
            Some(Frame::Headers(h)) if h.priority.is_none() => {
                (HEADERS, h.pad_length, 0, Some(h.fragment))
            }
            Some(Frame::Continuation(c)) => (CONTINUATION, None, 0, Some(c.fragment)),
            Some(Frame::WindowUpdate(w)) => (WINDOW_UPDATE, None, w.increment, None),
            Some(_) => return false,
        };
        let payload = payload.unwrap_or_default();
        let a = pad.map_or(u64::from(a), u64::from);
        let fits = f.bytes.is_none()
            && f.data.is_none()
            && u64::from(conn) <= I32
            && [
                f.index,
                f.span.start,
                f.span.end,
                f.packet,
                f.first_packet,
                a,
                payload.start,
                payload.end,
            ]
            .iter()
            .all(|v| *v <= SAFE);
        if !fits {
            return false;
        }
        let h = &f.header;
        let bits = dir_bit(f.dir)
            | shape << 1
            | u32::from(h.reserved_bit) << 4
            | u32::from(pad.is_some()) << 5;
        self.frames.extend_from_slice(&[
            f64::from(conn),
            f64::from(bits),
            f.index as f64,
            f64::from(h.length),
            f64::from(h.kind.0),
            f64::from(h.flags.0),
            f64::from(h.stream_id),
            f.span.start as f64,
            f.span.end as f64,
            f.packet as f64,
            f.first_packet as f64,
            f.ts.as_secs_f64(),
            a as f64,
            payload.start as f64,
            payload.end as f64,
        ]);
        true
    }

    /// Appends `x` as a row when its shape is the common one (no reset, no
    /// 1xx response, not pushed, not begun before the capture).
    fn exchange(&mut self, conn: u32, x: &Exchange) -> bool {
        if x.reset.is_some()
            || !x.informational.is_empty()
            || x.promised_on.is_some()
            || x.began_before_capture
            || u64::from(conn) > I32
            || x.request_bytes > SAFE
            || x.response_bytes > SAFE
        {
            return false;
        }
        let heads = [
            &x.request,
            &x.response,
            &x.request_trailers,
            &x.response_trailers,
        ];
        if heads
            .iter()
            .flat_map(|h| h.iter())
            .any(|h| h.packet > SAFE || h.block.is_some_and(|b| b > SAFE))
        {
            return false;
        }
        let state = match x.state {
            ExchangeState::Complete => 0,
            ExchangeState::Reset => 1,
            ExchangeState::Refused => 2,
            ExchangeState::Incomplete => 3,
        };
        let mut presence = 0u32;
        // Presence bits: 2..=5 method, scheme, authority, path; 6 status;
        // 7, 8 content-type, grpc-status; 9..=12 the heads; 13..=16 the times.
        let mut strings = [-1.0; 6];
        let values = [
            (2, &x.method),
            (3, &x.scheme),
            (4, &x.authority),
            (5, &x.path),
            (7, &x.content_type),
            (8, &x.grpc_status),
        ];
        for (slot, (bit, value)) in strings.iter_mut().zip(values) {
            if let Some(o) = value {
                let Some(id) = self.intern(o) else {
                    return false;
                };
                presence |= 1 << bit;
                *slot = f64::from(id);
            }
        }
        let [method, scheme, authority, path, content_type, grpc_status] = strings;
        let status = x.status.map_or(-1.0, f64::from);
        if x.status.is_some() {
            presence |= 1 << 6;
        }
        let start = self.exchanges.len();
        let row = &mut self.exchanges;
        // The flags (slot 2) are known once every presence bit is.
        row.extend_from_slice(&[f64::from(conn), f64::from(x.stream_id), 0.0]);
        row.extend_from_slice(&[
            method,
            scheme,
            authority,
            path,
            status,
            content_type,
            grpc_status,
        ]);
        for (i, head) in heads.iter().enumerate() {
            match head {
                Some(h) => {
                    presence |= 1 << (9 + i);
                    row.extend_from_slice(&[
                        h.block.map_or(-1.0, |b| b as f64),
                        h.packet as f64,
                        h.ts.as_secs_f64(),
                        h.status.map_or(-1.0, f64::from),
                    ]);
                }
                None => row.extend_from_slice(&[0.0; 4]),
            }
        }
        row.extend_from_slice(&[
            x.request_bytes as f64,
            x.response_bytes as f64,
            f64::from(x.request_data_frames),
            f64::from(x.response_data_frames),
        ]);
        for (i, t) in [x.start, x.request_end, x.response_end, x.end]
            .iter()
            .enumerate()
        {
            match t {
                Some(t) => {
                    presence |= 1 << (13 + i);
                    row.push(t.as_secs_f64());
                }
                None => row.push(0.0),
            }
        }
        row.push(f64::from(x.anomalies));
        if let Some(flags) = row.get_mut(start + 2) {
            *flags = f64::from(state | presence);
        }
        true
    }

    /// The id of `o`, interning it (and queueing it to be sent) when new.
    fn intern(&mut self, o: &Octets) -> Option<i32> {
        let bytes = o.as_bytes();
        if self.recent.is_empty() {
            self.recent = vec![0; RECENT_SLOTS];
        }
        let slot = quick_hash(bytes) % RECENT_SLOTS;
        let cached = self.recent.get(slot).copied().unwrap_or(0);
        if let Some(id) = cached.checked_sub(1) {
            if self.by_id.get(id as usize).is_some_and(|b| **b == *bytes) {
                return i32::try_from(id).ok();
            }
        }
        let id = match self.ids.get(bytes) {
            Some(id) => *id,
            None => {
                let id = self
                    .first_fresh
                    .checked_add(u32::try_from(self.fresh.len()).ok()?)?;
                i32::try_from(id).ok()?;
                let shared: Rc<[u8]> = bytes.into();
                self.ids.insert(Rc::clone(&shared), id);
                self.by_id.push(shared);
                self.fresh.push(o.clone());
                id
            }
        };
        if let Some(s) = self.recent.get_mut(slot) {
            *s = id.checked_add(1)?;
        }
        i32::try_from(id).ok()
    }
}

const RECENT_SLOTS: usize = 4096;

/// A cheap hash of a string's length and ends (where header values that
/// differ usually differ: paths, dates' seconds, ids).
fn quick_hash(b: &[u8]) -> usize {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let word = |s: &[u8]| {
        let mut w = [0u8; 8];
        for (d, v) in w.iter_mut().zip(s) {
            *d = *v;
        }
        u64::from_le_bytes(w)
    };
    let head = word(b);
    let tail = word(b.get(b.len().saturating_sub(8)..).unwrap_or_default());
    let h = ((b.len() as u64 ^ head).wrapping_mul(K) ^ tail).wrapping_mul(K);
    (h >> 40) as usize
}

// The format is little-endian, as WebAssembly is; rows are copied out as
// their memory.
#[cfg(target_endian = "big")]
compile_error!("h2lens-wasm's column batches assume a little-endian target");

/// Numbers as their (little-endian) bytes.
fn le_bytes<T: bytemuck::Pod>(values: &[T]) -> &[u8] {
    bytemuck::cast_slice(values)
}

fn dir_bit(dir: Direction) -> u32 {
    match dir {
        Direction::ClientToServer => 0,
        Direction::ServerToClient => 1,
    }
}

/// The numbers as `i32`, when every one fits.
fn small<const N: usize>(values: [u64; N]) -> Option<[i32; N]> {
    let mut out = [0; N];
    for (o, v) in out.iter_mut().zip(values) {
        *o = i32::try_from(v).ok()?;
    }
    Some(out)
}

fn align8(out: &mut Vec<u8>) {
    while out.len() % 8 != 0 {
        out.push(0);
    }
}
