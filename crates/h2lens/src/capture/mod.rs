//! Capture files (pcap, pcapng): push file bytes in chunks, pull packets.
//!
//! ```text
//! Reader::push(bytes) ──► [current incomplete record only] ──► next_event()
//!                                                                FileInfo, Section, Interface,
//!                                                                Packet, Secrets, Skipped,
//!                                                                Diagnostic, End
//! ```
//!
//! Formats:
//! * pcap (<https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html>),
//!   both byte orders, microsecond and nanosecond magic;
//! * pcapng (draft-ietf-opsawg-pcapng), several sections each with its own
//!   byte order, per-interface link type and `if_tsresol`, Enhanced, Simple
//!   and obsolete Packet Blocks, Decryption Secrets Blocks; every other block
//!   is skipped and counted.
//!
//! The parser is hand-rolled rather than built on `pcap-parser` 0.17: that
//! crate decodes no power-of-2 `if_tsresol` (its `build_ts_resolution`
//! tests the flag bit against the exponent limit), reads `if_tsoffset`
//! little-endian in big-endian sections, has no obsolete Packet Block,
//! allocates an options `Vec` per packet and reports errors without offsets.
//! We need our own framing anyway (block length checked against the limit
//! before buffering), and what remains is a few fixed-layout headers.
//!
//! Every byte of the file ends up in exactly one of the counters of
//! [`CaptureStats`]: packet data, metadata (headers, framing, interface and
//! secrets blocks), skipped blocks, or undecodable bytes.

mod linktype;
mod pcap;
mod pcapng;
mod reader;

use serde::Serialize;

pub use linktype::LinkType;
pub use reader::{Next, PacketView, Reader};

use crate::{Diagnostic, Octets, Span, Timestamp};

/// The container format of a capture file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureFormat {
    Pcap,
    Pcapng,
}

/// Byte order of a pcap file or of one pcapng section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ByteOrder {
    LittleEndian,
    BigEndian,
}

impl ByteOrder {
    pub fn u16(self, bytes: [u8; 2]) -> u16 {
        match self {
            ByteOrder::LittleEndian => u16::from_le_bytes(bytes),
            ByteOrder::BigEndian => u16::from_be_bytes(bytes),
        }
    }

    pub fn u32(self, bytes: [u8; 4]) -> u32 {
        match self {
            ByteOrder::LittleEndian => u32::from_le_bytes(bytes),
            ByteOrder::BigEndian => u32::from_be_bytes(bytes),
        }
    }

    pub fn u64(self, bytes: [u8; 8]) -> u64 {
        match self {
            ByteOrder::LittleEndian => u64::from_le_bytes(bytes),
            ByteOrder::BigEndian => u64::from_be_bytes(bytes),
        }
    }

    /// The `u16` at `at`, or `None` when `bytes` is too short.
    pub(crate) fn read_u16(self, bytes: &[u8], at: usize) -> Option<u16> {
        Some(self.u16(*bytes.get(at..)?.first_chunk::<2>()?))
    }

    /// The `u32` at `at`, or `None` when `bytes` is too short.
    pub(crate) fn read_u32(self, bytes: &[u8], at: usize) -> Option<u32> {
        Some(self.u32(*bytes.get(at..)?.first_chunk::<4>()?))
    }

    /// The `u64` at `at`, or `None` when `bytes` is too short.
    pub(crate) fn read_u64(self, bytes: &[u8], at: usize) -> Option<u64> {
        Some(self.u64(*bytes.get(at..)?.first_chunk::<8>()?))
    }
}

/// Timestamp resolution: one unit is `base^-exponent` seconds.
///
/// pcap: microseconds (`10^-6`) or nanoseconds (`10^-9`) by magic number.
/// pcapng: the `if_tsresol` option (draft-ietf-opsawg-pcapng §4.2): the
/// high bit selects base 2, the low 7 bits are the exponent; absent means
/// `10^-6`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TsResolution {
    /// 10 or 2.
    pub base: u8,
    pub exponent: u8,
}

impl TsResolution {
    pub const MICROS: TsResolution = TsResolution {
        base: 10,
        exponent: 6,
    };
    pub const NANOS: TsResolution = TsResolution {
        base: 10,
        exponent: 9,
    };

