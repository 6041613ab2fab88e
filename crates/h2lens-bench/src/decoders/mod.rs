//! The decoders under test, each behind one small adapter.
//!
//! Adding a decoder means one file here implementing [`Decoder`] and one
//! line in [`all`]. Every adapter must:
//! * build a fresh decoder at the start of [`Decoder::decode_story`] (a story
//!   is one compression context; nothing may be reused across stories or
//!   rounds),
//! * apply each block's `table_size` (SETTINGS_HEADER_TABLE_SIZE) before
//!   decoding that block,
//! * hand every decoded (name, value) pair to the sink as bytes, then call
//!   [`FieldSink::end_block`].

mod h2_codec;
#[cfg(feature = "h2lens-hpack")]
mod h2lens;
mod httlib;
mod loona;
mod memcpy;
mod nghttp2;

use crate::corpus::{Corpus, Story};
use crate::sink::FieldSink;

/// How a decoder's output is compared with the story.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    /// Every (name, value) pair, byte for byte, in wire order.
    WireOrder,
    /// h2's `Codec` hands over a block as pseudo-header struct plus
    /// `HeaderMap`, which groups values by name. Compared: the same pairs,
    /// byte for byte, with each name's values in wire order; not compared:
    /// the order between different names. A block h2 refuses at the HTTP
    /// layer (stream-level PROTOCOL_ERROR) passes only if the story's block
    /// really breaks one of the rules h2 enforces (see
    /// `verify::h2_http_rule_broken`); its fields are then not delivered.
    H2Codec,
}

pub trait Decoder {
    /// Row name in the report.
    fn name(&self) -> &'static str;

    /// Library version and entry point used.
    fn version(&self) -> String;

    fn checked(&self) -> Checked {
        Checked::WireOrder
    }

    /// Too slow to run every round (a slow reference).
    fn slow(&self) -> bool {
        false
    }

    /// One-time input preparation outside the timed region (for example
    /// wrapping blocks in HTTP/2 frames). Called once before verification.
    fn prepare(&mut self, _corpus: &Corpus) {}

    /// Decodes every block of `story` (number `index` in the corpus) with a
    /// fresh decoder. An error stops the story; the text says where and why.
    fn decode_story(
        &mut self,
        index: usize,
        story: &Story,
        sink: &mut FieldSink,
    ) -> Result<(), String>;
}

/// Name of the reference decoder: ratios are relative to it.
pub const REFERENCE: &str = nghttp2::NAME;

/// Every decoder, in report order.
pub fn all() -> Vec<Box<dyn Decoder>> {
    let mut decoders: Vec<Box<dyn Decoder>> = vec![
        Box::new(memcpy::Memcpy::default()),
        Box::new(nghttp2::Nghttp2),
    ];
    // ==== h2lens adapter point ====
    // Enabled with `--features h2lens-hpack` once the h2lens HPACK decoder
    // has landed (see decoders/h2lens.rs).
    #[cfg(feature = "h2lens-hpack")]
    {
        decoders.push(Box::new(h2lens::H2lensExplained::default()));
        decoders.push(Box::new(h2lens::H2lensFieldsOnly::default()));
    }
    decoders.push(Box::new(h2_codec::H2Codec::default()));
    decoders.push(Box::new(httlib::Httlib));
    decoders.push(Box::new(loona::Loona));
    decoders
}
