//! RST_STREAM (RFC 9113 §6.4).

use serde::Serialize;

use super::{ErrorCode, FrameError, FrameErrorKind, FrameHeader};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RstStream {
    pub error_code: ErrorCode,
}

impl RstStream {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<RstStream, FrameError> {
        const RFC: &str = "RFC 9113 §6.4";
        if head.stream_id == 0 {
            return Err(FrameError::new(FrameErrorKind::StreamZero, RFC));
        }
        let code = <[u8; 4]>::try_from(payload).map_err(|_| {
            FrameError::new(
                FrameErrorKind::WrongLength {
                    expected: 4,
                    actual: head.length,
                },
                RFC,
            )
        })?;
        Ok(RstStream {
            error_code: ErrorCode(u32::from_be_bytes(code)),
        })
    }
}
