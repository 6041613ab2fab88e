//! The HPACK decoder (RFC 7541 §3, §6): one per direction of a connection.
//!
//! Both entry points share one decoding loop, generic over a [`Sink`]:
//! [`Decoder::decode`] records everything (fields with how they were
//! encoded, table events, diagnostics); [`Decoder::decode_fields`] only
//! hands out name and value slices, without allocating per field.

use crate::config::HpackLimits;
use crate::diag::{Diagnostic, Layer, Span};
use crate::octets::Octets;

use super::block::{
    Field, HeaderBlock, IndexRef, Representation, TableEntry, TableEvent, TableKind, TableSnapshot,
    TableState, TableSummary, UnknownCause,
};
use super::dynamic::{DynamicTable, Entry, Lookup, NameSource, ENTRY_OVERHEAD};
use super::error::{DecodeError, DecodeErrorKind, EvictedEntry};
use super::huffman::{self, HuffmanError};
use super::integer::{self, IntError};
use super::static_table::{self, STATIC_LEN};

/// The initial SETTINGS_HEADER_TABLE_SIZE and table size (RFC 9113 §6.5.2).
pub const DEFAULT_TABLE_SIZE: u32 = 4096;

/// Decodes the header blocks of one direction of one connection.
#[derive(Debug)]
pub struct Decoder {
    limits: HpackLimits,
    table: DynamicTable,
    state: TableState,
    /// SETTINGS_HEADER_TABLE_SIZE in force (capped by the limits).
    settings_limit: u32,
    /// Whether `settings_limit` was seen; when not (capture started late),
    /// size updates are checked against `limits.max_table_size` only.
    settings_known: bool,
    /// Lowest SETTINGS limit since the last block, when below the table's
    /// maximum size: the encoder owes a size update to at most this (§4.2).
    owed_size_update: Option<u32>,
    /// The table's maximum size is a guess (capture started late, or bytes
    /// were lost) until the encoder sends a size update: a "missing" update
    /// is then not reported, since the encoder may already have been below
    /// the new limit.
    max_size_assumed: bool,
    /// Record `Inserted` / `Evicted` events (`OutputOptions::table_events`).
    table_events: bool,
    blocks: u64,
    /// Huffman output for names and values, reused across fields.
    scratch_name: Vec<u8>,
    scratch_value: Vec<u8>,
}

impl Decoder {
    /// A decoder for a connection followed from its start: empty table,
    /// maximum size and SETTINGS limit 4096.
    pub fn new(limits: &HpackLimits) -> Decoder {
        Decoder::with_table_size(limits, DEFAULT_TABLE_SIZE)
    }

    /// A decoder whose peer's SETTINGS_HEADER_TABLE_SIZE was `size` before
    /// the first header block, so the table starts with that maximum size
    /// and no size update is owed (the setting of RFC 7541 C.5 and C.6).
    pub fn with_table_size(limits: &HpackLimits, size: u32) -> Decoder {
        let size = size.min(limits.max_table_size);
        Decoder {
            limits: limits.clone(),
            table: DynamicTable::new(size, limits.eviction_history, limits.max_table_size),
            state: TableState::Synced,
            settings_limit: size,
            settings_known: true,
            owed_size_update: None,
            max_size_assumed: false,
            table_events: true,
            blocks: 0,
            scratch_name: Vec::new(),
            scratch_value: Vec::new(),
        }
    }

    /// A decoder that joins a connection late (or after lost bytes): the
    /// table may hold entries it never saw. Entries inserted from now on are
    /// known; references to older ones decode as `unknown` fields. The
    /// maximum size is assumed to be 4096 until a size update says
    /// otherwise, and size updates are checked against
    /// `limits.max_table_size` until [`Decoder::set_settings_table_size`]
    /// is called.
    pub fn with_unknown_table(limits: &HpackLimits, cause: UnknownCause) -> Decoder {
        let mut d = Decoder::new(limits);
        d.settings_known = false;
        d.max_size_assumed = true;
        d.table.start_unknown();
        d.state = TableState::PartlyUnknown { cause };
        d.refresh_state();
        d
    }

