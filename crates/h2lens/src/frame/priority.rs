//! PRIORITY (RFC 9113 §6.3) and the priority fields of HEADERS (§6.2).

use serde::Serialize;

use super::{FrameError, FrameErrorKind, FrameHeader};

/// Stream dependency and weight (deprecated by RFC 9113 §5.3.2, still sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PrioritySpec {
    pub exclusive: bool,
    pub dependency: u32,
    /// The weight as on the wire (0–255); the effective weight is one more.
    pub weight: u8,
}

impl PrioritySpec {
    pub(crate) fn parse(bytes: &[u8; 5]) -> PrioritySpec {
        let [d0, d1, d2, d3, weight] = *bytes;
        let raw = u32::from_be_bytes([d0, d1, d2, d3]);
        PrioritySpec {
            exclusive: raw & 0x8000_0000 != 0,
            dependency: raw & 0x7fff_ffff,
            weight,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Priority {
    #[serde(flatten)]
    pub spec: PrioritySpec,
}

impl Priority {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<Priority, FrameError> {
        if head.stream_id == 0 {
            return Err(FrameError::new(FrameErrorKind::StreamZero, "RFC 9113 §6.3"));
        }
        let Ok(fields) = <&[u8; 5]>::try_from(payload) else {
            return Err(FrameError::new(
                FrameErrorKind::WrongLength {
                    expected: 5,
                    actual: head.length,
                },
                "RFC 9113 §6.3",
            ));
        };
        let spec = PrioritySpec::parse(fields);
        if spec.dependency == head.stream_id {
            return Err(FrameError::new(
                FrameErrorKind::SelfDependency,
                "RFC 9113 §5.3.1",
            ));
        }
        Ok(Priority { spec })
    }
}
