//! ALTSVC (RFC 7838 §4).

use serde::Serialize;

use super::{FrameError, FrameErrorKind, FrameHeader};
use crate::octets::Octets;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AltSvc {
    #[serde(skip_serializing_if = "Octets::is_empty")]
    pub origin: Octets,
    /// The Alt-Svc field value, e.g. `h3=":443"; ma=3600`.
    pub field_value: Octets,
}

impl AltSvc {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<AltSvc, FrameError> {
        const RFC: &str = "RFC 7838 §4";
        let Some((len, rest)) = payload.split_first_chunk::<2>() else {
            return Err(FrameError::new(FrameErrorKind::TooShort { needed: 2 }, RFC));
        };
        let origin_len = usize::from(u16::from_be_bytes(*len));
        let Some((origin, value)) = rest.split_at_checked(origin_len) else {
            return Err(FrameError::new(
                FrameErrorKind::TooShort {
                    needed: 2 + origin_len as u32,
                },
                RFC,
            ));
        };
        // §4: on stream 0 the origin is required; on other streams it must
        // be empty (the origin is the stream's). Receivers ignore such frames.
        if (head.stream_id == 0) == origin.is_empty() {
            return Err(FrameError::new(FrameErrorKind::AltSvcOrigin, RFC));
        }
        Ok(AltSvc {
            origin: Octets::from(origin),
            field_value: Octets::from(value),
        })
    }
}