    /// SETTINGS_HEADER_TABLE_SIZE `size` was acknowledged: it bounds the
    /// size updates the encoder may send from now on. A value above
    /// `HpackLimits::max_table_size` is capped, and the returned diagnostic
    /// says so. If the limit drops below the table's current maximum size,
    /// the encoder owes a size update at the start of its next block
    /// (§4.2); [`HeaderBlock::diagnostics`] reports it if missing.
    pub fn set_settings_table_size(&mut self, size: u32) -> Option<Diagnostic> {
        let capped = size.min(self.limits.max_table_size);
        self.settings_limit = capped;
        self.settings_known = true;
        if capped < self.table.max_size() {
            let owed = self.owed_size_update.map_or(capped, |o| o.min(capped));
            self.owed_size_update = Some(owed);
        }
        (capped < size).then(|| {
            Diagnostic::warning(
                Layer::Hpack,
                "hpack.table_size_capped",
                format!(
                    "SETTINGS_HEADER_TABLE_SIZE {size} exceeds the configured maximum {capped}; \
                     size updates above {capped} will be reported as errors"
                ),
            )
            .rfc("RFC 7541 §4.2")
        })
    }

    /// Bytes of this direction were lost: insertions in them shifted every
    /// index, so all current entries become unknown (see
    /// [`UnknownCause::Gap`]). The table is assumed to be as large as the
    /// SETTINGS limit allows until the known entries prove otherwise.
    pub fn mark_gap(&mut self) {
        self.table.forget_all();
        let assumed = if self.settings_known {
            self.settings_limit
        } else {
            self.table.max_size().max(DEFAULT_TABLE_SIZE)
        };
        self.table.assume_max_size(assumed);
        self.max_size_assumed = true;
        self.owed_size_update = None;
        if !matches!(self.state, TableState::Desynchronised { .. }) {
            self.state = TableState::PartlyUnknown {
                cause: UnknownCause::Gap,
            };
        }
        self.refresh_state();
    }

    /// Whether [`HeaderBlock::table_events`] lists insertions and evictions
    /// (on by default; see `OutputOptions::table_events`). Size updates are
    /// always listed. Evictions copy the evicted entry, which costs about a
    /// tenth of [`Decoder::decode`]'s time on the hpack-test-case corpus.
    pub fn set_table_events(&mut self, on: bool) {
        self.table_events = on;
    }

    /// How far the table can be trusted now.
    pub fn state(&self) -> &TableState {
        &self.state
    }

    /// Header blocks decoded so far (also the number the next one gets).
    pub fn blocks_decoded(&self) -> u64 {
        self.blocks
    }

    /// The table now.
    pub fn summary(&self) -> TableSummary {
        TableSummary {
            entries: u32::try_from(self.table.len()).unwrap_or(u32::MAX),
            size: u32::try_from(self.table.size()).unwrap_or(u32::MAX),
            max_size: self.table.max_size(),
            settings_limit: self.settings_limit,
        }
    }

    /// The dynamic table's entries, newest first.
    pub fn table(&self) -> TableSnapshot {
        let entries = self
            .table
            .entries()
            .zip(62u32..)
            .map(|(e, index)| TableEntry {
                index,
                entry: e.number,
                name: Octets::from(e.name()),
                value: Octets::from(e.value()),
                size: u32::try_from(e.size()).unwrap_or(u32::MAX),
                inserted_in_block: e.block,
                name_unknown: e.name_unknown,
            })
            .collect();
        TableSnapshot {
            entries,
            unknown_entries_possible: self.table.unknown_older(),
            summary: self.summary(),
        }
    }

    /// Decodes one complete header block and explains it.
    ///
    /// An error stops the block (fields before it are kept in the result)
    /// and leaves the decoder [`TableState::Desynchronised`].
    pub fn decode(&mut self, block: &[u8]) -> HeaderBlock {
        let number = self.blocks;
        let table_state = self.state.clone();
        // Every field takes at least one byte. Room for 8 (1 KiB) keeps the
        // common small blocks within the allocator's per-thread caches
        // (glibc's end at 1 KiB); larger blocks grow the list.
        let mut sink = Explain {
            fields: Vec::with_capacity(block.len().min(8)),
            events: Vec::new(),
            diagnostics: Vec::new(),
            table_events: self.table_events,
        };
        let error = self.run(block, &mut sink).err();
        HeaderBlock {
            block: number,
            fields: sink.fields,
            fields_not_listed: 0,
            table_events: sink.events,
            error,
            diagnostics: sink.diagnostics,
            table_state,
            table: self.summary(),
        }
    }

