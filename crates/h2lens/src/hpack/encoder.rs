//! The HPACK encoder (RFC 7541 §6): one per direction of a connection.
//!
//! Strategy, per field:
//! 1. A sensitive field (§7.1.3: see [`EncoderOptions::sensitive_names`],
//!    short cookies, or forced by the caller) or the `NeverIndexed` policy:
//!    literal never indexed, with an indexed name when the name is in a
//!    table.
//! 2. Name and value in a table: indexed (static table preferred).
//! 3. Otherwise a literal, with the name indexed when found (static
//!    preferred, then the newest dynamic entry); incremental indexing under
//!    the `Incremental` policy when the entry fits in the table, else
//!    without indexing.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::decoder::DEFAULT_TABLE_SIZE;
use super::dynamic::ENTRY_OVERHEAD;
use super::huffman;
use super::integer;
use super::static_table::{self, STATIC_LEN};

/// When string literals are Huffman-coded (§5.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HuffmanPolicy {
    Always,
    Never,
    /// Only when strictly shorter than the plain octets (as nghttp2 does).
    #[default]
    Shorter,
}

/// Which literal representation fields get when not fully indexed (§6.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexingPolicy {
    /// §6.2.1: add fields to the dynamic table.
    #[default]
    Incremental,
    /// §6.2.2: never add to the table (static and existing entries are
    /// still referenced).
    WithoutIndexing,
    /// §6.2.3: every field a never-indexed literal.
    NeverIndexed,
}

/// How an [`Encoder`] encodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EncoderOptions {
    pub huffman: HuffmanPolicy,
    pub indexing: IndexingPolicy,
    /// Fields with these names (compared ASCII case-insensitively) are
    /// always sent as never-indexed literals (§7.1.3). Default:
    /// `authorization` and `proxy-authorization`, credentials an attacker
    /// could guess one probe at a time if they were indexed. `set-cookie`
    /// is not included, matching nghttp2: its values are usually long and
    /// high-entropy, and indexing them matters for responses.
    pub sensitive_names: Vec<String>,
    /// `cookie` values shorter than this many bytes are sent never-indexed
    /// (nghttp2's rule: short cookies are guessable). 0 turns it off.
    /// Default 20.
    pub short_cookie_never_indexed: usize,
    /// The table's maximum size at the start, which the decoder is assumed
    /// to use too (no size update is sent for it). Default 4096.
    pub table_size: u32,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        EncoderOptions {
            huffman: HuffmanPolicy::Shorter,
            indexing: IndexingPolicy::Incremental,
            sensitive_names: vec!["authorization".into(), "proxy-authorization".into()],
            short_cookie_never_indexed: 20,
            table_size: DEFAULT_TABLE_SIZE,
        }
    }
}

/// Encodes the header blocks of one direction of one connection.
#[derive(Clone, Debug)]
pub struct Encoder {
    options: EncoderOptions,
    /// Newest first: name ++ value, and the name's length.
    table: VecDeque<(Box<[u8]>, usize)>,
    size: u64,
    max_size: u32,
    /// (lowest, last) maximum size set since the last block.
    pending: Option<(u32, u32)>,
}

impl Encoder {
    pub fn new(options: EncoderOptions) -> Encoder {
        let max_size = options.table_size;
        Encoder {
            options,
            table: VecDeque::new(),
            size: 0,
            max_size,
            pending: None,
        }
    }

    pub fn options(&self) -> &EncoderOptions {
        &self.options
    }

    /// The table's maximum size as the decoder knows it (after the size
    /// updates already emitted).
    pub fn table_size(&self) -> u32 {
        self.max_size
    }

    /// Sum of entry sizes in the table (§4.1).
    pub fn table_used(&self) -> u64 {
        self.size
    }

    /// Uses a new maximum table size from the next block on (it must not
    /// exceed the peer's SETTINGS_HEADER_TABLE_SIZE). The next block starts
    /// with the size update(s) §4.2 requires: the lowest size set since the
    /// last block if it went below both the old and the final size, then
    /// the final size.
    pub fn set_table_size(&mut self, size: u32) {
        let (low, _) = self.pending.unwrap_or((self.max_size, self.max_size));
        self.pending = Some((low.min(size), size));
    }

