//! The ceiling: no decoding at all, only copying the already-decoded names
//! and values (taken from the story) into an output buffer and handing them
//! to the sink. No HPACK decoder can beat this, so it shows how much of a
//! decoder's time is decoding rather than producing output.

use super::Decoder;
use crate::corpus::{Corpus, Story};
use crate::sink::FieldSink;

/// A story's decoded output laid out flat, prepared outside the timed region.
#[derive(Default)]
struct Flat {
    /// Every name then value, back to back.
    bytes: Vec<u8>,
    /// Per field: name length, value length.
    lens: Vec<(usize, usize)>,
    /// Per block: how many fields.
    block_fields: Vec<usize>,
}

#[derive(Default)]
pub struct Memcpy {
    stories: Vec<Flat>,
}

impl Decoder for Memcpy {
    fn name(&self) -> &'static str {
        "memcpy ceiling"
    }

    fn version(&self) -> String {
        "copy of the decoded bytes, no decoding".to_string()
    }

    fn prepare(&mut self, corpus: &Corpus) {
        self.stories = corpus
            .stories
            .iter()
            .map(|story| {
                let mut flat = Flat::default();
                for block in &story.blocks {
                    for (name, value) in &block.fields {
                        flat.bytes.extend_from_slice(name);
                        flat.bytes.extend_from_slice(value);
                        flat.lens.push((name.len(), value.len()));
                    }
                    flat.block_fields.push(block.fields.len());
                }
                flat
            })
            .collect();
    }

    fn decode_story(
        &mut self,
        index: usize,
        _story: &Story,
        sink: &mut FieldSink,
    ) -> Result<(), String> {
        let flat = self
            .stories
            .get(index)
            .ok_or_else(|| format!("story {index} was not prepared"))?;
        // A fresh output buffer per story, as a decoder would allocate.
        let mut out: Vec<u8> = Vec::new();
        let mut src = flat.bytes.as_slice();
        let mut lens = flat.lens.iter();
        for &count in &flat.block_fields {
            for &(name_len, value_len) in lens.by_ref().take(count) {
                let (name, rest) = src.split_at(name_len);
                let (value, rest) = rest.split_at(value_len);
                src = rest;
                out.clear();
                out.extend_from_slice(name);
                out.extend_from_slice(value);
                let (name, value) = out.split_at(name_len);
                sink.field(name, value);
            }
            sink.end_block();
        }
        Ok(())
    }
}
