//! Frames of unknown type (RFC 9113 §4.1, §5.5: receivers ignore them).

use serde::Serialize;

use super::FrameHeader;
use crate::octets::Octets;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unknown {
    /// The type byte, kept.
    pub type_byte: u8,
    pub payload: Octets,
}

impl Unknown {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Unknown {
        Unknown {
            type_byte: head.kind.0,
            payload: Octets::from(payload),
        }
    }
}
