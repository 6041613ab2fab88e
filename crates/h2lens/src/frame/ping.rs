//! PING (RFC 9113 §6.7).

use serde::Serialize;

use super::{Flags, FrameError, FrameErrorKind, FrameHeader};
use crate::octets::to_hex;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ping {
    pub ack: bool,
    #[serde(serialize_with = "hex8")]
    pub opaque_data: [u8; 8],
}

fn hex8<S: serde::Serializer>(data: &[u8; 8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_hex(data))
}

impl Ping {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<Ping, FrameError> {
        const RFC: &str = "RFC 9113 §6.7";
        if head.stream_id != 0 {
            return Err(FrameError::new(
                FrameErrorKind::NonZeroStream {
                    stream_id: head.stream_id,
                },
                RFC,
            ));
        }
        let opaque_data = <[u8; 8]>::try_from(payload).map_err(|_| {
            FrameError::new(
                FrameErrorKind::WrongLength {
                    expected: 8,
                    actual: head.length,
                },
                RFC,
            )
        })?;
        Ok(Ping {
            ack: head.has(Flags::ACK),
            opaque_data,
        })
    }
}
