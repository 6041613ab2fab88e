//! Link layers: find where the network-layer packet starts and what it is.
//!
//! Fixed layouts, hand-checked (each is a handful of fields):
//! * Ethernet II (IEEE 802.3 §3.2.6) with any number of 802.1Q / 802.1ad
//!   tags (IEEE 802.1Q §9.6), bounded by [`MAX_VLAN_TAGS`];
//! * Linux cooked capture v1 (`LINKTYPE_LINUX_SLL`, 16 bytes) and v2
//!   (`LINKTYPE_LINUX_SLL2`, 20 bytes), <https://www.tcpdump.org/linktypes/>;
//! * BSD loopback (`NULL`, address family in the capturing host's byte
//!   order) and OpenBSD loopback (`LOOP`, big-endian);
//! * raw IP (`RAW`, `IPV4`, `IPV6`).

use crate::capture::LinkType;

/// More stacked VLAN tags than this is treated as malformed.
pub(crate) const MAX_VLAN_TAGS: usize = 8;

pub(crate) const ETHERTYPE_IPV4: u16 = 0x0800;
pub(crate) const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const ETHERTYPE_QINQ_OLD: u16 = 0x9100;

/// What the link layer carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Network {
    Ipv4,
    Ipv6,
    /// Raw IP link type: the version nibble decides.
    Ip,
    /// Something else, described for the report.
    Other(Other),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Other {
    EtherType(u16),
    /// An IEEE 802.3 length field (≤ 1500) instead of an EtherType: LLC.
    Llc(u16),
    AddressFamily(u32),
}

impl Other {
    pub(crate) fn describe(self) -> String {
        match self {
            Other::EtherType(t) => match ethertype_name(t) {
                Some(name) => format!("EtherType 0x{t:04x} ({name}), not IP"),
                None => format!("EtherType 0x{t:04x}, not IP"),
            },
            Other::Llc(len) => format!("IEEE 802.3 frame with length field {len} (LLC), not IP"),
            Other::AddressFamily(af) => format!("loopback address family {af}, not IP"),
        }
    }
}

fn ethertype_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0x0806 => "ARP",
        0x8035 => "RARP",
        0x88cc => "LLDP",
        0x8847 => "MPLS unicast",
        0x8848 => "MPLS multicast",
        0x8863 => "PPPoE discovery",
        0x8864 => "PPPoE session",
        0x888e => "EAPOL",
        0x88e5 => "MACsec",
        0x88f7 => "PTP",
        0x8906 => "FCoE",
        0x0004 => "Linux 802.2 LLC",
        0x0001 => "Linux 802.3 Novell",
        _ => return None,
    })
}

/// The link header, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Link {
    pub network: Network,
    /// Bytes of link header before the network packet.
    pub header_len: usize,
}

/// Why a link header could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LinkError {
    Unsupported(LinkType),
    /// Fewer bytes than the header needs.
    Short {
        needed: usize,
        have: usize,
        what: &'static str,
    },
    TooManyTags,
}

pub(crate) fn decode(link_type: LinkType, data: &[u8]) -> Result<Link, LinkError> {
    match link_type {
        LinkType::ETHERNET => ethernet(data),
        LinkType::LINUX_SLL => {
            // pkttype(2) arphrd(2) addrlen(2) addr(8) protocol(2)
            let protocol = be16(data, 14).ok_or(LinkError::Short {
                needed: 16,
                have: data.len(),
                what: "Linux cooked (SLL) header",
            })?;
            Ok(Link {
                network: ethertype(protocol),
                header_len: 16,
            })
        }
        LinkType::LINUX_SLL2 => {
            // protocol(2) reserved(2) ifindex(4) arphrd(2) pkttype(1)
            // addrlen(1) addr(8)
            let protocol = be16(data, 0)
                .filter(|_| data.len() >= 20)
                .ok_or(LinkError::Short {
                    needed: 20,
                    have: data.len(),
                    what: "Linux cooked v2 (SLL2) header",
                })?;
            Ok(Link {
                network: ethertype(protocol),
                header_len: 20,
            })
        }
        LinkType::NULL | LinkType::LOOP => {
            let raw = data.first_chunk::<4>().ok_or(LinkError::Short {
                needed: 4,
                have: data.len(),
                what: "loopback header",
            })?;
            // NULL is in the writer's host byte order, LOOP big-endian; but
            // files of both kinds exist with either order. Families are
            // small numbers, so the order whose upper half is zero wins
            // (Wireshark does the same).
            let le = u32::from_le_bytes(*raw);
            let af = if le & 0xffff_0000 != 0 {
                le.swap_bytes()
            } else {
                le
            };
            let network = match af {
                2 => Network::Ipv4,
                // AF_INET6: 24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin,
                // 10 Linux (seen in converted files).
                10 | 24 | 28 | 30 => Network::Ipv6,
                other => Network::Other(Other::AddressFamily(other)),
            };
            Ok(Link {
                network,
                header_len: 4,
            })
        }
        LinkType::RAW | LinkType(12) | LinkType(14) => Ok(Link {
            network: Network::Ip,
            header_len: 0,
        }),
        LinkType::IPV4 => Ok(Link {
            network: Network::Ipv4,
            header_len: 0,
        }),
        LinkType::IPV6 => Ok(Link {
            network: Network::Ipv6,
            header_len: 0,
        }),
        other => Err(LinkError::Unsupported(other)),
    }
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(*data.get(at..)?.first_chunk::<2>()?))
}

fn ethertype(t: u16) -> Network {
    match t {
        ETHERTYPE_IPV4 => Network::Ipv4,
        ETHERTYPE_IPV6 => Network::Ipv6,
        other => Network::Other(Other::EtherType(other)),
    }
}

fn ethernet(data: &[u8]) -> Result<Link, LinkError> {
    let mut at = 12;
    for _ in 0..=MAX_VLAN_TAGS {
        let t = be16(data, at).ok_or(LinkError::Short {
            needed: at + 2,
            have: data.len(),
            what: "Ethernet header",
        })?;
        match t {
            ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD => {
                // Tag control information (2) then the next EtherType.
                at += 4;
            }
            len @ 0..=1500 => {
                return Ok(Link {
                    network: Network::Other(Other::Llc(len)),
                    header_len: at + 2,
                })
            }
            other => {
                return Ok(Link {
                    network: ethertype(other),
                    header_len: at + 2,
                })
            }
        }
    }
    Err(LinkError::TooManyTags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethernet_with_two_tags() {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x88, 0xa8, 0, 10, 0x81, 0x00, 0, 20, 0x86, 0xdd]);
        let link = decode(LinkType::ETHERNET, &f).unwrap();
        assert_eq!(link.network, Network::Ipv6);
        assert_eq!(link.header_len, 22);
    }

    #[test]
    fn loopback_family_in_either_order() {
        for raw in [[2, 0, 0, 0], [0, 0, 0, 2]] {
            assert_eq!(decode(LinkType::NULL, &raw).unwrap().network, Network::Ipv4);
        }
        for raw in [[30, 0, 0, 0], [0, 0, 0, 24]] {
            assert_eq!(decode(LinkType::LOOP, &raw).unwrap().network, Network::Ipv6);
        }
    }

    #[test]
    fn short_and_unsupported() {
        assert!(matches!(
            decode(LinkType::LINUX_SLL2, &[0; 19]),
            Err(LinkError::Short { needed: 20, .. })
        ));
        assert_eq!(
            decode(LinkType(147), &[0; 40]),
            Err(LinkError::Unsupported(LinkType(147)))
        );
    }
}
