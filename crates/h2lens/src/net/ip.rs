//! IPv4 (RFC 791) and IPv6 (RFC 8200) headers: addresses, protocol, where
//! the payload is, how long the header says it is, and fragmentation.
//!
//! Header slicing is etherparse's (length and version checks); the walk
//! over IPv6 extension headers is ours because it must stop at a Fragment
//! header (RFC 8200 §4.5: what follows is fragment data, not headers).

use std::net::IpAddr;

use etherparse::{
    IpAuthHeaderSlice, Ipv4HeaderSlice, Ipv6FragmentHeaderSlice, Ipv6HeaderSlice,
    Ipv6RawExtHeaderSlice,
};

/// IP protocol number of TCP.
pub(crate) const PROTO_TCP: u8 = 6;
const PROTO_AH: u8 = 51;
const PROTO_FRAGMENT: u8 = 44;

/// Extension headers walked before giving up (RFC 8200 does not bound the
/// chain; real packets have a few).
const MAX_EXT_HEADERS: usize = 16;

/// A fragment of a datagram (RFC 791 §3.2, RFC 8200 §4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fragment {
    pub id: u32,
    /// Byte offset of this fragment's data in the datagram payload.
    pub offset: u32,
    pub more: bool,
}

/// A decoded IP header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IpPacket<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Protocol of the payload (after extension headers).
    pub protocol: u8,
    /// Bytes of IP header, options and extension headers.
    pub header_len: usize,
    /// The payload bytes present (may be fewer than `declared_len`).
    pub payload: &'a [u8],
    /// Payload length according to the IP header.
    pub declared_len: usize,
    /// Captured bytes after the datagram (link padding, FCS).
    pub trailer_len: usize,
    pub fragment: Option<Fragment>,
    /// IPv4 total length 0 (TCP segmentation offload on the capturing
    /// host): the length was taken from the frame.
    pub length_from_frame: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IpError {
    /// The captured bytes end inside a header.
    Short {
        needed: usize,
        have: usize,
        what: &'static str,
    },
    /// The header is wrong in itself.
    Malformed(String),
}

/// Decodes the IP packet at the start of `data`; `version` is 4, 6, or 0
/// for "look at the version nibble" (raw IP links).
pub(crate) fn decode(version: u8, data: &[u8]) -> Result<IpPacket<'_>, IpError> {
    let version = match version {
        0 => match data.first() {
            Some(b) => b >> 4,
            None => {
                return Err(IpError::Short {
                    needed: 1,
                    have: 0,
                    what: "IP header",
                })
            }
        },
        v => v,
    };
    match version {
        4 => ipv4(data),
        6 => ipv6(data),
        v => Err(IpError::Malformed(format!(
            "IP version {v}, neither 4 nor 6"
        ))),
    }
}

