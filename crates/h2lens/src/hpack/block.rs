//! What decoding one header block yields.

use serde::Serialize;

use super::error::DecodeError;
use crate::diag::Span;
use crate::octets::Octets;

/// How a field was represented on the wire (RFC 7541 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Representation {
    /// §6.1 Indexed Header Field.
    Indexed,
    /// §6.2.1 Literal Header Field with Incremental Indexing.
    IncrementalIndexing,
    /// §6.2.2 Literal Header Field without Indexing.
    WithoutIndexing,
    /// §6.2.3 Literal Header Field Never Indexed.
    NeverIndexed,
}

impl Representation {
    /// The words tshark uses (`http2.header.repr`), to line up with Wireshark.
    pub fn describe(self, new_name: bool) -> &'static str {
        match (self, new_name) {
            (Representation::Indexed, _) => "Indexed Header Field",
            (Representation::IncrementalIndexing, false) => {
                "Literal Header Field with Incremental Indexing - Indexed Name"
            }
            (Representation::IncrementalIndexing, true) => {
                "Literal Header Field with Incremental Indexing - New Name"
            }
            (Representation::WithoutIndexing, false) => {
                "Literal Header Field without Indexing - Indexed Name"
            }
            (Representation::WithoutIndexing, true) => {
                "Literal Header Field without Indexing - New Name"
            }
            (Representation::NeverIndexed, false) => {
                "Literal Header Field never Indexed - Indexed Name"
            }
            (Representation::NeverIndexed, true) => "Literal Header Field never Indexed - New Name",
        }
    }
}

/// Which table an index pointed into (RFC 7541 §2.3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    Static,
    Dynamic,
}

/// An index as it was sent, and what it resolved to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IndexRef {
    /// The index exactly as on the wire (1-based; 62 is the newest dynamic
    /// entry).
    pub index: u32,
    pub table: TableKind,
    /// For a dynamic index: the entry's insertion number in this decoder
    /// (1 is the first entry ever inserted), matching
    /// [`TableEvent::Inserted::entry`]. `None` for static or unknown entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<u64>,
    /// For a dynamic index: the block (0-based, counted by this decoder)
    /// whose field inserted the entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inserted_in_block: Option<u64>,
}

/// One decoded header field, with how it was encoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Raw name bytes (lower-case is not enforced here; see diagnostics).
    pub name: Octets,
    /// Raw value bytes: any octets, never validated away.
    pub value: Octets,
    pub repr: Representation,
    /// The index of the whole field (indexed) or of its name (literal with
    /// indexed name); `None` for a literal with a new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<IndexRef>,
    /// Whether the name literal was Huffman-coded; `None` when the name came
    /// from a table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_huffman: Option<bool>,
    /// Whether the value literal was Huffman-coded; `None` when the value
    /// came from a table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_huffman: Option<bool>,
    /// Bytes of this representation within the header block.
    pub span: Span,
    /// The index referred to an entry inserted before decoding could follow
    /// the table (capture started mid-connection, or after a gap): name
    /// and/or value are unknown and left empty.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unknown: bool,
}

impl Field {
    /// RFC 7541 §6.2.3: intermediaries must keep this field out of tables.
    pub fn never_indexed(&self) -> bool {
        self.repr == Representation::NeverIndexed
    }
}

/// A change to the dynamic table, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TableEvent {
    /// A Dynamic Table Size Update (§6.3) at `span` set the maximum size.
    SizeUpdate { max_size: u32, span: Span },
    /// The field at position `field` of this block was inserted (§4.4).
    Inserted { entry: u64, field: u32, size: u32 },
    /// An entry was evicted (§4.3, §4.4) to make room or by a size change.
    /// `unknown` entries were inserted before decoding could follow.
    Evicted {
        #[serde(skip_serializing_if = "Option::is_none")]
        entry: Option<u64>,
        name: Octets,
        value: Octets,
        size: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        inserted_in_block: Option<u64>,
    },
}

/// Why part of the table is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownCause {
    /// The capture began after the connection did.
    CaptureStart,
    /// Bytes of this direction were lost (a TCP gap).
    Gap,
}

/// How far the decoder's view of the dynamic table can be trusted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TableState {
    /// Every entry is known.
    Synced,
    /// The newest entries are known; older ones (inserted before `cause`)
    /// are not. References to them give `unknown` fields. After a gap the
    /// values of known entries may also be wrong, because insertions in the
    /// lost bytes shifted indices.
    PartlyUnknown { cause: UnknownCause },
    /// A block failed to decode; the table may differ from the encoder's
    /// from then on.
    Desynchronised { since_block: u64 },
}

impl TableState {
    /// Values decoded in this state may be wrong (not just unknown).
    pub fn is_suspect(&self) -> bool {
        matches!(
            self,
            TableState::Desynchronised { .. }
                | TableState::PartlyUnknown {
                    cause: UnknownCause::Gap
                }
        )
    }
}

/// The table after a block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TableSummary {
    /// Known entries.
    pub entries: u32,
    /// Size of known entries (name + value + 32 each, §4.1).
    pub size: u32,
    /// Current maximum size (§4.2).
    pub max_size: u32,
    /// Limit set by SETTINGS_HEADER_TABLE_SIZE.
    pub settings_limit: u32,
}

/// Everything decoding one header block produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeaderBlock {
    /// The block's number in this decoder (0-based).
    pub block: u64,
    /// Fields in wire order; repeated names stay as they came.
    pub fields: Vec<Field>,
    /// Fields decoded but not listed in `fields`, because only their number
    /// was asked for ([`super::Decoder::decode_each`], or the event
    /// stream's `OutputOptions::header_fields` set to `count`); 0 when every
    /// field is listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub fields_not_listed: u32,
    /// Table changes in wire order (size updates, inserts, evictions).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub table_events: Vec<TableEvent>,
    /// The decoding error that stopped this block, if any. Fields before
    /// it are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<DecodeError>,
    /// Findings that did not stop decoding (for example a missing size
    /// update the encoder owed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<crate::diag::Diagnostic>,
    /// Table trust when the block started.
    pub table_state: TableState,
    /// The table after the block.
    pub table: TableSummary,
}

/// One dynamic table entry, as [`super::Decoder::table`] shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableEntry {
    /// Its index now (62 is the newest).
    pub index: u32,
    /// Insertion number in this decoder (1 is the first entry ever
    /// inserted), as in [`TableEvent::Inserted::entry`].
    pub entry: u64,
    pub name: Octets,
    pub value: Octets,
    /// §4.1 size (name + value + 32); a lower bound when `name_unknown`.
    pub size: u32,
    pub inserted_in_block: u64,
    /// The entry was inserted with a name taken from an unknown entry.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub name_unknown: bool,
}

/// The dynamic table at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableSnapshot {
    /// Known entries, newest first.
    pub entries: Vec<TableEntry>,
    /// Older entries that decoding never saw may follow the known ones.
    pub unknown_entries_possible: bool,
    pub summary: TableSummary,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}
