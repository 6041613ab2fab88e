//! ORIGIN (RFC 8336 §2).

use serde::Serialize;

use super::{FrameError, FrameErrorKind, FrameHeader};
use crate::octets::Octets;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub origins: Vec<Octets>,
}

impl Origin {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<Origin, FrameError> {
        const RFC: &str = "RFC 8336 §2";
        // §2.1: ORIGIN on a non-zero stream is ignored by receivers.
        if head.stream_id != 0 {
            return Err(FrameError::new(
                FrameErrorKind::NonZeroStream {
                    stream_id: head.stream_id,
                },
                RFC,
            ));
        }
        let mut origins = Vec::new();
        let mut rest = payload;
        while !rest.is_empty() {
            let offset = (payload.len() - rest.len()) as u32;
            let truncated = FrameError::new(FrameErrorKind::OriginEntryTruncated { offset }, RFC);
            let (len, tail) = rest.split_first_chunk::<2>().ok_or(truncated.clone())?;
            let (origin, tail) = tail
                .split_at_checked(usize::from(u16::from_be_bytes(*len)))
                .ok_or(truncated)?;
            origins.push(Octets::from(origin));
            rest = tail;
        }
        Ok(Origin { origins })
    }
}
