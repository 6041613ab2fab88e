//! Link-layer header types (the `LINKTYPE_*` registry of
//! <https://www.tcpdump.org/linktypes.html>, draft-ietf-opsawg-pcaplinktype).

use std::fmt;

use serde::{Serialize, Serializer};

/// A link-layer header type, as stored in a pcap file header or a pcapng
/// Interface Description Block. Open: unknown values are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkType(pub u16);

impl LinkType {
    /// BSD loopback: a 4-byte address family in the *capturing host's* byte
    /// order.
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IP, the value some files use (DLT_RAW on OpenBSD is 14, elsewhere
    /// LINKTYPE_RAW is 101).
    pub const RAW: LinkType = LinkType(101);
    /// OpenBSD loopback: like NULL, but the address family is big-endian.
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const LINUX_SLL2: LinkType = LinkType(276);
    pub const IEEE802_11: LinkType = LinkType(105);
    pub const IEEE802_11_RADIOTAP: LinkType = LinkType(127);
    pub const PPP: LinkType = LinkType(9);
    pub const NETLINK: LinkType = LinkType(253);
    pub const USB_LINUX_MMAPPED: LinkType = LinkType(220);
    pub const BLUETOOTH_HCI_H4: LinkType = LinkType(187);
    pub const WIRESHARK_UPPER_PDU: LinkType = LinkType(252);

    /// The registry name (`LINKTYPE_` prefix dropped), or `None` for a
    /// value we do not know.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "NULL",
            1 => "ETHERNET",
            6 => "IEEE802_5",
            8 => "SLIP",
            9 => "PPP",
            10 => "FDDI",
            50 => "PPP_HDLC",
            51 => "PPP_ETHER",
            101 => "RAW",
            104 => "C_HDLC",
            105 => "IEEE802_11",
            107 => "FRELAY",
            108 => "LOOP",
            113 => "LINUX_SLL",
            119 => "IEEE802_11_PRISM",
            127 => "IEEE802_11_RADIOTAP",
            187 => "BLUETOOTH_HCI_H4",
            189 => "USB_LINUX",
            192 => "PPI",
            195 => "IEEE802_15_4_WITHFCS",
            201 => "BLUETOOTH_HCI_H4_WITH_PHDR",
            220 => "USB_LINUX_MMAPPED",
            228 => "IPV4",
            229 => "IPV6",
            249 => "NFLOG",
            252 => "WIRESHARK_UPPER_PDU",
            253 => "NETLINK",
            276 => "LINUX_SLL2",
            _ => return None,
        })
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "unknown link type {}", self.0),
        }
    }
}

/// Serialized as `{"value": 1, "name": "ETHERNET"}` (`name` is null for
/// unknown values), so both machines and people can read it.
impl Serialize for LinkType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("LinkType", 2)?;
        s.serialize_field("value", &self.0)?;
        s.serialize_field("name", &self.name())?;
        s.end()
    }
}
