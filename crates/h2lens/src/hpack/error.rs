//! HPACK decoding errors: each names what was wrong and where.

use std::fmt;

use crate::config::limit_hint;

use serde::Serialize;

use crate::diag::{Diagnostic, Layer};
use crate::octets::Octets;

/// A decoding error and the byte offset, within the header block, of the
/// representation that failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DecodeError {
    pub offset: u32,
    #[serde(flatten)]
    pub kind: DecodeErrorKind,
}

/// An entry that used to live in the dynamic table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EvictedEntry {
    pub entry: u64,
    pub name: Octets,
    pub value: Octets,
    pub inserted_in_block: u64,
    pub evicted_in_block: u64,
    /// How many blocks before the failing one it was evicted (0: by the
    /// failing block itself).
    pub evicted_blocks_ago: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DecodeErrorKind {
    /// §5.1: an integer above 2^32-1 or with more than 5 continuation octets.
    IntegerOverflow,
    /// The block ended inside a representation.
    Truncated { needed: u32, available: u32 },
    /// §5.2: the EOS symbol inside a Huffman string.
    HuffmanEos,
    /// §5.2: padding longer than 7 bits.
    HuffmanPaddingTooLong,
    /// §5.2: padding that is not the most significant bits of EOS (all ones).
    HuffmanPaddingNotOnes,
    /// §6.1: index 0 is not used.
    IndexZero,
    /// §2.3.3: an index beyond the static and dynamic tables. `was` is what
    /// the index referred to before its entry was evicted, when known.
    IndexBeyondTable {
        index: u32,
        table_len: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        was: Option<EvictedEntry>,
    },
    /// §4.2: a size update after the first field of a block.
    SizeUpdateAfterField { size: u32 },
    /// §4.2, §6.3: a size update above the SETTINGS_HEADER_TABLE_SIZE limit.
    SizeUpdateAboveLimit { size: u32, limit: u32 },
    /// §4.2: the SETTINGS limit went down, but the block did not start with
    /// the size update the encoder owes.
    MissingSizeUpdate { limit: u32 },
    /// A string longer than [`crate::config::HpackLimits::max_string_len`].
    StringTooLong { len: u32, limit: u32 },
    /// The decoded header list exceeds the configured limit.
    HeaderListTooLarge { limit: u32 },
    /// The block holds more fields than the configured limit.
    TooManyFields { limit: u32 },
}