    /// Decodes an `if_tsresol` option byte.
    pub fn from_if_tsresol(raw: u8) -> TsResolution {
        if raw & 0x80 == 0 {
            TsResolution {
                base: 10,
                exponent: raw,
            }
        } else {
            TsResolution {
                base: 2,
                exponent: raw & 0x7f,
            }
        }
    }

    /// Units per second, or `None` when it does not fit a `u64`
    /// (`10^20` and more, `2^64` and more).
    pub fn units_per_second(self) -> Option<u64> {
        match self.base {
            10 => 10u64.checked_pow(u32::from(self.exponent)),
            2 => 1u64
                .checked_shl(u32::from(self.exponent))
                .filter(|_| self.exponent < 64),
            _ => None,
        }
    }

    /// A timestamp of `units` units since the epoch plus `offset_secs`
    /// (pcapng `if_tsoffset`), saturating; `None` if the resolution is
    /// unusable.
    pub fn timestamp(self, units: u64, offset_secs: i64) -> Option<Timestamp> {
        let per_sec = self.units_per_second()?;
        if per_sec == 0 {
            return None;
        }
        let secs = units / per_sec;
        let frac = units % per_sec;
        // frac < per_sec, so frac * 1e9 / per_sec < 1e9: fits in u32.
        let nanos = u128::from(frac) * 1_000_000_000 / u128::from(per_sec);
        let secs = i64::try_from(secs)
            .unwrap_or(i64::MAX)
            .saturating_add(offset_secs);
        let nanos = i64::try_from(nanos).unwrap_or(0);
        Some(Timestamp(
            secs.saturating_mul(1_000_000_000).saturating_add(nanos),
        ))
    }
}

/// What kind of file this is; the first event of every capture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileInfo {
    pub format: CaptureFormat,
    /// pcap: the file's byte order. pcapng: the first section's (each
    /// section has its own, see [`SectionInfo`]).
    pub byte_order: ByteOrder,
    pub version_major: u16,
    pub version_minor: u16,
    /// pcap only (pcapng has one per interface).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ts_resolution: Option<TsResolution>,
    /// pcap only: the file header's snapshot length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snaplen: Option<u32>,
    /// File span of the pcap file header or of the first Section Header Block.
    pub span: Span,
}

/// A pcapng Section Header Block: a new section, with its own byte order
/// and interface numbering.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SectionInfo {
    /// 0-based section number in the file.
    pub index: u32,
    pub byte_order: ByteOrder,
    pub version_major: u16,
    pub version_minor: u16,
    /// Declared section length, when not -1 (unspecified).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section_length: Option<u64>,
    pub span: Span,
}

/// An interface that packets are captured on. pcap files have exactly one
/// (id 0), described by the file header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InterfaceInfo {
    /// Section the interface belongs to (always 0 for pcap).
    pub section: u32,
    /// Interface id within its section (0-based, in IDB order).
    pub id: u32,
    pub link_type: LinkType,
    /// Snapshot length; 0 means unlimited.
    pub snaplen: u32,
    pub ts_resolution: TsResolution,
    /// `if_tsoffset`: seconds added to every timestamp.
    pub ts_offset_secs: i64,
    /// Bytes of frame check sequence at the end of each frame, when the
    /// file says (pcap link type FCS bits, pcapng `if_fcslen`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fcs_len: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Octets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Octets>,
    pub span: Span,
}

/// One captured packet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Packet {
    /// 1-based packet number, counted like tshark's `frame.number`.
    pub number: u64,
    /// Interface id within its section (0 for pcap).
    pub interface: u32,
    pub link_type: LinkType,
    /// Capture time. Simple Packet Blocks carry none: 0 there.
    pub ts: Timestamp,
    /// Bytes present in the file (`data.len()`).
    pub captured_len: u32,
    /// Length of the packet on the wire.
    pub original_len: u32,
    /// `captured_len < original_len`: the capture (snaplen) cut the packet.
    pub truncated: bool,
    pub data: Octets,
    /// File span of the whole record / block.
    pub span: Span,
    /// File offset of `data`'s first byte.
    pub data_offset: u64,
}

/// A secrets-type code of a Decryption Secrets Block
/// (draft-ietf-opsawg-pcapng §4.7). Open: unknown values kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SecretsType(pub u32);