    /// Decodes one complete header block like [`Decoder::decode`], but
    /// hands each field to `each(name, value, unknown)` in wire order
    /// instead of listing it: [`HeaderBlock::fields`] is empty and
    /// [`HeaderBlock::fields_not_listed`] counts the fields; table events,
    /// diagnostics, error and table state are as `decode` reports them.
    /// For callers that only look at names and values (no per-field
    /// allocation). `unknown` is [`Field::unknown`].
    ///
    /// Its own function in WebAssembly: inlined, the caller grows past the
    /// size V8 optimises quickly (crate docs, "Rare paths out of line").
    #[cfg_attr(target_family = "wasm", inline(never))]
    pub fn decode_each(
        &mut self,
        block: &[u8],
        each: impl FnMut(&[u8], &[u8], bool),
    ) -> HeaderBlock {
        let number = self.blocks;
        let table_state = self.state.clone();
        let mut sink = Each {
            each,
            count: 0,
            events: Vec::new(),
            diagnostics: Vec::new(),
            table_events: self.table_events,
        };
        let error = self.run(block, &mut sink).err();
        HeaderBlock {
            block: number,
            fields: Vec::new(),
            fields_not_listed: sink.count,
            table_events: sink.events,
            error,
            diagnostics: sink.diagnostics,
            table_state,
            table: self.summary(),
        }
    }

    /// Decodes one complete header block, calling `sink(name, value)` per
    /// field in wire order. Same table semantics as [`Decoder::decode`]
    /// (unknown names and values are empty), without per-field allocation.
    pub fn decode_fields(
        &mut self,
        block: &[u8],
        sink: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), DecodeError> {
        self.run(block, &mut Plain(sink))
    }

    fn refresh_state(&mut self) {
        if matches!(self.state, TableState::PartlyUnknown { .. }) && self.table.fully_known() {
            self.state = TableState::Synced;
        }
    }

    fn run<S: Sink>(&mut self, block: &[u8], sink: &mut S) -> Result<(), DecodeError> {
        let number = self.blocks;
        self.blocks += 1;
        let result = self.run_inner(block, number, sink);
        if result.is_err() && !matches!(self.state, TableState::Desynchronised { .. }) {
            self.state = TableState::Desynchronised {
                since_block: number,
            };
        }
        result
    }

