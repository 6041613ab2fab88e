//! `httlib-hpack`: `Decoder::decode(&mut Vec<u8>, &mut Vec<(name, value,
//! flags)>)`. It consumes its input vector (draining each representation
//! from the front), so each block is first copied into a reused buffer;
//! that copy is part of using this API and is timed.

use httlib_hpack::Decoder as HttlibDecoder;

use super::Decoder;
use crate::corpus::Story;
use crate::sink::FieldSink;

pub struct Httlib;

impl Decoder for Httlib {
    fn name(&self) -> &'static str {
        "httlib-hpack"
    }

    fn version(&self) -> String {
        format!(
            "httlib-hpack {} (Decoder::decode)",
            env!("PEER_VERSION_HTTLIB_HPACK")
        )
    }

    fn decode_story(
        &mut self,
        _index: usize,
        story: &Story,
        sink: &mut FieldSink,
    ) -> Result<(), String> {
        let mut decoder = HttlibDecoder::default();
        let mut input = Vec::new();
        let mut fields = Vec::new();
        for (i, block) in story.blocks.iter().enumerate() {
            if let Some(size) = block.table_size {
                // The SETTINGS limit that size updates are checked against.
                decoder.set_max_dynamic_size(size);
            }
            input.clear();
            input.extend_from_slice(&block.wire);
            fields.clear();
            decoder
                .decode(&mut input, &mut fields)
                .map_err(|e| format!("block {i}: {e:?}"))?;
            for (name, value, _flags) in &fields {
                sink.field(name, value);
            }
            sink.end_block();
        }
        Ok(())
    }
}