impl DecodeErrorKind {
    /// Stable id for diagnostics.
    pub fn code(&self) -> &'static str {
        match self {
            DecodeErrorKind::IntegerOverflow => "hpack.integer_overflow",
            DecodeErrorKind::Truncated { .. } => "hpack.truncated",
            DecodeErrorKind::HuffmanEos => "hpack.huffman_eos",
            DecodeErrorKind::HuffmanPaddingTooLong => "hpack.huffman_padding_too_long",
            DecodeErrorKind::HuffmanPaddingNotOnes => "hpack.huffman_padding_not_ones",
            DecodeErrorKind::IndexZero => "hpack.index_zero",
            DecodeErrorKind::IndexBeyondTable { .. } => "hpack.index_beyond_table",
            DecodeErrorKind::SizeUpdateAfterField { .. } => "hpack.size_update_after_field",
            DecodeErrorKind::SizeUpdateAboveLimit { .. } => "hpack.size_update_above_limit",
            DecodeErrorKind::MissingSizeUpdate { .. } => "hpack.missing_size_update",
            DecodeErrorKind::StringTooLong { .. } => "hpack.string_too_long",
            DecodeErrorKind::HeaderListTooLarge { .. } => "hpack.header_list_too_large",
            DecodeErrorKind::TooManyFields { .. } => "hpack.too_many_fields",
        }
    }

    pub fn rfc(&self) -> &'static str {
        match self {
            DecodeErrorKind::IntegerOverflow => "RFC 7541 §5.1",
            DecodeErrorKind::Truncated { .. } => "RFC 7541 §5",
            DecodeErrorKind::HuffmanEos
            | DecodeErrorKind::HuffmanPaddingTooLong
            | DecodeErrorKind::HuffmanPaddingNotOnes => "RFC 7541 §5.2",
            DecodeErrorKind::IndexZero => "RFC 7541 §6.1",
            DecodeErrorKind::IndexBeyondTable { .. } => "RFC 7541 §2.3.3",
            DecodeErrorKind::SizeUpdateAfterField { .. }
            | DecodeErrorKind::SizeUpdateAboveLimit { .. }
            | DecodeErrorKind::MissingSizeUpdate { .. } => "RFC 7541 §4.2",
            DecodeErrorKind::StringTooLong { .. } => "RFC 7541 §5.2",
            DecodeErrorKind::HeaderListTooLarge { .. } | DecodeErrorKind::TooManyFields { .. } => {
                "RFC 9113 §6.5.2"
            }
        }
    }
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeErrorKind::IntegerOverflow => {
                f.write_str("integer too large (over 2^32-1 or more than 5 continuation octets)")
            }
            DecodeErrorKind::Truncated { needed, available } => write!(
                f,
                "block ends inside a field: {needed} more bytes needed, {available} available"
            ),
            DecodeErrorKind::HuffmanEos => f.write_str("Huffman string contains the EOS symbol"),
            DecodeErrorKind::HuffmanPaddingTooLong => {
                f.write_str("Huffman string padded with more than 7 bits")
            }
            DecodeErrorKind::HuffmanPaddingNotOnes => {
                f.write_str("Huffman string padding is not all ones")
            }
            DecodeErrorKind::IndexZero => f.write_str("index 0 is not a valid table index"),
            DecodeErrorKind::IndexBeyondTable {
                index,
                table_len,
                was,
            } => {
                let dynamic_len = table_len.saturating_sub(61);
                write!(
                    f,
                    "index {index} is beyond the {table_len}-entry table (61 static + {dynamic_len} dynamic)"
                )?;
                if let Some(was) = was {
                    write!(
                        f,
                        "; it held `{}: {}`, evicted {} block{} ago",
                        was.name.display(),
                        was.value.display(),
                        was.evicted_blocks_ago,
                        if was.evicted_blocks_ago == 1 { "" } else { "s" }
                    )?;
                }
                Ok(())
            }
            DecodeErrorKind::SizeUpdateAfterField { size } => write!(
                f,
                "dynamic table size update to {size} after a header field; it must come first"
            ),
            DecodeErrorKind::SizeUpdateAboveLimit { size, limit } => write!(
                f,
                "dynamic table size update to {size} exceeds the SETTINGS_HEADER_TABLE_SIZE limit {limit}"
            ),
            DecodeErrorKind::MissingSizeUpdate { limit } => write!(
                f,
                "SETTINGS_HEADER_TABLE_SIZE was lowered to {limit} but the block does not start with a dynamic table size update"
            ),
            DecodeErrorKind::StringTooLong { len, limit } => write!(
                f,
                "string literal of {len} bytes exceeds the limit of {limit}{}",
                limit_hint("hpack.max_string_len")
            ),
            DecodeErrorKind::HeaderListTooLarge { limit } => write!(
                f,
                "decoded header list exceeds the limit of {limit} bytes, counting 32 bytes per field besides name and value; the rest of the block is not decoded{}",
                limit_hint("hpack.max_header_list_size")
            ),
            DecodeErrorKind::TooManyFields { limit } => write!(
                f,
                "the block holds more than {limit} fields; the rest is not decoded{}",
                limit_hint("hpack.max_fields_per_block")
            ),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {} of the block)", self.kind, self.offset)
    }
}

impl DecodeError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error(Layer::Hpack, self.kind.code(), self.kind.to_string())
            .at(u64::from(self.offset))
            .rfc(self.kind.rfc())
    }
}