    fn run_inner<S: Sink>(
        &mut self,
        block: &[u8],
        number: u64,
        sink: &mut S,
    ) -> Result<(), DecodeError> {
        let mut pos = 0usize;
        let mut field_seen = false;
        let mut owed = self.owed_size_update.take();
        let mut list_size = 0u64;
        let mut field_no = 0u32;
        let max_list = u64::from(self.limits.max_header_list_size);
        let max_fields = self.limits.max_fields_per_block;
        let max_string = self.limits.max_string_len;

        while let Some(&first) = block.get(pos) {
            let start = pos;
            let err = |kind| DecodeError {
                offset: offset32(start),
                kind,
            };

            // §6.3 Dynamic Table Size Update: 001xxxxx.
            if first & 0xe0 == 0x20 {
                pos += self.size_update(block, pos, field_seen, &mut owed, number, sink)?;
                continue;
            }

            if !field_seen {
                field_seen = true;
                if let Some(min) = owed.take() {
                    self.missing_size_update(min, start, number, sink);
                }
            }

            if field_no >= max_fields {
                return Err(err(DecodeErrorKind::TooManyFields { limit: max_fields }));
            }

            if first & 0x80 != 0 {
                // §6.1 Indexed Header Field.
                let (index, n) = read_int(block, pos, 7, start)?;
                pos += n;
                let span = Span::new(start as u64, pos as u64);
                let resolved =
                    resolve(&self.table, index).map_err(|e| err(self.index_error(e, index)))?;
                let (name, value, index_ref, unknown) = match resolved {
                    Resolved::Static(name, value) => (
                        Str::Static(name),
                        Str::Static(value),
                        static_ref(index),
                        false,
                    ),
                    Resolved::Dynamic(e) => (
                        Str::Bytes(e.name()),
                        Str::Bytes(e.value()),
                        dynamic_ref(index, Some(&e)),
                        e.name_unknown,
                    ),
                    Resolved::Unknown => (
                        Str::Static(b""),
                        Str::Static(b""),
                        dynamic_ref(index, None),
                        true,
                    ),
                };
                list_size += (name.len() + value.len()) as u64 + ENTRY_OVERHEAD;
                if list_size > max_list {
                    return Err(err(DecodeErrorKind::HeaderListTooLarge {
                        limit: self.limits.max_header_list_size,
                    }));
                }
                sink.field(
                    name,
                    value,
                    FieldInfo {
                        repr: Representation::Indexed,
                        index: Some(index_ref),
                        name_huffman: None,
                        value_huffman: None,
                        span,
                        unknown,
                    },
                );
                field_no += 1;
                continue;
            }

            // §6.2 literals: 01xxxxxx (incremental, 6-bit index),
            // 0000xxxx (without indexing), 0001xxxx (never indexed).
            let (repr, prefix) = if first & 0x40 != 0 {
                (Representation::IncrementalIndexing, 6)
            } else if first & 0x10 != 0 {
                (Representation::NeverIndexed, 4)
            } else {
                (Representation::WithoutIndexing, 4)
            };
            let (index, n) = read_int(block, pos, prefix, start)?;
            pos += n;

            // Name: from a table, or a string literal. A dynamic name is
            // kept as its position, so the table can be changed below.
            let mut name_unknown = false;
            let mut index_ref = None;
            let mut name_huffman = None;
            let mut static_name = None;
            let name_src: NameSource<'_> = if index == 0 {
                let (s, huff, n) =
                    read_string(block, pos, &mut self.scratch_name, max_string).map_err(err)?;
                pos += n;
                name_huffman = Some(huff);
                NameSource::Bytes(s)
            } else {
                match resolve(&self.table, index).map_err(|e| err(self.index_error(e, index)))? {
                    Resolved::Static(name, _) => {
                        index_ref = Some(static_ref(index));
                        static_name = Some(name);
                        NameSource::Bytes(name)
                    }
                    Resolved::Dynamic(e) => {
                        index_ref = Some(dynamic_ref(index, Some(&e)));
                        name_unknown = e.name_unknown;
                        NameSource::Entry((index - STATIC_LEN - 1) as usize)
                    }
                    Resolved::Unknown => {
                        index_ref = Some(dynamic_ref(index, None));
                        name_unknown = true;
                        NameSource::Bytes(&[])
                    }
                }
            };
            let (value, value_huffman, n) =
                read_string(block, pos, &mut self.scratch_value, max_string).map_err(err)?;
            pos += n;
            let span = Span::new(start as u64, pos as u64);

            let name: &[u8] = match &name_src {
                NameSource::Bytes(b) => b,
                NameSource::Entry(p) => match self.table.lookup(*p) {
                    Lookup::Known(e) => e.name(),
                    _ => &[],
                },
            };
            list_size += (name.len() + value.len()) as u64 + ENTRY_OVERHEAD;
            let name_str = match static_name {
                Some(s) => Str::Static(s),
                None => Str::Bytes(name),
            };
            if list_size > max_list {
                return Err(err(DecodeErrorKind::HeaderListTooLarge {
                    limit: self.limits.max_header_list_size,
                }));
            }
            sink.field(
                name_str,
                Str::Bytes(value),
                FieldInfo {
                    repr,
                    index: index_ref,
                    name_huffman,
                    value_huffman: Some(value_huffman),
                    span,
                    unknown: name_unknown,
                },
            );
            if repr == Representation::IncrementalIndexing {
                // §4.4: the table copies the name before evicting, since it
                // may belong to an entry this insertion evicts.
                if let Some((entry, size)) =
                    self.table
                        .insert(name_src, value, name_unknown, number, &mut |e| {
                            sink.evicted(e)
                        })
                {
                    sink.inserted(entry, field_no, u32::try_from(size).unwrap_or(u32::MAX));
                }
                self.refresh_state();
            }
            field_no += 1;
        }

