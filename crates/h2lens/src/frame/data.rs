//! DATA (RFC 9113 §6.1).

use serde::Serialize;

use super::{unpad, FrameError, FrameErrorKind, FrameHeader};
use crate::diag::Span;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Data {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pad_length: Option<u8>,
    /// The data, within the payload.
    pub data: Span,
}

impl Data {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<Data, FrameError> {
        if head.stream_id == 0 {
            return Err(FrameError::new(FrameErrorKind::StreamZero, "RFC 9113 §6.1"));
        }
        let (pad_length, data) = unpad(head, payload, 0, "RFC 9113 §6.1")?;
        Ok(Data { pad_length, data })
    }
}
