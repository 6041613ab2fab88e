//! Checks a decoder's output against the story, before anything is timed.

use crate::corpus::{escape, Pair, Story};
use crate::decoders::{Checked, Decoder};
use crate::sink::{BlockOutput, FieldSink};

/// How one decoder did on one story.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// `None`: every block matched. Otherwise the first problem.
    pub failure: Option<String>,
    /// Blocks the decoder refused at the HTTP layer (h2), each checked to
    /// break a rule h2 enforces.
    pub rejected_blocks: u64,
    /// Fields handed to the sink.
    pub delivered_fields: u64,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }
}

pub fn verify_story(decoder: &mut dyn Decoder, index: usize, story: &Story) -> Verdict {
    let mut sink = FieldSink::recording();
    let result = decoder.decode_story(index, story, &mut sink);
    let delivered_fields = sink.fields;
    let rejected_blocks = sink.rejected_blocks;
    let got = sink.into_blocks();
    let failure = compare(decoder.checked(), story, &got, result.err());
    Verdict {
        failure,
        rejected_blocks,
        delivered_fields,
    }
}

fn compare(
    checked: Checked,
    story: &Story,
    got: &[BlockOutput],
    error: Option<String>,
) -> Option<String> {
    for (i, block) in story.blocks.iter().enumerate() {
        let Some(output) = got.get(i) else {
            return Some(match &error {
                Some(e) => format!("error: {e}"),
                None => format!("block {i}: missing (decoder stopped)"),
            });
        };
        let problem = match (output, checked) {
            (BlockOutput::Fields(fields), Checked::WireOrder) => {
                compare_fields(&block.fields, fields)
            }
            (BlockOutput::Fields(fields), Checked::H2Codec) => {
                compare_fields(&by_name(&block.fields), &by_name(fields))
            }
            (BlockOutput::Rejected(why), Checked::H2Codec) => {
                match h2_http_rule_broken(&block.fields) {
                    Some(_) => None,
                    None => Some(format!(
                        "refused ({why}) but the block breaks no rule h2 enforces"
                    )),
                }
            }
            (BlockOutput::Rejected(why), Checked::WireOrder) => Some(format!("refused: {why}")),
        };
        if let Some(problem) = problem {
            return Some(format!("block {i}: {problem}"));
        }
    }
    if let Some(e) = error {
        return Some(format!("error after all blocks: {e}"));
    }
    if got.len() > story.blocks.len() {
        return Some(format!(
            "{} blocks produced, story has {}",
            got.len(),
            story.blocks.len()
        ));
    }
    None
}

fn compare_fields(expected: &[Pair], got: &[Pair]) -> Option<String> {
    for (j, (want, have)) in expected.iter().zip(got).enumerate() {
        if want != have {
            return Some(format!(
                "field {j}: expected {}: {} got {}: {}",
                escape(&want.0),
                escape(&want.1),
                escape(&have.0),
                escape(&have.1)
            ));
        }
    }
    if expected.len() != got.len() {
        return Some(format!(
            "{} fields expected, {} decoded",
            expected.len(),
            got.len()
        ));
    }
    None
}

/// Pairs grouped by name (stable: each name's values keep wire order).
fn by_name(fields: &[Pair]) -> Vec<Pair> {
    let mut sorted = fields.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
}

/// Which HTTP-layer rule of h2 (0.4 `frame::headers::HeaderBlock::load`) a
/// block breaks, if any: RFC 9113 §8.2.2 connection-specific fields and
/// `te` other than `trailers`; §8.3 pseudo-headers after a regular field or
/// repeated.
pub fn h2_http_rule_broken(fields: &[Pair]) -> Option<&'static str> {
    let mut seen_regular = false;
    let mut seen_pseudo: Vec<&[u8]> = Vec::new();
    for (name, value) in fields {
        let name = name.as_slice();
        if name.first() == Some(&b':') {
            if seen_regular {
                return Some("pseudo-header after a regular field");
            }
            if seen_pseudo.contains(&name) {
                return Some("repeated pseudo-header");
            }
            seen_pseudo.push(name);
        } else {
            match name {
                b"connection" | b"keep-alive" | b"proxy-connection" | b"transfer-encoding"
                | b"upgrade" => return Some("connection-specific field"),
                b"te" if value.as_slice() != b"trailers" => return Some("te other than trailers"),
                _ => seen_regular = true,
            }
        }
    }
    None
}