        if let Some(min) = owed {
            // An empty block, or one with only size updates above the limit.
            self.missing_size_update(min, pos, number, sink);
        }
        Ok(())
    }

    /// §6.3: the Dynamic Table Size Update at `pos` (its first byte is
    /// 001xxxxx); returns its length. `owed`: the smallest size the encoder
    /// must still signal (§4.2), cleared once a small enough one came.
    #[cfg_attr(target_family = "wasm", inline(never))]
    #[cfg_attr(not(target_family = "wasm"), inline(always))]
    fn size_update<S: Sink>(
        &mut self,
        block: &[u8],
        pos: usize,
        field_seen: bool,
        owed: &mut Option<u32>,
        number: u64,
        sink: &mut S,
    ) -> Result<usize, DecodeError> {
        let err = |kind| DecodeError {
            offset: offset32(pos),
            kind,
        };
        let (size, n) = read_int(block, pos, 5, pos)?;
        if field_seen {
            return Err(err(DecodeErrorKind::SizeUpdateAfterField { size }));
        }
        let limit = if self.settings_known {
            self.settings_limit
        } else {
            self.limits.max_table_size
        };
        if size > limit {
            return Err(err(DecodeErrorKind::SizeUpdateAboveLimit { size, limit }));
        }
        if !self.settings_known && size > self.settings_limit {
            // The peer allowed at least this much.
            self.settings_limit = size;
        }
        if owed.is_some_and(|min| size <= min) {
            *owed = None;
        }
        self.max_size_assumed = false;
        self.table
            .set_max_size(size, number, &mut |e| sink.evicted(e));
        sink.size_update(size, Span::new(pos as u64, (pos + n) as u64));
        self.refresh_state();
        Ok(n)
    }

    /// The block did not start with the size update the encoder owed:
    /// report it and shrink the table as that update would have.
    fn missing_size_update<S: Sink>(&mut self, min: u32, at: usize, number: u64, sink: &mut S) {
        if !self.max_size_assumed {
            sink.diagnostic(
                DecodeError {
                    offset: offset32(at),
                    kind: DecodeErrorKind::MissingSizeUpdate { limit: min },
                }
                .to_diagnostic(),
            );
        }
        self.table
            .set_max_size(min, number, &mut |e| sink.evicted(e));
        self.refresh_state();
    }

    /// The error for an unusable index; past the table, it says what used
    /// to live there.
    fn index_error(&self, error: IndexError, index: u32) -> DecodeErrorKind {
        if error == IndexError::Zero {
            return DecodeErrorKind::IndexZero;
        }
        let table_len = u32::try_from(self.table.len())
            .unwrap_or(u32::MAX)
            .saturating_add(STATIC_LEN);
        let pos = (index - STATIC_LEN - 1) as usize;
        let was = self.table.was_at(pos).map(|rec| EvictedEntry {
            entry: rec.entry.number,
            name: Octets::from(rec.entry.name()),
            value: Octets::from(rec.entry.value()),
            inserted_in_block: rec.entry.block,
            evicted_in_block: rec.evicted_in_block,
            evicted_blocks_ago: self
                .blocks
                .saturating_sub(1)
                .saturating_sub(rec.evicted_in_block),
        });
        DecodeErrorKind::IndexBeyondTable {
            index,
            table_len,
            was,
        }
    }
}

fn offset32(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}

fn static_ref(index: u32) -> IndexRef {
    IndexRef {
        index,
        table: TableKind::Static,
        entry: None,
        inserted_in_block: None,
    }
}

fn dynamic_ref(index: u32, e: Option<&Entry<'_>>) -> IndexRef {
    IndexRef {
        index,
        table: TableKind::Dynamic,
        entry: e.map(|e| e.number),
        inserted_in_block: e.map(|e| e.block),
    }
}

