//! A decoded header block's names and values, whichever way they were
//! kept: as explained [`Field`]s (the default), or back to back in one
//! reused buffer when the event stream only counts fields
//! (`OutputOptions::header_fields`). The HTTP rules and the exchange
//! bookkeeping read them through [`FieldView`], so both ways give the same
//! diagnostics and exchanges.

use crate::hpack::Field;

/// One field's name and value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FieldRef<'a> {
    pub name: &'a [u8],
    pub value: &'a [u8],
    /// See [`Field::unknown`].
    pub unknown: bool,
}

pub(crate) trait FieldView {
    /// The fields in wire order.
    fn fields(&self) -> impl Iterator<Item = FieldRef<'_>> + Clone;

    /// The value of the first field named `name` (pseudo-header fields come
    /// first, RFC 9113 §8.3).
    fn first(&self, name: &[u8]) -> Option<&[u8]> {
        self.fields().find(|f| f.name == name).map(|f| f.value)
    }
}

impl FieldView for [Field] {
    fn fields(&self) -> impl Iterator<Item = FieldRef<'_>> + Clone {
        self.iter().map(|f| FieldRef {
            name: f.name.as_bytes(),
            value: f.value.as_bytes(),
            unknown: f.unknown,
        })
    }
}

/// Names and values back to back in one buffer, reused block after block:
/// no allocation per field once the buffers have grown.
#[derive(Debug, Default)]
pub(crate) struct PlainFields {
    bytes: Vec<u8>,
    /// Start of the name, end of the name (start of the value), end of the
    /// value in `bytes`, and the unknown flag.
    fields: Vec<(usize, usize, usize, bool)>,
}

impl PlainFields {
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.fields.clear();
    }

    #[inline]
    pub fn push(&mut self, name: &[u8], value: &[u8], unknown: bool) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(name);
        let mid = self.bytes.len();
        self.bytes.extend_from_slice(value);
        self.fields.push((start, mid, self.bytes.len(), unknown));
    }

    /// Gives back memory a huge block left behind.
    pub fn trim(&mut self) {
        const KEEP: usize = 64 << 10;
        if self.bytes.capacity() > KEEP {
            self.bytes = Vec::new();
        }
        if self.fields.capacity() > KEEP / 16 {
            self.fields = Vec::new();
        }
    }
}

impl FieldView for PlainFields {
    fn fields(&self) -> impl Iterator<Item = FieldRef<'_>> + Clone {
        self.fields
            .iter()
            .map(|&(start, mid, end, unknown)| FieldRef {
                name: self.bytes.get(start..mid).unwrap_or_default(),
                value: self.bytes.get(mid..end).unwrap_or_default(),
                unknown,
            })
    }
}