fn ipv4(data: &[u8]) -> Result<IpPacket<'_>, IpError> {
    use etherparse::err::ipv4::{HeaderError, HeaderSliceError};
    let header = Ipv4HeaderSlice::from_slice(data).map_err(|e| match e {
        HeaderSliceError::Len(l) => IpError::Short {
            needed: l.required_len,
            have: l.len,
            what: "IPv4 header",
        },
        HeaderSliceError::Content(HeaderError::UnexpectedVersion { version_number }) => {
            IpError::Malformed(format!("IPv4 header with version {version_number}"))
        }
        HeaderSliceError::Content(HeaderError::HeaderLengthSmallerThanHeader { ihl }) => {
            IpError::Malformed(format!(
                "IPv4 header length field {ihl} (×4 bytes) is below the minimum of 5 (RFC 791 §3.1)"
            ))
        }
    })?;
    let mut header_len = header.slice().len();
    let total = usize::from(header.total_len());
    let (end, length_from_frame) = if total == 0 {
        (data.len(), true)
    } else if total < header_len {
        return Err(IpError::Malformed(format!(
            "IPv4 total length {total} is smaller than its {header_len}-byte header (RFC 791 §3.1)"
        )));
    } else {
        (total, false)
    };
    let declared_end = end;
    let captured_end = declared_end.min(data.len());
    let trailer_len = data.len().saturating_sub(declared_end);
    let offset = u32::from(header.fragments_offset().value()) * 8;
    let fragment = (offset != 0 || header.more_fragments()).then(|| Fragment {
        id: u32::from(header.identification()),
        offset,
        more: header.more_fragments(),
    });
    let mut protocol = header.protocol().0;
    // An Authentication Header (RFC 4302) sits between IPv4 and TCP; in a
    // non-first fragment the bytes are data, not a header.
    if protocol == PROTO_AH && fragment.is_none_or(|f| f.offset == 0) {
        let rest = data.get(header_len..captured_end).unwrap_or_default();
        let ah = IpAuthHeaderSlice::from_slice(rest).map_err(|_| IpError::Short {
            needed: header_len + 12,
            have: captured_end,
            what: "IPsec authentication header",
        })?;
        header_len += ah.slice().len();
        protocol = ah.next_header().0;
    }
    if header_len > declared_end {
        return Err(IpError::Malformed(format!(
            "IPv4 headers take {header_len} bytes, beyond the total length {declared_end}"
        )));
    }
    Ok(IpPacket {
        src: IpAddr::V4(header.source_addr()),
        dst: IpAddr::V4(header.destination_addr()),
        protocol,
        header_len,
        payload: data.get(header_len..captured_end).unwrap_or_default(),
        declared_len: declared_end - header_len,
        trailer_len,
        fragment,
        length_from_frame,
    })
}

fn ipv6(data: &[u8]) -> Result<IpPacket<'_>, IpError> {
    use etherparse::err::ipv6::{HeaderError, HeaderSliceError};
    let header = Ipv6HeaderSlice::from_slice(data).map_err(|e| match e {
        HeaderSliceError::Len(l) => IpError::Short {
            needed: l.required_len,
            have: l.len,
            what: "IPv6 header",
        },
        HeaderSliceError::Content(HeaderError::UnexpectedVersion { version_number }) => {
            IpError::Malformed(format!("IPv6 header with version {version_number}"))
        }
    })?;
    let payload_len = usize::from(header.payload_length());
    // Payload length 0 with a Hop-by-Hop header is a jumbogram (RFC 2675):
    // take the frame's length.
    let (declared_end, length_from_frame) = if payload_len == 0 && header.next_header().0 == 0 {
        (data.len(), true)
    } else {
        (40 + payload_len, false)
    };
    let captured_end = declared_end.min(data.len());
    let trailer_len = data.len().saturating_sub(declared_end);
    let datagram = data.get(..captured_end).unwrap_or_default();
    let walk = walk_extensions(header.next_header().0, datagram, 40, declared_end)?;
    Ok(IpPacket {
        src: IpAddr::V6(header.source_addr()),
        dst: IpAddr::V6(header.destination_addr()),
        protocol: walk.protocol,
        header_len: walk.header_end,
        payload: datagram.get(walk.header_end..).unwrap_or_default(),
        declared_len: declared_end.saturating_sub(walk.header_end),
        trailer_len,
        fragment: walk.fragment,
        length_from_frame,
    })
}

pub(crate) struct Walk {
    pub protocol: u8,
    pub header_end: usize,
    pub fragment: Option<Fragment>,
}

