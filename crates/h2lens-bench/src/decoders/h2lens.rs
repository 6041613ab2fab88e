//! h2lens's own HPACK decoder, two ways (feature `h2lens-hpack`):
//! * explained: `Decoder::decode(&[u8]) -> HeaderBlock`, the full result a
//!   user sees (representation, indices, table events, diagnostics);
//! * fields only: `Decoder::decode_fields(&[u8], |name, value| …)`, the
//!   fastest path, which yields only the pairs.
//!
//! Written against the API of the h2lens HPACK work:
//! `hpack::Decoder::new(&HpackLimits)`, `set_settings_table_size(u32)`,
//! `decode(&[u8]) -> HeaderBlock` (fields with `name`/`value` as `Octets`),
//! `decode_fields(&[u8], FnMut(&[u8], &[u8])) -> Result<(), DecodeError>`.

use h2lens::config::HpackLimits;
use h2lens::hpack::Decoder as H2lensDecoder;

use super::Decoder;
use crate::corpus::Story;
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
        let mut decoder = H2lensDecoder::new(&self.limits);
        for (i, block) in story.blocks.iter().enumerate() {
            if let Some(size) = block.table_size {
                decoder.set_settings_table_size(size);
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

#[derive(Default)]
pub struct H2lensFieldsOnly {
    limits: HpackLimits,
}

impl Decoder for H2lensFieldsOnly {
    fn name(&self) -> &'static str {
        "h2lens (fields only)"
    }

    fn version(&self) -> String {
        "h2lens (workspace) hpack::Decoder::decode_fields".to_string()
    }

    fn decode_story(
        &mut self,
        _index: usize,
        story: &Story,
        sink: &mut FieldSink,
    ) -> Result<(), String> {
        let mut decoder = H2lensDecoder::new(&self.limits);
        for (i, block) in story.blocks.iter().enumerate() {
            if let Some(size) = block.table_size {
                decoder.set_settings_table_size(size);
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
