//! `loona-hpack` (a maintained fork of `hpack` 0.3): the slow reference. Its
//! Huffman decoder rebuilds a lookup map for every string, so it runs a
//! hundred times slower than the others and only a few rounds are timed.

use loona_hpack::Decoder as LoonaDecoder;

use super::Decoder;
use crate::corpus::Story;
use crate::sink::FieldSink;

pub struct Loona;

impl Decoder for Loona {
    fn name(&self) -> &'static str {
        "loona-hpack"
    }

    fn version(&self) -> String {
        format!(
            "loona-hpack {} (Decoder::decode_with_cb)",
            env!("PEER_VERSION_LOONA_HPACK")
        )
    }

    fn slow(&self) -> bool {
        true
    }

    fn decode_story(
        &mut self,
        _index: usize,
        story: &Story,
        sink: &mut FieldSink,
    ) -> Result<(), String> {
        let mut decoder = LoonaDecoder::new();
        for (i, block) in story.blocks.iter().enumerate() {
            if let Some(size) = block.table_size {
                // The SETTINGS limit that size updates are checked against.
                decoder.set_max_allowed_table_size(size as usize);
            }
            decoder
                .decode_with_cb(&block.wire, |name, value| sink.field(&name, &value))
                .map_err(|e| format!("block {i}: {e:?}"))?;
            sink.end_block();
        }
        Ok(())
    }
}
