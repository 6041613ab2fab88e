//! GOAWAY (RFC 9113 §6.8).

use serde::Serialize;

use super::{ErrorCode, FrameError, FrameErrorKind, FrameHeader};
use crate::octets::Octets;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GoAway {
    pub last_stream_id: u32,
    pub error_code: ErrorCode,
    /// Opaque diagnostic data (often text).
    #[serde(skip_serializing_if = "Octets::is_empty")]
    pub debug_data: Octets,
}

impl GoAway {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<GoAway, FrameError> {
        const RFC: &str = "RFC 9113 §6.8";
        if head.stream_id != 0 {
            return Err(FrameError::new(
                FrameErrorKind::NonZeroStream {
                    stream_id: head.stream_id,
                },
                RFC,
            ));
        }
        let Some((last, rest)) = payload.split_first_chunk::<4>() else {
            return Err(FrameError::new(FrameErrorKind::TooShort { needed: 8 }, RFC));
        };
        let Some((code, debug)) = rest.split_first_chunk::<4>() else {
            return Err(FrameError::new(FrameErrorKind::TooShort { needed: 8 }, RFC));
        };
        Ok(GoAway {
            last_stream_id: u32::from_be_bytes(*last) & 0x7fff_ffff,
            error_code: ErrorCode(u32::from_be_bytes(*code)),
            debug_data: Octets::from(debug),
        })
    }
}
