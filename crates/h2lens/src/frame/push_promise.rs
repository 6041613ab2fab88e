//! PUSH_PROMISE (RFC 9113 §6.6).

use serde::Serialize;

use super::{unpad, FrameError, FrameErrorKind, FrameHeader};
use crate::diag::Span;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PushPromise {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pad_length: Option<u8>,
    pub promised_stream_id: u32,
    /// The header block fragment, within the payload.
    pub fragment: Span,
}

impl PushPromise {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<PushPromise, FrameError> {
        const RFC: &str = "RFC 9113 §6.6";
        if head.stream_id == 0 {
            return Err(FrameError::new(FrameErrorKind::StreamZero, RFC));
        }
        let (pad_length, fragment) = unpad(head, payload, 4, RFC)?;
        let start = if pad_length.is_some() { 1 } else { 0 };
        let id = payload
            .get(start..start + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .ok_or(FrameError::new(
                FrameErrorKind::TooShort {
                    needed: (start + 4) as u32,
                },
                RFC,
            ))?;
        let promised_stream_id = u32::from_be_bytes(id) & 0x7fff_ffff;
        if promised_stream_id == 0 {
            return Err(FrameError::new(FrameErrorKind::ZeroStreamReference, RFC));
        }
        Ok(PushPromise {
            pad_length,
            promised_stream_id,
            fragment,
        })
    }
}
