//! Open newtypes for wire codes: unknown values are kept, never dropped.

use std::fmt;

use serde::{Serialize, Serializer};

macro_rules! open_code {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ty) { $( $(#[$cmeta:meta])* $konst:ident = $value:expr => $text:expr, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub $repr);

        impl $name {
            $( $(#[$cmeta])* pub const $konst: $name = $name($value); )*

            /// The registered name, if this code has one.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some($text), )*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "UNKNOWN(0x{:x})", self.0),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        /// Serialized as the name when registered, else as the number.
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self.name() {
                    Some(name) => serializer.serialize_str(name),
                    None => self.0.serialize(serializer),
                }
            }
        }
    };
}

open_code! {
    /// Frame type (RFC 9113 §6, §11.2; RFC 7838; RFC 8336; RFC 9218).
    FrameType(u8) {
        DATA = 0x0 => "DATA",
        HEADERS = 0x1 => "HEADERS",
        PRIORITY = 0x2 => "PRIORITY",
        RST_STREAM = 0x3 => "RST_STREAM",
        SETTINGS = 0x4 => "SETTINGS",
        PUSH_PROMISE = 0x5 => "PUSH_PROMISE",
        PING = 0x6 => "PING",
        GOAWAY = 0x7 => "GOAWAY",
        WINDOW_UPDATE = 0x8 => "WINDOW_UPDATE",
        CONTINUATION = 0x9 => "CONTINUATION",
        ALTSVC = 0xa => "ALTSVC",
        ORIGIN = 0xc => "ORIGIN",
        PRIORITY_UPDATE = 0x10 => "PRIORITY_UPDATE",
    }
}

impl FrameType {
    /// HEADERS, PUSH_PROMISE and CONTINUATION: the frames that carry
    /// header block fragments (RFC 9113 §4.3).
    pub fn carries_header_block(self) -> bool {
        matches!(
            self,
            FrameType::HEADERS | FrameType::PUSH_PROMISE | FrameType::CONTINUATION
        )
    }
}

open_code! {
    /// Error codes (RFC 9113 §7).
    ErrorCode(u32) {
        NO_ERROR = 0x0 => "NO_ERROR",
        PROTOCOL_ERROR = 0x1 => "PROTOCOL_ERROR",
        INTERNAL_ERROR = 0x2 => "INTERNAL_ERROR",
        FLOW_CONTROL_ERROR = 0x3 => "FLOW_CONTROL_ERROR",
        SETTINGS_TIMEOUT = 0x4 => "SETTINGS_TIMEOUT",
        STREAM_CLOSED = 0x5 => "STREAM_CLOSED",
        FRAME_SIZE_ERROR = 0x6 => "FRAME_SIZE_ERROR",
        REFUSED_STREAM = 0x7 => "REFUSED_STREAM",
        CANCEL = 0x8 => "CANCEL",
        COMPRESSION_ERROR = 0x9 => "COMPRESSION_ERROR",
        CONNECT_ERROR = 0xa => "CONNECT_ERROR",
        ENHANCE_YOUR_CALM = 0xb => "ENHANCE_YOUR_CALM",
        INADEQUATE_SECURITY = 0xc => "INADEQUATE_SECURITY",
        HTTP_1_1_REQUIRED = 0xd => "HTTP_1_1_REQUIRED",
    }
}

open_code! {
    /// SETTINGS parameters (RFC 9113 §6.5.2, §11.3; RFC 8441; RFC 9218; gRPC).
    SettingId(u16) {
        HEADER_TABLE_SIZE = 0x1 => "SETTINGS_HEADER_TABLE_SIZE",
        ENABLE_PUSH = 0x2 => "SETTINGS_ENABLE_PUSH",
        MAX_CONCURRENT_STREAMS = 0x3 => "SETTINGS_MAX_CONCURRENT_STREAMS",
        INITIAL_WINDOW_SIZE = 0x4 => "SETTINGS_INITIAL_WINDOW_SIZE",
        MAX_FRAME_SIZE = 0x5 => "SETTINGS_MAX_FRAME_SIZE",
        MAX_HEADER_LIST_SIZE = 0x6 => "SETTINGS_MAX_HEADER_LIST_SIZE",
        ENABLE_CONNECT_PROTOCOL = 0x8 => "SETTINGS_ENABLE_CONNECT_PROTOCOL",
        NO_RFC7540_PRIORITIES = 0x9 => "SETTINGS_NO_RFC7540_PRIORITIES",
        /// gRPC C-core: the peer accepts `-bin` metadata as raw bytes
        /// behind a 0x00 octet instead of base64.
        GRPC_ALLOW_TRUE_BINARY_METADATA = 0xfe03 => "GRPC_ALLOW_TRUE_BINARY_METADATA",
    }
}

/// Frame flags (RFC 9113 §4.1). Unknown bits are kept; their meaning
/// depends on the frame type.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Flags(pub u8);

impl Flags {
    pub const END_STREAM: Flags = Flags(0x1);
    pub const ACK: Flags = Flags(0x1);
    pub const END_HEADERS: Flags = Flags(0x4);
    pub const PADDED: Flags = Flags(0x8);
    pub const PRIORITY: Flags = Flags(0x20);

    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Names of the set flags that are defined for `kind`, plus any other
    /// bits as hex.
    pub fn describe(self, kind: FrameType) -> Vec<String> {
        let defined: &[(u8, &str)] = match kind {
            FrameType::DATA => &[(0x1, "END_STREAM"), (0x8, "PADDED")],
            FrameType::HEADERS => &[
                (0x1, "END_STREAM"),
                (0x4, "END_HEADERS"),
                (0x8, "PADDED"),
                (0x20, "PRIORITY"),
            ],
            FrameType::SETTINGS | FrameType::PING => &[(0x1, "ACK")],
            FrameType::PUSH_PROMISE => &[(0x4, "END_HEADERS"), (0x8, "PADDED")],
            FrameType::CONTINUATION => &[(0x4, "END_HEADERS")],
            _ => &[],
        };
        let mut names = Vec::new();
        let mut rest = self.0;
        for (bit, name) in defined {
            if self.0 & bit != 0 {
                names.push((*name).to_string());
                rest &= !bit;
            }
        }
        if rest != 0 {
            names.push(format!("0x{rest:02x}"));
        }
        names
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:02x}", self.0)
    }
}

impl Serialize for Flags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.0)
    }
}