enum Resolved<'a> {
    Static(&'static [u8], &'static [u8]),
    Dynamic(Entry<'a>),
    Unknown,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum IndexError {
    Zero,
    Beyond,
}

/// Resolves a 1-based index (§2.3.3).
#[inline]
fn resolve(table: &DynamicTable, index: u32) -> Result<Resolved<'_>, IndexError> {
    if index == 0 {
        return Err(IndexError::Zero);
    }
    if let Some((name, value)) = static_table::get(index) {
        return Ok(Resolved::Static(name, value));
    }
    match table.lookup((index - STATIC_LEN - 1) as usize) {
        Lookup::Known(e) => Ok(Resolved::Dynamic(e)),
        Lookup::Unknown => Ok(Resolved::Unknown),
        Lookup::Beyond => Err(IndexError::Beyond),
    }
}

/// Reads a prefixed integer at `block[pos]`.
#[inline]
fn read_int(
    block: &[u8],
    pos: usize,
    prefix: u8,
    start: usize,
) -> Result<(u32, usize), DecodeError> {
    integer::decode(block.get(pos..).unwrap_or_default(), prefix).map_err(|e| DecodeError {
        offset: offset32(start),
        kind: match e {
            IntError::Overflow => DecodeErrorKind::IntegerOverflow,
            IntError::Truncated => DecodeErrorKind::Truncated {
                needed: 1,
                available: 0,
            },
        },
    })
}

/// Reads a string literal (§5.2) at `block[pos]`: the octets (borrowed from
/// the block, or Huffman-decoded into `scratch`), whether it was Huffman
/// coded, and the bytes it took.
#[inline(always)]
fn read_string<'a>(
    block: &'a [u8],
    pos: usize,
    scratch: &'a mut Vec<u8>,
    max_len: u32,
) -> Result<(&'a [u8], bool, usize), DecodeErrorKind> {
    let buf = block.get(pos..).unwrap_or_default();
    let huffman = buf.first().is_some_and(|b| b & 0x80 != 0);
    let (len, n) = integer::decode(buf, 7).map_err(|e| match e {
        IntError::Overflow => DecodeErrorKind::IntegerOverflow,
        IntError::Truncated => DecodeErrorKind::Truncated {
            needed: 1,
            available: 0,
        },
    })?;
    let available = buf.len().saturating_sub(n);
    // `len` comes from the wire: on 32-bit targets `n + len` may overflow.
    let end = n.saturating_add(len as usize);
    let Some(raw) = buf.get(n..end) else {
        return Err(DecodeErrorKind::Truncated {
            needed: len,
            available: u32::try_from(available).unwrap_or(u32::MAX),
        });
    };
    if !huffman {
        if len > max_len {
            return Err(DecodeErrorKind::StringTooLong {
                len,
                limit: max_len,
            });
        }
        return Ok((raw, false, end));
    }
    // The scratch buffer only grows (to 1.6 times the longest string seen,
    // bounded by the block), so it is not cleared per string.
    let need = huffman::max_decoded_len(raw.len());
    if scratch.len() < need {
        scratch.resize(need, 0);
    }
    let decoded = huffman::decode_into(raw, scratch).map_err(|e| match e {
        HuffmanError::Eos => DecodeErrorKind::HuffmanEos,
        HuffmanError::PaddingTooLong => DecodeErrorKind::HuffmanPaddingTooLong,
        HuffmanError::PaddingNotOnes => DecodeErrorKind::HuffmanPaddingNotOnes,
    })?;
    if decoded > max_len as usize {
        return Err(DecodeErrorKind::StringTooLong {
            len: u32::try_from(decoded).unwrap_or(u32::MAX),
            limit: max_len,
        });
    }
    Ok((scratch.get(..decoded).unwrap_or_default(), true, end))
}

/// A name or value as the decoding loop found it: bytes of the static
/// table (which an explained field refers to instead of copying) or bytes
/// borrowed from the block, the scratch buffers or the dynamic table.
#[derive(Clone, Copy)]
pub(crate) enum Str<'a> {
    Static(&'static [u8]),
    Bytes(&'a [u8]),
}

impl<'a> Str<'a> {
    #[inline(always)]
    fn bytes(self) -> &'a [u8] {
        match self {
            Str::Static(b) => b,
            Str::Bytes(b) => b,
        }
    }

    #[inline(always)]
    fn len(self) -> usize {
        self.bytes().len()
    }

    #[inline]
    fn to_octets(self) -> Octets {
        match self {
            Str::Static(b) => Octets::from_static(b),
            Str::Bytes(b) => Octets::copy_from(b),
        }
    }
}