/// Walks IPv6 extension headers (RFC 8200 §4) in `bytes` from `at`,
/// starting with next-header `next`, up to the upper-layer header or a
/// Fragment header. `declared_end` tells a truncated capture from a header
/// that overruns the datagram.
pub(crate) fn walk_extensions(
    mut next: u8,
    bytes: &[u8],
    mut at: usize,
    declared_end: usize,
) -> Result<Walk, IpError> {
    for _ in 0..MAX_EXT_HEADERS {
        let rest = bytes.get(at..).unwrap_or_default();
        let short = |needed: usize, what: &'static str| {
            if at + needed > declared_end {
                IpError::Malformed(format!(
                    "IPv6 {what} at byte {at} needs {needed} bytes, beyond the payload length"
                ))
            } else {
                IpError::Short {
                    needed: at + needed,
                    have: bytes.len(),
                    what,
                }
            }
        };
        match next {
            // Hop-by-Hop, Routing, Destination Options, Mobility, HIP,
            // Shim6: the generic (length + 1) × 8 layout (RFC 8200 §4.2).
            0 | 43 | 60 | 135 | 139 | 140 => {
                let ext = Ipv6RawExtHeaderSlice::from_slice(rest)
                    .map_err(|l| short(l.required_len, "extension header"))?;
                at += ext.slice().len();
                next = ext.next_header().0;
            }
            PROTO_FRAGMENT => {
                let frag = Ipv6FragmentHeaderSlice::from_slice(rest)
                    .map_err(|_| short(8, "fragment header"))?;
                at += 8;
                let offset = u32::from(frag.fragment_offset().value()) * 8;
                let fragment = (offset != 0 || frag.more_fragments()).then(|| Fragment {
                    id: frag.identification(),
                    offset,
                    more: frag.more_fragments(),
                });
                // An atomic fragment (offset 0, M=0, RFC 6946) is a whole
                // datagram: keep walking.
                if fragment.is_some() {
                    return Ok(Walk {
                        protocol: frag.next_header().0,
                        header_end: at,
                        fragment,
                    });
                }
                next = frag.next_header().0;
            }
            PROTO_AH => {
                let ah = IpAuthHeaderSlice::from_slice(rest)
                    .map_err(|_| short(12, "authentication header"))?;
                at += ah.slice().len();
                next = ah.next_header().0;
            }
            protocol => {
                if at > declared_end {
                    return Err(IpError::Malformed(format!(
                        "IPv6 extension headers end at byte {at}, beyond the payload length"
                    )));
                }
                return Ok(Walk {
                    protocol,
                    header_end: at,
                    fragment: None,
                });
            }
        }
    }
    Err(IpError::Malformed(format!(
        "more than {MAX_EXT_HEADERS} IPv6 extension headers"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(total: u16, flags_frag: u16, proto: u8) -> Vec<u8> {
        let mut h = vec![
            0x45, 0, 0, 0, 0, 7, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        h[2..4].copy_from_slice(&total.to_be_bytes());
        h[6..8].copy_from_slice(&flags_frag.to_be_bytes());
        h
    }

    #[test]
    fn ipv4_lengths_trailer_and_truncation() {
        let mut p = v4(28, 0, 6);
        p.extend_from_slice(&[1; 8]);
        p.extend_from_slice(&[0; 6]); // Ethernet padding
        let ip = decode(4, &p).unwrap();
        assert_eq!(
            (
                ip.header_len,
                ip.payload.len(),
                ip.declared_len,
                ip.trailer_len
            ),
            (20, 8, 8, 6)
        );
        let cut = decode(0, &p[..24]).unwrap();
        assert_eq!((cut.payload.len(), cut.declared_len), (4, 8));
        assert!(matches!(decode(4, &p[..10]), Err(IpError::Short { .. })));
        assert!(matches!(
            decode(4, &v4(10, 0, 6)),
            Err(IpError::Malformed(_))
        ));
    }

    #[test]
    fn ipv4_fragment_fields() {
        let p = v4(20, 0x2000 | 3, 6); // MF, offset 3 × 8
        let ip = decode(4, &p).unwrap();
        assert_eq!(
            ip.fragment,
            Some(Fragment {
                id: 7,
                offset: 24,
                more: true
            })
        );
    }

    #[test]
    fn ipv6_walks_to_fragment_header() {
        let mut p = vec![0x60, 0, 0, 0, 0, 24, 0, 64];
        p.extend_from_slice(&[0; 32]);
        p.extend_from_slice(&[60, 0, 1, 4, 0, 0, 0, 0]); // hop-by-hop → dest opts
        p.extend_from_slice(&[44, 0, 1, 4, 0, 0, 0, 0]); // dest opts → fragment
        p.extend_from_slice(&[6, 0, 0, 1, 0, 0, 0, 9]); // fragment: M=1, id 9 → TCP
        let ip = decode(6, &p).unwrap();
        assert_eq!(ip.protocol, 6);
        assert_eq!(ip.header_len, 64);
        assert_eq!(
            ip.fragment,
            Some(Fragment {
                id: 9,
                offset: 0,
                more: true
            })
        );
    }
}
