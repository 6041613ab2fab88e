//! PRIORITY_UPDATE (RFC 9218 §7.1).

use serde::Serialize;

use super::{FrameError, FrameErrorKind, FrameHeader};
use crate::octets::Octets;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PriorityUpdate {
    pub prioritized_stream_id: u32,
    /// The Priority field value, e.g. `u=1, i`.
    pub field_value: Octets,
}

impl PriorityUpdate {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<PriorityUpdate, FrameError> {
        const RFC: &str = "RFC 9218 §7.1";
        if head.stream_id != 0 {
            return Err(FrameError::new(
                FrameErrorKind::NonZeroStream {
                    stream_id: head.stream_id,
                },
                RFC,
            ));
        }
        let Some((id, value)) = payload.split_first_chunk::<4>() else {
            return Err(FrameError::new(FrameErrorKind::TooShort { needed: 4 }, RFC));
        };
        let prioritized_stream_id = u32::from_be_bytes(*id) & 0x7fff_ffff;
        if prioritized_stream_id == 0 {
            return Err(FrameError::new(FrameErrorKind::ZeroStreamReference, RFC));
        }
        Ok(PriorityUpdate {
            prioritized_stream_id,
            field_value: Octets::from(value),
        })
    }
}