/// How one field was encoded, for sinks that explain.
pub(crate) struct FieldInfo {
    repr: Representation,
    index: Option<IndexRef>,
    name_huffman: Option<bool>,
    value_huffman: Option<bool>,
    span: Span,
    unknown: bool,
}

/// Receives what the decoding loop finds.
pub(crate) trait Sink {
    fn field(&mut self, name: Str<'_>, value: Str<'_>, info: FieldInfo);
    fn size_update(&mut self, max_size: u32, span: Span);
    fn inserted(&mut self, entry: u64, field: u32, size: u32);
    fn evicted(&mut self, entry: &Entry<'_>);
    fn diagnostic(&mut self, diagnostic: Diagnostic);
}

/// Records everything, for [`Decoder::decode`].
struct Explain {
    fields: Vec<Field>,
    events: Vec<TableEvent>,
    diagnostics: Vec<Diagnostic>,
    table_events: bool,
}

impl Explain {
    fn evicted_event(e: &Entry<'_>) -> TableEvent {
        TableEvent::Evicted {
            entry: Some(e.number),
            name: Octets::from(e.name()),
            value: Octets::from(e.value()),
            size: u32::try_from(e.size()).unwrap_or(u32::MAX),
            inserted_in_block: Some(e.block),
        }
    }
}

impl Sink for Explain {
    fn field(&mut self, name: Str<'_>, value: Str<'_>, info: FieldInfo) {
        self.fields.push(Field {
            name: name.to_octets(),
            value: value.to_octets(),
            repr: info.repr,
            index: info.index,
            name_huffman: info.name_huffman,
            value_huffman: info.value_huffman,
            span: info.span,
            unknown: info.unknown,
        });
    }

    fn size_update(&mut self, max_size: u32, span: Span) {
        self.events.push(TableEvent::SizeUpdate { max_size, span });
    }

    fn inserted(&mut self, entry: u64, field: u32, size: u32) {
        if !self.table_events {
            return;
        }
        self.events
            .push(TableEvent::Inserted { entry, field, size });
    }

    fn evicted(&mut self, e: &Entry<'_>) {
        if !self.table_events {
            return;
        }
        self.events.push(Explain::evicted_event(e));
    }

    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

/// Fields to a closure, everything else recorded, for
/// [`Decoder::decode_each`].
struct Each<F> {
    each: F,
    count: u32,
    events: Vec<TableEvent>,
    diagnostics: Vec<Diagnostic>,
    table_events: bool,
}

impl<F: FnMut(&[u8], &[u8], bool)> Sink for Each<F> {
    #[inline]
    fn field(&mut self, name: Str<'_>, value: Str<'_>, info: FieldInfo) {
        self.count = self.count.saturating_add(1);
        (self.each)(name.bytes(), value.bytes(), info.unknown);
    }

    fn size_update(&mut self, max_size: u32, span: Span) {
        self.events.push(TableEvent::SizeUpdate { max_size, span });
    }

    fn inserted(&mut self, entry: u64, field: u32, size: u32) {
        if self.table_events {
            self.events
                .push(TableEvent::Inserted { entry, field, size });
        }
    }

    fn evicted(&mut self, e: &Entry<'_>) {
        if self.table_events {
            self.events.push(Explain::evicted_event(e));
        }
    }

    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

/// Only names and values, for [`Decoder::decode_fields`].
struct Plain<F>(F);

impl<F: FnMut(&[u8], &[u8])> Sink for Plain<F> {
    #[inline(always)]
    fn field(&mut self, name: Str<'_>, value: Str<'_>, _: FieldInfo) {
        (self.0)(name.bytes(), value.bytes());
    }
    #[inline(always)]
    fn size_update(&mut self, _: u32, _: Span) {}
    #[inline(always)]
    fn inserted(&mut self, _: u64, _: u32, _: u32) {}
    #[inline(always)]
    fn evicted(&mut self, _: &Entry<'_>) {}
    #[inline(always)]
    fn diagnostic(&mut self, _: Diagnostic) {}
}
