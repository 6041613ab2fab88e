//! CONTINUATION (RFC 9113 §6.10).

use serde::Serialize;

use super::{FrameError, FrameErrorKind, FrameHeader};
use crate::diag::Span;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Continuation {
    /// The header block fragment: the whole payload.
    pub fragment: Span,
}

impl Continuation {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<Continuation, FrameError> {
        if head.stream_id == 0 {
            return Err(FrameError::new(
                FrameErrorKind::StreamZero,
                "RFC 9113 §6.10",
            ));
        }
        Ok(Continuation {
            fragment: Span::new(0, payload.len() as u64),
        })
    }
}
