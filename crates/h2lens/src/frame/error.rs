//! Frame-level rule violations (RFC 9113 §4.2, §6).

use std::fmt;

use serde::Serialize;

use super::types::{ErrorCode, SettingId};
use crate::diag::{Diagnostic, Layer};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FrameError {
    #[serde(flatten)]
    pub kind: FrameErrorKind,
    /// The rule, e.g. `RFC 9113 §6.5`.
    pub rfc: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FrameErrorKind {
    /// The payload is shorter than the type's fixed fields.
    TooShort { needed: u32 },
    /// The type requires an exact payload length.
    WrongLength { expected: u32, actual: u32 },
    /// SETTINGS payload not a multiple of 6.
    SettingsLengthNotMultipleOf6 { actual: u32 },
    /// SETTINGS with ACK must be empty.
    SettingsAckWithPayload { actual: u32 },
    /// Pad Length is larger than what follows it.
    PaddingTooLong { pad_length: u8, payload: u32 },
    /// The frame type may not be sent on stream 0.
    StreamZero,
    /// The frame type must be sent on stream 0.
    NonZeroStream { stream_id: u32 },
    /// A stream cannot depend on itself (§5.3.1).
    SelfDependency,
    /// WINDOW_UPDATE with increment 0 (§6.9).
    ZeroWindowIncrement,
    /// A SETTINGS value outside its allowed range (§6.5.2).
    BadSettingValue { id: SettingId, value: u32 },
    /// PUSH_PROMISE / PRIORITY_UPDATE naming stream 0.
    ZeroStreamReference,
    /// ALTSVC origin on a non-zero stream, or missing on stream 0 (RFC 7838 §4).
    AltSvcOrigin,
    /// An ORIGIN entry runs past the payload (RFC 8336 §2).
    OriginEntryTruncated { offset: u32 },
}

impl FrameError {
    pub fn new(kind: FrameErrorKind, rfc: &'static str) -> Self {
        FrameError { kind, rfc }
    }

    /// The error code a receiver would use (§5.4); extension frames
    /// (ALTSVC, ORIGIN) are ignored by receivers, so `None`.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match &self.kind {
            FrameErrorKind::TooShort { .. }
            | FrameErrorKind::WrongLength { .. }
            | FrameErrorKind::SettingsLengthNotMultipleOf6 { .. }
            | FrameErrorKind::SettingsAckWithPayload { .. } => Some(ErrorCode::FRAME_SIZE_ERROR),
            FrameErrorKind::BadSettingValue { id, .. } if *id == SettingId::INITIAL_WINDOW_SIZE => {
                Some(ErrorCode::FLOW_CONTROL_ERROR)
            }
            FrameErrorKind::AltSvcOrigin | FrameErrorKind::OriginEntryTruncated { .. } => None,
            _ => Some(ErrorCode::PROTOCOL_ERROR),
        }
    }

    pub fn code(&self) -> &'static str {
        match &self.kind {
            FrameErrorKind::TooShort { .. } => "frame.too_short",
            FrameErrorKind::WrongLength { .. } => "frame.wrong_length",
            FrameErrorKind::SettingsLengthNotMultipleOf6 { .. } => "frame.settings_length",
            FrameErrorKind::SettingsAckWithPayload { .. } => "frame.settings_ack_payload",
            FrameErrorKind::PaddingTooLong { .. } => "frame.padding_too_long",
            FrameErrorKind::StreamZero => "frame.stream_zero",
            FrameErrorKind::NonZeroStream { .. } => "frame.nonzero_stream",
            FrameErrorKind::SelfDependency => "frame.self_dependency",
            FrameErrorKind::ZeroWindowIncrement => "frame.zero_window_increment",
            FrameErrorKind::BadSettingValue { .. } => "frame.bad_setting_value",
            FrameErrorKind::ZeroStreamReference => "frame.zero_stream_reference",
            FrameErrorKind::AltSvcOrigin => "frame.altsvc_origin",
            FrameErrorKind::OriginEntryTruncated { .. } => "frame.origin_truncated",
        }
    }

    /// A diagnostic naming the frame type; `frame_type` is the type's name.
    pub fn to_diagnostic(&self, frame_type: &str) -> Diagnostic {
        let message = format!("{frame_type} frame: {self}");
        let d = match self.error_code() {
            Some(_) => Diagnostic::error(Layer::Frame, self.code(), message),
            None => Diagnostic::warning(Layer::Frame, self.code(), message),
        };
        d.rfc(self.rfc)
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FrameErrorKind::TooShort { needed } => {
                write!(f, "payload too short: at least {needed} bytes needed")
            }
            FrameErrorKind::WrongLength { expected, actual } => {
                write!(f, "payload must be {expected} bytes, is {actual}")
            }
            FrameErrorKind::SettingsLengthNotMultipleOf6 { actual } => {
                write!(f, "payload of {actual} bytes is not a multiple of 6")
            }
            FrameErrorKind::SettingsAckWithPayload { actual } => {
                write!(f, "ACK must have an empty payload, has {actual} bytes")
            }
            FrameErrorKind::PaddingTooLong {
                pad_length,
                payload,
            } => write!(
                f,
                "pad length {pad_length} does not fit in the {payload}-byte payload"
            ),
            FrameErrorKind::StreamZero => f.write_str("not allowed on stream 0"),
            FrameErrorKind::NonZeroStream { stream_id } => {
                write!(f, "must be on stream 0, was sent on stream {stream_id}")
            }
            FrameErrorKind::SelfDependency => f.write_str("stream depends on itself"),
            FrameErrorKind::ZeroWindowIncrement => f.write_str("window increment of 0"),
            FrameErrorKind::BadSettingValue { id, value } => {
                write!(f, "{id} value {value} is out of range")
            }
            FrameErrorKind::ZeroStreamReference => f.write_str("refers to stream 0"),
            FrameErrorKind::AltSvcOrigin => {
                f.write_str("origin must be present on stream 0 and absent on other streams")
            }
            FrameErrorKind::OriginEntryTruncated { offset } => {
                write!(f, "origin entry at byte {offset} runs past the payload")
            }
        }
    }
}
