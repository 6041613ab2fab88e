//! The settings one side has announced and its peer has acknowledged
//! (RFC 9113 §6.5.2 defaults).

use crate::frame::{Setting, SettingId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PeerSettings {
    pub header_table_size: u32,
    pub enable_push: bool,
    pub max_concurrent_streams: Option<u32>,
    pub initial_window_size: u32,
    pub max_frame_size: u32,
    pub max_header_list_size: Option<u32>,
    /// gRPC C-core's GRPC_ALLOW_TRUE_BINARY_METADATA (0xfe03).
    pub true_binary_metadata: bool,
}

impl Default for PeerSettings {
    fn default() -> Self {
        PeerSettings {
            header_table_size: 4096,
            enable_push: true,
            max_concurrent_streams: None,
            initial_window_size: 65_535,
            max_frame_size: 16_384,
            max_header_list_size: None,
            true_binary_metadata: false,
        }
    }
}

impl PeerSettings {
    /// Applies settings in order; out-of-range values were already
    /// reported by the frame parser and are not applied.
    pub fn apply(&mut self, settings: &[Setting]) {
        for s in settings {
            match s.id {
                SettingId::HEADER_TABLE_SIZE => self.header_table_size = s.value,
                SettingId::ENABLE_PUSH if s.value <= 1 => self.enable_push = s.value == 1,
                SettingId::MAX_CONCURRENT_STREAMS => self.max_concurrent_streams = Some(s.value),
                SettingId::INITIAL_WINDOW_SIZE if s.value <= 0x7fff_ffff => {
                    self.initial_window_size = s.value
                }
                SettingId::MAX_FRAME_SIZE if (1 << 14..1 << 24).contains(&s.value) => {
                    self.max_frame_size = s.value
                }
                SettingId::MAX_HEADER_LIST_SIZE => self.max_header_list_size = Some(s.value),
                SettingId::GRPC_ALLOW_TRUE_BINARY_METADATA => {
                    self.true_binary_metadata = s.value != 0
                }
                _ => {}
            }
        }
    }
}

/// Parses a SETTINGS payload without validation errors (for h2c's
/// `HTTP2-Settings`); a trailing partial entry is ignored.
pub(crate) fn parse_payload(payload: &[u8]) -> Vec<Setting> {
    payload
        .chunks_exact(6)
        .filter_map(|e| {
            let (id, value) = e.split_first_chunk::<2>()?;
            let value = <[u8; 4]>::try_from(value).ok()?;
            Some(Setting {
                id: SettingId(u16::from_be_bytes(*id)),
                value: u32::from_be_bytes(value),
            })
        })
        .collect()
}
