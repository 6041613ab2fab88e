//! h2lens's own HPACK decoder, two ways (feature `h2lens-hpack`):
//! * explained: `Decoder::decode(&[u8]) -> HeaderBlock`, the full result a
//!   user sees (representation, indices, table events, diagnostics);
//! * fields only: `Decoder::decode_fields(&[u8], |name, value| …)`, the
//!   fastest path, which yields only the pairs; configured as a consumer of
//!   pairs only would configure it, without the history of evicted entries
//!   (`HpackLimits::eviction_history = 0`), which serves only to explain
//!   an index that points past the table (3 % of its time).
//!
//! API used: `hpack::Decoder::new(&HpackLimits)`, or
//! `Decoder::with_table_size(&HpackLimits, u32)` when the story's first
//! block comes with a SETTINGS_HEADER_TABLE_SIZE (the setting was in force
//! before any block, RFC 7541 C.5/C.6); `set_settings_table_size(u32) ->
//! Option<Diagnostic>` for a size given later (the diagnostic only says a
//! size above the configured maximum was capped, which no story reaches);
//! `decode(&[u8]) -> HeaderBlock` (fields with `name`/`value` as `Octets`);
//! `decode_fields(&[u8], FnMut(&[u8], &[u8])) -> Result<(), DecodeError>`.

use h2lens::config::HpackLimits;
use h2lens::hpack::Decoder as H2lensDecoder;

use super::Decoder;
use crate::corpus::Story;

/// A fresh decoder for `story`: with the first block's table size as the
/// setting in force from the start (later sizes are applied per block).
fn fresh(limits: &HpackLimits, story: &Story) -> H2lensDecoder {
    match story.blocks.first().and_then(|b| b.table_size) {
        Some(size) => H2lensDecoder::with_table_size(limits, size),
        None => H2lensDecoder::new(limits),
    }
}
use crate::sink::FieldSink;

#[derive(Default)]
pub struct H2lensExplained {
    limits: HpackLimits,
}

impl Decoder for H2lensExplained {
    fn name(&self) -> &'static str {
        "h2lens (explained)"
    }

    fn version(&self) -> String {
        "h2lens (workspace) hpack::Decoder::decode -> HeaderBlock".to_string()
    }

    fn decode_story(
        &mut self,
        _index: usize,
        story: &Story,
        sink: &mut FieldSink,
    ) -> Result<(), String> {
        let mut decoder = fresh(&self.limits, story);
        for (i, block) in story.blocks.iter().enumerate() {
            if let (Some(size), true) = (block.table_size, i > 0) {
                // `Some` only for a size above the configured maximum.
                let _capped = decoder.set_settings_table_size(size);
            }
            let decoded = decoder.decode(&block.wire);
            for field in &decoded.fields {
                sink.field(field.name.as_bytes(), field.value.as_bytes());
            }
            if let Some(error) = &decoded.error {
                return Err(format!("block {i}: {error:?}"));
            }
            sink.end_block();
        }
        Ok(())
    }
}

pub struct H2lensFieldsOnly {
    limits: HpackLimits,
}

impl Default for H2lensFieldsOnly {
    fn default() -> Self {
        H2lensFieldsOnly {
            limits: HpackLimits {
                eviction_history: 0,
                ..HpackLimits::default()
            },
        }
    }
}

impl Decoder for H2lensFieldsOnly {
    fn name(&self) -> &'static str {
        "h2lens (fields only)"
    }

    fn version(&self) -> String {
        "h2lens (workspace) hpack::Decoder::decode_fields, no eviction history".to_string()
    }

    fn decode_story(
        &mut self,
        _index: usize,
        story: &Story,
        sink: &mut FieldSink,
    ) -> Result<(), String> {
        let mut decoder = fresh(&self.limits, story);
        for (i, block) in story.blocks.iter().enumerate() {
            if let (Some(size), true) = (block.table_size, i > 0) {
                let _capped = decoder.set_settings_table_size(size);
            }
            decoder
                .decode_fields(&block.wire, |name: &[u8], value: &[u8]| {
                    sink.field(name, value)
                })
                .map_err(|error| format!("block {i}: {error:?}"))?;
            sink.end_block();
        }
        Ok(())
    }
}
