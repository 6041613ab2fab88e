//! HTTP/2 frames (RFC 9113 §4, §6), one module per frame type.
//!
//! Each frame type parses from its payload slice into an owned description
//! whose byte ranges are [`Span`](crate::Span)s relative to the payload, so nothing is
//! copied and nothing can be indexed out of bounds. Frame-level rule
//! violations are [`FrameError`]s naming the RFC section; the connection
//! decoder turns them into diagnostics and goes on where the protocol allows.

mod altsvc;
mod continuation;
mod data;
mod error;
mod goaway;
mod head;
mod headers;
mod origin;
mod ping;
mod priority;
mod priority_update;
mod push_promise;
mod reader;
mod rst_stream;
mod settings;
mod types;
mod unknown;
mod window_update;

pub use altsvc::AltSvc;
pub use continuation::Continuation;
pub use data::Data;
pub use error::{FrameError, FrameErrorKind};
pub use goaway::GoAway;
pub use head::{FrameHeader, FRAME_HEADER_LEN};
pub use headers::Headers;
pub use origin::Origin;
pub use ping::Ping;
pub use priority::{Priority, PrioritySpec};
pub use priority_update::PriorityUpdate;
pub use push_promise::PushPromise;
pub use reader::{ByteQueue, FrameReader, RawFrame};
pub use rst_stream::RstStream;
pub use settings::{Setting, Settings};
pub use types::{ErrorCode, Flags, FrameType, SettingId};
pub use unknown::Unknown;
pub use window_update::WindowUpdate;

use serde::Serialize;

/// A parsed frame payload, by type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Frame {
    Data(Data),
    Headers(Headers),
    Priority(Priority),
    RstStream(RstStream),
    Settings(Settings),
    PushPromise(PushPromise),
    Ping(Ping),
    #[serde(rename = "GOAWAY")]
    GoAway(GoAway),
    WindowUpdate(WindowUpdate),
    Continuation(Continuation),
    #[serde(rename = "ALTSVC")]
    AltSvc(AltSvc),
    Origin(Origin),
    PriorityUpdate(PriorityUpdate),
    Unknown(Unknown),
}

impl Frame {
    /// Parses the payload of a frame whose header is `head`. The payload
    /// must be exactly `head.length` bytes.
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<Frame, FrameError> {
        match head.kind {
            FrameType::DATA => Data::parse(head, payload).map(Frame::Data),
            FrameType::HEADERS => Headers::parse(head, payload).map(Frame::Headers),
            FrameType::PRIORITY => Priority::parse(head, payload).map(Frame::Priority),
            FrameType::RST_STREAM => RstStream::parse(head, payload).map(Frame::RstStream),
            FrameType::SETTINGS => Settings::parse(head, payload).map(Frame::Settings),
            FrameType::PUSH_PROMISE => PushPromise::parse(head, payload).map(Frame::PushPromise),
            FrameType::PING => Ping::parse(head, payload).map(Frame::Ping),
            FrameType::GOAWAY => GoAway::parse(head, payload).map(Frame::GoAway),
            FrameType::WINDOW_UPDATE => WindowUpdate::parse(head, payload).map(Frame::WindowUpdate),
            FrameType::CONTINUATION => Continuation::parse(head, payload).map(Frame::Continuation),
            FrameType::ALTSVC => AltSvc::parse(head, payload).map(Frame::AltSvc),
            FrameType::ORIGIN => Origin::parse(head, payload).map(Frame::Origin),
            FrameType::PRIORITY_UPDATE => {
                PriorityUpdate::parse(head, payload).map(Frame::PriorityUpdate)
            }
            _ => Ok(Frame::Unknown(Unknown::parse(head, payload))),
        }
    }
}

/// The part of `payload` that `span` covers, or an empty slice if the span
/// is out of range (it never is for spans made by this module).
pub fn slice(payload: &[u8], span: crate::Span) -> &[u8] {
    let start = usize::try_from(span.start).unwrap_or(usize::MAX);
    let end = usize::try_from(span.end).unwrap_or(usize::MAX);
    payload.get(start..end).unwrap_or(&[])
}

/// Strips padding (RFC 9113 §6.1, §6.2, §6.6): returns the pad length and
/// the span of what lies between the Pad Length octet (plus `skip` more
/// octets) and the padding.
pub(crate) fn unpad(
    head: &FrameHeader,
    payload: &[u8],
    skip: usize,
    section: &'static str,
) -> Result<(Option<u8>, crate::Span), FrameError> {
    let len = payload.len();
    if !head.flags.contains(Flags::PADDED) {
        if len < skip {
            return Err(FrameError::new(
                FrameErrorKind::TooShort {
                    needed: skip as u32,
                },
                section,
            ));
        }
        return Ok((None, crate::Span::new(skip as u64, len as u64)));
    }
    let Some((&pad_len, _)) = payload.split_first() else {
        return Err(FrameError::new(
            FrameErrorKind::TooShort { needed: 1 },
            section,
        ));
    };
    let body_start = 1 + skip;
    let pad = usize::from(pad_len);
    // §6.1: padding that exceeds the remaining payload is a PROTOCOL_ERROR.
    if body_start + pad > len {
        return Err(FrameError::new(
            FrameErrorKind::PaddingTooLong {
                pad_length: pad_len,
                payload: len as u32,
            },
            section,
        ));
    }
    Ok((
        Some(pad_len),
        crate::Span::new(body_start as u64, (len - pad) as u64),
    ))
}