    /// Encodes a whole header list as one block.
    pub fn encode<N: AsRef<[u8]>, V: AsRef<[u8]>>(&mut self, headers: &[(N, V)]) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(headers, &mut out);
        out
    }

    /// Appends one block encoding `headers` to `out`.
    pub fn encode_into<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        headers: &[(N, V)],
        out: &mut Vec<u8>,
    ) {
        let mut block = self.block(out);
        for (name, value) in headers {
            block.field(name.as_ref(), value.as_ref());
        }
    }

    /// Starts a block appended to `out`, field by field: the pending size
    /// updates are written now.
    pub fn block<'a>(&'a mut self, out: &'a mut Vec<u8>) -> BlockEncoder<'a> {
        if let Some((low, last)) = self.pending.take() {
            if low < self.max_size && low < last {
                integer::encode(low, 5, 0x20, out);
                self.resize(low);
            }
            if last != self.max_size {
                integer::encode(last, 5, 0x20, out);
                self.resize(last);
            }
        }
        BlockEncoder { encoder: self, out }
    }

    fn resize(&mut self, max_size: u32) {
        self.max_size = max_size;
        self.evict_to(u64::from(max_size));
    }

    fn evict_to(&mut self, room: u64) {
        while self.size > room {
            match self.table.pop_back() {
                Some((data, _)) => {
                    self.size = self.size.saturating_sub(data.len() as u64 + ENTRY_OVERHEAD)
                }
                None => break,
            }
        }
    }

    fn is_sensitive(&self, name: &[u8], value: &[u8]) -> bool {
        self.options.indexing == IndexingPolicy::NeverIndexed
            || self
                .options
                .sensitive_names
                .iter()
                .any(|s| s.as_bytes().eq_ignore_ascii_case(name))
            || (name.eq_ignore_ascii_case(b"cookie")
                && value.len() < self.options.short_cookie_never_indexed)
    }

    /// (index with this name, index with this name and value).
    fn find(&self, name: &[u8], value: &[u8]) -> (Option<u32>, Option<u32>) {
        let (mut name_index, full) = static_table::find(name, value);
        if full.is_some() {
            return (name_index, full);
        }
        for (i, (data, name_len)) in self.table.iter().enumerate() {
            let (n, v) = data.split_at((*name_len).min(data.len()));
            if n == name {
                let index = u32::try_from(i)
                    .unwrap_or(u32::MAX)
                    .saturating_add(STATIC_LEN + 1);
                if v == value {
                    return (Some(name_index.unwrap_or(index)), Some(index));
                }
                name_index.get_or_insert(index);
            }
        }
        (name_index, None)
    }

    fn string(&self, s: &[u8], out: &mut Vec<u8>) {
        let huffman = match self.options.huffman {
            HuffmanPolicy::Always => true,
            HuffmanPolicy::Never => false,
            HuffmanPolicy::Shorter => huffman::encoded_len(s) < s.len(),
        };
        let len = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        if huffman {
            integer::encode(len(huffman::encoded_len(s)), 7, 0x80, out);
            huffman::encode(s, out);
        } else {
            integer::encode(len(s.len()), 7, 0, out);
            out.extend_from_slice(s);
        }
    }

    fn field(&mut self, name: &[u8], value: &[u8], force_never_indexed: bool, out: &mut Vec<u8>) {
        let (name_index, full) = self.find(name, value);
        let never = force_never_indexed || self.is_sensitive(name, value);
        if !never {
            if let Some(index) = full {
                integer::encode(index, 7, 0x80, out);
                return;
            }
        }
        let entry_size = (name.len() + value.len()) as u64 + ENTRY_OVERHEAD;
        let insert = !never
            && self.options.indexing == IndexingPolicy::Incremental
            && entry_size <= u64::from(self.max_size);
        let (flags, prefix) = if never {
            (0x10, 4)
        } else if insert {
            (0x40, 6)
        } else {
            (0x00, 4)
        };
        match name_index {
            Some(index) => integer::encode(index, prefix, flags, out),
            None => {
                integer::encode(0, prefix, flags, out);
                self.string(name, out);
            }
        }
        self.string(value, out);
        if insert {
            self.evict_to(u64::from(self.max_size).saturating_sub(entry_size));
            let mut data = Vec::with_capacity(name.len() + value.len());
            data.extend_from_slice(name);
            data.extend_from_slice(value);
            self.table.push_front((data.into_boxed_slice(), name.len()));
            self.size += entry_size;
        }
    }
}

/// One block being encoded; see [`Encoder::block`].
pub struct BlockEncoder<'a> {
    encoder: &'a mut Encoder,
    out: &'a mut Vec<u8>,
}

impl BlockEncoder<'_> {
    /// Encodes one field by the encoder's options.
    pub fn field(&mut self, name: &[u8], value: &[u8]) -> &mut Self {
        self.encoder.field(name, value, false, self.out);
        self
    }

    /// Encodes one field as a never-indexed literal (§6.2.3), whatever the
    /// options say.
    pub fn field_never_indexed(&mut self, name: &[u8], value: &[u8]) -> &mut Self {
        self.encoder.field(name, value, true, self.out);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_updates_follow_section_4_2() {
        let mut e = Encoder::new(EncoderOptions::default());
        let none: &[(&str, &str)] = &[];
        e.set_table_size(4096);
        assert_eq!(e.encode(none), b"");
        e.set_table_size(0);
        e.set_table_size(4096);
        // 0, then 4096 (3fe11f).
        assert_eq!(e.encode(none), [0x20, 0x3f, 0xe1, 0x1f]);
        e.set_table_size(1024);
        e.set_table_size(2048);
        // Only went down to 1024 < 4096: 1024 then 2048.
        assert_eq!(e.encode(none), [0x3f, 0xe1, 0x07, 0x3f, 0xe1, 0x0f]);
        e.set_table_size(8192);
        assert_eq!(e.encode(none), [0x3f, 0xe1, 0x3f]);
        assert_eq!(e.table_size(), 8192);
    }

    #[test]
    fn sensitive_fields_are_never_indexed() {
        let mut e = Encoder::new(EncoderOptions {
            huffman: HuffmanPolicy::Never,
            ..EncoderOptions::default()
        });
        // authorization: static name 23, never indexed: 0x1f 0x08.
        let out = e.encode(&[("authorization", "secret")]);
        assert_eq!(out[..2], [0x1f, 0x08]);
        assert_eq!(e.table_used(), 0);
        // Short cookie never indexed; long cookie indexed (static name 32).
        let out = e.encode(&[("cookie", "a=b")]);
        assert_eq!(out[..2], [0x1f, 0x11]);
        let long = "session=0123456789abcdef";
        let out = e.encode(&[("cookie", long)]);
        assert_eq!(out[0], 0x60);
        assert_eq!(e.table_used(), (6 + long.len() + 32) as u64);
        // Forced.
        let mut out = Vec::new();
        e.block(&mut out).field_never_indexed(b"x-a", b"b");
        assert_eq!(out[0], 0x10);
    }
}
