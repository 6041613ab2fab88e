//! WINDOW_UPDATE (RFC 9113 §6.9).

use serde::Serialize;

use super::{FrameError, FrameErrorKind, FrameHeader};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WindowUpdate {
    pub increment: u32,
}

impl WindowUpdate {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<WindowUpdate, FrameError> {
        const RFC: &str = "RFC 9113 §6.9";
        let raw = <[u8; 4]>::try_from(payload).map_err(|_| {
            FrameError::new(
                FrameErrorKind::WrongLength {
                    expected: 4,
                    actual: head.length,
                },
                RFC,
            )
        })?;
        let increment = u32::from_be_bytes(raw) & 0x7fff_ffff;
        if increment == 0 {
            return Err(FrameError::new(FrameErrorKind::ZeroWindowIncrement, RFC));
        }
        Ok(WindowUpdate { increment })
    }
}
