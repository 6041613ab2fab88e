//! Where every decoder hands its fields: the same consumer for all, so the
//! work measured is the same.
//!
//! When timing, the sink counts fields and bytes and passes each name and
//! value through [`std::hint::black_box`], which makes the compiler assume
//! the bytes are read: no decoder's output can be optimised away, and the
//! consumer itself costs almost nothing. When verifying, it also records
//! every pair so it can be compared with the story.

use std::hint::black_box;

use crate::corpus::Pair;

/// What a decoder produced for one header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockOutput {
    /// Fields in the order the decoder delivered them.
    Fields(Vec<Pair>),
    /// The decoder decoded the block (its HPACK state moved on) but refused
    /// to hand over the fields: h2's HTTP-layer checks. The text says why.
    Rejected(String),
}

#[derive(Debug, Default)]
pub struct FieldSink {
    /// Fields delivered.
    pub fields: u64,
    /// Name plus value bytes delivered.
    pub bytes: u64,
    /// Blocks the decoder declined to deliver ([`BlockOutput::Rejected`]).
    pub rejected_blocks: u64,
    recording: Option<Recording>,
}

#[derive(Debug, Default)]
struct Recording {
    blocks: Vec<BlockOutput>,
    current: Vec<Pair>,
}

impl FieldSink {
    /// A sink that only counts (for timing).
    pub fn counting() -> Self {
        FieldSink::default()
    }

    /// A sink that also keeps every pair (for verification).
    pub fn recording() -> Self {
        FieldSink {
            recording: Some(Recording::default()),
            ..FieldSink::default()
        }
    }

    /// One decoded field. Decoders call this for every field, in the order
    /// they produce them.
    #[inline]
    pub fn field(&mut self, name: &[u8], value: &[u8]) {
        self.fields += 1;
        self.bytes += (name.len() + value.len()) as u64;
        black_box((name, value));
        if let Some(rec) = &mut self.recording {
            rec.current.push((name.to_vec(), value.to_vec()));
        }
    }

    /// The current block is complete.
    #[inline]
    pub fn end_block(&mut self) {
        if let Some(rec) = &mut self.recording {
            let fields = std::mem::take(&mut rec.current);
            rec.blocks.push(BlockOutput::Fields(fields));
        }
    }

    /// The decoder declined to deliver the current block's fields.
    pub fn reject_block(&mut self, why: impl FnOnce() -> String) {
        self.rejected_blocks += 1;
        if let Some(rec) = &mut self.recording {
            rec.current.clear();
            rec.blocks.push(BlockOutput::Rejected(why()));
        }
    }

    /// The recorded blocks (empty for a counting sink).
    pub fn into_blocks(self) -> Vec<BlockOutput> {
        self.recording.map(|r| r.blocks).unwrap_or_default()
    }
}
