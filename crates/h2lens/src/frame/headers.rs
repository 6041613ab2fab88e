//! HEADERS (RFC 9113 §6.2).

use serde::Serialize;

use super::priority::PrioritySpec;
use super::{unpad, Flags, FrameError, FrameErrorKind, FrameHeader};
use crate::diag::Span;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Headers {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pad_length: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<PrioritySpec>,
    /// The header block fragment, within the payload.
    pub fragment: Span,
}

impl Headers {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<Headers, FrameError> {
        const RFC: &str = "RFC 9113 §6.2";
        if head.stream_id == 0 {
            return Err(FrameError::new(FrameErrorKind::StreamZero, RFC));
        }
        let has_priority = head.has(Flags::PRIORITY);
        let skip = if has_priority { 5 } else { 0 };
        let (pad_length, fragment) = unpad(head, payload, skip, RFC)?;
        let priority = if has_priority {
            let start = if pad_length.is_some() { 1 } else { 0 };
            let fields = payload
                .get(start..start + 5)
                .and_then(|b| <&[u8; 5]>::try_from(b).ok())
                .ok_or(FrameError::new(
                    FrameErrorKind::TooShort {
                        needed: (start + 5) as u32,
                    },
                    RFC,
                ))?;
            let spec = PrioritySpec::parse(fields);
            if spec.dependency == head.stream_id {
                return Err(FrameError::new(
                    FrameErrorKind::SelfDependency,
                    "RFC 9113 §5.3.1",
                ));
            }
            Some(spec)
        } else {
            None
        };
        Ok(Headers {
            pad_length,
            priority,
            fragment,
        })
    }
}
