//! The TLS record layer framing (RFC 8446 §5.1, RFC 5246 §6.2): 5-byte
//! headers, records reassembled across pushes with their stream offsets.

use serde::Serialize;

use crate::Span;

/// Bytes of a record header: type, legacy version, length.
pub const HEADER_LEN: usize = 5;
/// Largest record body accepted: TLS 1.2 allows 2^14 + 2048 of
/// ciphertext (RFC 5246 §6.2.3); TLS 1.3 2^14 + 256 (RFC 8446 §5.2).
pub const MAX_RECORD_LEN: usize = (1 << 14) + 2048;

/// Record content types (RFC 8446 §5.1, RFC 6520 for heartbeat).
pub mod content_type {
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    pub const ALERT: u8 = 21;
    pub const HANDSHAKE: u8 = 22;
    pub const APPLICATION_DATA: u8 = 23;
    pub const HEARTBEAT: u8 = 24;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RecordHeader {
    pub content_type: u8,
    /// `legacy_record_version`.
    pub version: u16,
    /// Length of the body that follows.
    pub length: u16,
}

impl RecordHeader {
    /// The header at the start of `bytes` (`None` if fewer than 5 bytes).
    pub fn parse(bytes: &[u8]) -> Option<RecordHeader> {
        let &[content_type, major, minor, hi, lo] = bytes.first_chunk::<HEADER_LEN>()?;
        Some(RecordHeader {
            content_type,
            version: u16::from_be_bytes([major, minor]),
            length: u16::from_be_bytes([hi, lo]),
        })
    }

    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let [major, minor] = self.version.to_be_bytes();
        let [hi, lo] = self.length.to_be_bytes();
        [self.content_type, major, minor, hi, lo]
    }

    /// Could this start a TLS record (SSL 3.0 to TLS 1.3 framing, a known
    /// content type, a length within the limit)?
    pub fn is_plausible(&self) -> bool {
        (self.version >> 8) == 3
            && (content_type::CHANGE_CIPHER_SPEC..=content_type::HEARTBEAT)
                .contains(&self.content_type)
            && usize::from(self.length) <= MAX_RECORD_LEN
    }
}

/// One whole record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub header: RecordHeader,
    /// Stream offset of the header's first byte.
    pub start: u64,
    pub body: Vec<u8>,
}

impl Record {
    /// Header and body in the direction's stream.
    pub fn span(&self) -> Span {
        Span::new(self.start, self.start + self.wire_len())
    }

    pub fn wire_len(&self) -> u64 {
        (HEADER_LEN + self.body.len()) as u64
    }
}

/// Cuts a direction's stream into records. Results do not depend on
/// chunking.
#[derive(Debug, Default)]
pub struct RecordReader {
    buf: Vec<u8>,
    /// Bytes of `buf` already handed out.
    pos: usize,
    /// Stream offset of `buf[pos]`.
    offset: u64,
}

/// The next bytes cannot be a record header: framing is lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadHeader {
    pub header: RecordHeader,
    pub offset: u64,
}

impl RecordReader {
    pub fn new() -> RecordReader {
        RecordReader::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole record, `None` until one is complete.
    pub fn next_record(&mut self) -> Option<Result<Record, BadHeader>> {
        let rest = self.buf.get(self.pos..)?;
        let header = RecordHeader::parse(rest)?;
        if !header.is_plausible() {
            return Some(Err(BadHeader {
                header,
                offset: self.offset,
            }));
        }
        let len = usize::from(header.length);
        let body = rest.get(HEADER_LEN..HEADER_LEN + len)?.to_vec();
        let record = Record {
            header,
            start: self.offset,
            body,
        };
        self.pos += HEADER_LEN + len;
        self.offset += (HEADER_LEN + len) as u64;
        Some(Ok(record))
    }

    /// Stream offset of the first byte not yet handed out.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes held (a partial record, or what follows a bad header).
    pub fn buffered(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Drops what is held; returns its span.
    pub fn discard(&mut self) -> Span {
        let span = Span::new(self.offset, self.offset + self.buffered() as u64);
        self.buf.clear();
        self.pos = 0;
        self.offset = span.end;
        span
    }

    /// Continues at stream offset `offset` with nothing held (after a gap
    /// or when bytes go elsewhere).
    pub fn reset_to(&mut self, offset: u64) {
        self.buf.clear();
        self.pos = 0;
        self.offset = offset;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ct: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![ct, 3, 3];
        v.extend_from_slice(&(body.len() as u16).to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn records_across_any_chunking() {
        let stream = [
            record(22, b"hello"),
            record(23, &[7; 300]),
            record(21, &[1, 0]),
        ]
        .concat();
        for step in [1, 2, 5, 7, stream.len()] {
            let mut r = RecordReader::new();
            let mut got = Vec::new();
            for chunk in stream.chunks(step) {
                r.push(chunk);
                while let Some(rec) = r.next_record() {
                    got.push(rec.unwrap());
                }
            }
            assert_eq!(got.len(), 3, "step {step}");
            assert_eq!(got[0].body, b"hello");
            assert_eq!(got[1].span(), Span::new(10, 315));
            assert_eq!(got[2].header.content_type, 21);
            assert_eq!(r.buffered(), 0);
        }
    }

    #[test]
    fn bad_header_stops_framing() {
        let mut r = RecordReader::new();
        r.push(&record(22, b"x"));
        r.push(&[0x47, 0x45, 0x54, 0x20, 0x2f]);
        assert!(r.next_record().unwrap().is_ok());
        let bad = r.next_record().unwrap().unwrap_err();
        assert_eq!(bad.offset, 6);
        assert_eq!(r.discard(), Span::new(6, 11));
        // A length over the limit is not a record either.
        let h = RecordHeader::parse(&[23, 3, 3, 0xff, 0xff]).unwrap();
        assert!(!h.is_plausible());
        assert_eq!(h.encode(), [23, 3, 3, 0xff, 0xff]);
    }
}
