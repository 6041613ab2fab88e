//! SETTINGS (RFC 9113 §6.5).

use serde::Serialize;

use super::{Flags, FrameError, FrameErrorKind, FrameHeader, SettingId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Setting {
    pub id: SettingId,
    pub value: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Settings {
    pub ack: bool,
    /// In wire order; a repeated identifier's last value wins (§6.5.3).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<Setting>,
}

impl Settings {
    pub fn parse(head: &FrameHeader, payload: &[u8]) -> Result<Settings, FrameError> {
        const RFC: &str = "RFC 9113 §6.5";
        if head.stream_id != 0 {
            return Err(FrameError::new(
                FrameErrorKind::NonZeroStream {
                    stream_id: head.stream_id,
                },
                RFC,
            ));
        }
        let ack = head.has(Flags::ACK);
        if ack && !payload.is_empty() {
            return Err(FrameError::new(
                FrameErrorKind::SettingsAckWithPayload {
                    actual: head.length,
                },
                RFC,
            ));
        }
        if payload.len() % 6 != 0 {
            return Err(FrameError::new(
                FrameErrorKind::SettingsLengthNotMultipleOf6 {
                    actual: head.length,
                },
                RFC,
            ));
        }
        let mut settings = Vec::with_capacity(payload.len() / 6);
        for entry in payload.chunks_exact(6) {
            let Some((id, value)) = entry.split_first_chunk::<2>() else {
                continue;
            };
            let Ok(value) = <[u8; 4]>::try_from(value) else {
                continue;
            };
            let setting = Setting {
                id: SettingId(u16::from_be_bytes(*id)),
                value: u32::from_be_bytes(value),
            };
            check_value(setting)?;
            settings.push(setting);
        }
        Ok(Settings { ack, settings })
    }
}

/// §6.5.2: the ranges a receiver must enforce.
fn check_value(s: Setting) -> Result<(), FrameError> {
    let ok = match s.id {
        SettingId::ENABLE_PUSH | SettingId::ENABLE_CONNECT_PROTOCOL => s.value <= 1,
        SettingId::INITIAL_WINDOW_SIZE => s.value <= 0x7fff_ffff,
        SettingId::MAX_FRAME_SIZE => (1 << 14..=(1 << 24) - 1).contains(&s.value),
        SettingId::NO_RFC7540_PRIORITIES => s.value <= 1,
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(FrameError::new(
            FrameErrorKind::BadSettingValue {
                id: s.id,
                value: s.value,
            },
            "RFC 9113 §6.5.2",
        ))
    }
}