impl SecretsType {
    /// NSS key log (`SSLKEYLOGFILE`) text.
    pub const TLS_KEY_LOG: SecretsType = SecretsType(0x544c_534b);
    pub const SSH_KEY_LOG: SecretsType = SecretsType(0x5353_484b);
    pub const WIREGUARD_KEY_LOG: SecretsType = SecretsType(0x5747_4b4c);
    pub const ZIGBEE_NWK_KEY: SecretsType = SecretsType(0x5a4e_574b);
    pub const ZIGBEE_APS_KEY: SecretsType = SecretsType(0x5a41_5053);
    pub const OPCUA_KEY_LOG: SecretsType = SecretsType(0x5541_4b4c);

    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            SecretsType::TLS_KEY_LOG => "tls_key_log",
            SecretsType::SSH_KEY_LOG => "ssh_key_log",
            SecretsType::WIREGUARD_KEY_LOG => "wireguard_key_log",
            SecretsType::ZIGBEE_NWK_KEY => "zigbee_nwk_key",
            SecretsType::ZIGBEE_APS_KEY => "zigbee_aps_key",
            SecretsType::OPCUA_KEY_LOG => "opcua_key_log",
            _ => return None,
        })
    }
}

impl Serialize for SecretsType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("SecretsType", 2)?;
        s.serialize_field("value", &self.0)?;
        s.serialize_field("name", &self.name())?;
        s.end()
    }
}

/// A pcapng Decryption Secrets Block, kept whole for the TLS layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DecryptionSecrets {
    pub section: u32,
    pub secrets_type: SecretsType,
    pub data: Octets,
    pub span: Span,
}

/// A block (or record) that was not decoded, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedBlock {
    /// The pcapng block type (0 for a pcap record).
    pub block_type: u32,
    /// What the block is, e.g. `name_resolution`.
    pub name: &'static str,
    pub reason: String,
    pub span: Span,
}

/// Counters of a [`Reader`]; every file byte is in exactly one of
/// `packet_data_bytes`, `metadata_bytes`, `skipped_bytes` and
/// `undecodable_bytes`, whose sum is `bytes`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CaptureStats {
    /// File bytes consumed so far.
    pub bytes: u64,
    pub packets: u64,
    /// Captured packet bytes handed out in [`Packet::data`].
    pub packet_data_bytes: u64,
    /// File header, record / block headers, padding, options, section,
    /// interface and secrets blocks.
    pub metadata_bytes: u64,
    /// Packets the capture cut short (captured < original length).
    pub truncated_packets: u64,
    pub skipped_blocks: u64,
    pub skipped_bytes: u64,
    /// Bytes after an unrecoverable error, or an incomplete record at the
    /// end of the file.
    pub undecodable_bytes: u64,
    pub secrets_blocks: u64,
    pub sections: u32,
    pub interfaces: u32,
    pub diagnostics: u64,
}

impl CaptureStats {
    /// `packet_data_bytes + metadata_bytes + skipped_bytes +
    /// undecodable_bytes`: `bytes`, once the reader is finished.
    pub fn accounted_bytes(&self) -> u64 {
        [
            self.metadata_bytes,
            self.skipped_bytes,
            self.undecodable_bytes,
        ]
        .iter()
        .fold(self.packet_data_bytes, |sum, n| sum.saturating_add(*n))
    }
}

/// What the [`Reader`] found, in file order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaptureEvent {
    FileInfo(FileInfo),
    Section(SectionInfo),
    Interface(InterfaceInfo),
    Packet(Packet),
    Secrets(DecryptionSecrets),
    Skipped(SkippedBlock),
    Diagnostic(Diagnostic),
    /// The last event, after [`Reader::finish`] (or after an unrecoverable
    /// error once the input is finished).
    End(CaptureStats),
}

/// The capture format of a file, from its first 4 bytes (`None`: not a
/// capture we read, or fewer than 4 bytes).
pub fn detect(prefix: &[u8]) -> Option<CaptureFormat> {
    let magic = prefix.first_chunk::<4>()?;
    if pcap::magic(*magic).is_some() {
        Some(CaptureFormat::Pcap)
    } else if u32::from_le_bytes(*magic) == pcapng::SHB_TYPE {
        Some(CaptureFormat::Pcapng)
    } else {
        None
    }
}
