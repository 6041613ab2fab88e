//! TLS hello inspection: is a TCP direction TLS, and what do its
//! ClientHello / ServerHello say (SNI, ALPN, versions)?
//!
//! Feed a direction's stream from its first byte ([`HelloInspector::push`]);
//! records (RFC 8446 §5.1) are reassembled across segments and handshake
//! messages across records (§5.1 allows fragmenting them). Only plaintext
//! is read: inspection ends at the first application-data record, at an
//! alert, at a handshake record that does not parse after a
//! ChangeCipherSpec (TLS 1.2 encrypts Finished), after a TLS 1.3
//! ServerHello (everything after it is encrypted), or at
//! `TcpLimits::max_tls_hello_bytes`.
//!
//! In TLS 1.3 the server's ALPN choice is in EncryptedExtensions, which
//! needs the key log: [`ServerHello::alpn_hidden`] says so.

use std::collections::VecDeque;
use std::fmt;

use serde::{Serialize, Serializer};

use crate::octets::HexBytes;
use crate::{Diagnostic, Layer, Octets, Span};

/// A TLS protocol version code (RFC 8446 §4.2.1). Open: unknown and
/// GREASE (RFC 8701) values kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TlsVersion(pub u16);

impl TlsVersion {
    pub const SSL3: TlsVersion = TlsVersion(0x0300);
    pub const TLS1_0: TlsVersion = TlsVersion(0x0301);
    pub const TLS1_1: TlsVersion = TlsVersion(0x0302);
    pub const TLS1_2: TlsVersion = TlsVersion(0x0303);
    pub const TLS1_3: TlsVersion = TlsVersion(0x0304);

    /// GREASE values (RFC 8701 §2): 0x?A?A with equal bytes.
    pub fn is_grease(self) -> bool {
        let [hi, lo] = self.0.to_be_bytes();
        hi == lo && hi & 0x0f == 0x0a
    }

    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0300 => "SSL 3.0",
            0x0301 => "TLS 1.0",
            0x0302 => "TLS 1.1",
            0x0303 => "TLS 1.2",
            0x0304 => "TLS 1.3",
            _ if self.is_grease() => "GREASE",
            _ => return None,
        })
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} (0x{:04x})", self.0),
            None => write!(f, "0x{:04x}", self.0),
        }
    }
}

/// Serialized as `{"value": 771, "name": "TLS 1.2"}`.
impl Serialize for TlsVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("TlsVersion", 2)?;
        s.serialize_field("value", &self.0)?;
        s.serialize_field("name", &self.name())?;
        s.end()
    }
}

/// A ClientHello (RFC 8446 §4.1.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientHello {
    pub legacy_version: TlsVersion,
    /// The 32-byte random: key logs are keyed by it (`tls::KeyLog`).
    pub random: HexBytes,
    /// `supported_versions` extension (RFC 8446 §4.2.1), in order; empty
    /// when absent (TLS 1.2 and older clients).
    pub supported_versions: Vec<TlsVersion>,
    /// `server_name` host name (RFC 6066 §3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sni: Option<Octets>,
    /// ALPN protocol names offered (RFC 7301 §3.1), in order.
    pub alpn: Vec<Octets>,
    pub cipher_suites: Vec<u16>,
    /// Extension types, in order.
    pub extensions: Vec<u16>,
    /// Stream bytes from the first record carrying the message to the end
    /// of the record that completes it.
    pub span: Span,
}

impl ClientHello {
    pub fn offers_h2(&self) -> bool {
        self.alpn.iter().any(|p| p.as_bytes() == b"h2")
    }
}

/// A ServerHello (RFC 8446 §4.1.3), or a HelloRetryRequest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerHello {
    pub legacy_version: TlsVersion,
    /// The 32-byte random (TLS 1.2 key expansion needs it).
    pub random: HexBytes,
    /// From `supported_versions` (TLS 1.3), else the legacy version.
    pub selected_version: TlsVersion,
    pub cipher_suite: u16,
    /// The ALPN protocol chosen, when visible (TLS 1.2 and older).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpn: Option<Octets>,
    /// TLS 1.3: the ALPN choice is in EncryptedExtensions, readable only
    /// with the session keys (a key log).
    pub alpn_hidden: bool,
    /// The special random of a HelloRetryRequest (RFC 8446 §4.1.3): the
    /// server asks for a new ClientHello.
    pub hello_retry_request: bool,
    pub extensions: Vec<u16>,
    pub span: Span,
}

/// Why inspection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HelloEnd {
    /// The stream does not start with a TLS handshake record.
    NotTls,
    /// An application-data record, or handshake records that only make
    /// sense encrypted: the rest needs the session keys.
    Encrypted,
    /// A TLS 1.3 ServerHello: everything after it is encrypted.
    ServerHelloDone,
    /// An alert record.
    Alert,
    /// A record that cannot be TLS; details in a diagnostic.
    Malformed,
    /// `max_tls_hello_bytes` inspected.
    Limit,
    /// The stream ended.
    EndOfStream,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TlsEvent {
    ClientHello(ClientHello),
    ServerHello(ServerHello),
    /// A plaintext alert: level and description (RFC 8446 §6).
    Alert {
        level: u8,
        description: u8,
        offset: u64,
    },
    Diagnostic(Diagnostic),
    /// Inspection is over; later bytes are ignored.
    Done {
        reason: HelloEnd,
        offset: u64,
    },
}

const CT_CHANGE_CIPHER_SPEC: u8 = 20;
const CT_ALERT: u8 = 21;
const CT_HANDSHAKE: u8 = 22;
const CT_APPLICATION_DATA: u8 = 23;
const CT_HEARTBEAT: u8 = 24;
const HS_CLIENT_HELLO: u8 = 1;
const HS_SERVER_HELLO: u8 = 2;
/// RFC 8446 §5.1: plaintext records are at most 2^14 bytes; allow the
/// ciphertext expansion of §5.2 as some stacks send what they buffered.
const MAX_RECORD: usize = (1 << 14) + 2048;
/// SHA-256("HelloRetryRequest"), RFC 8446 §4.1.3.
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Does `prefix` (the first bytes of a direction) start a TLS handshake?
/// `None` until 6 bytes are there.
pub fn looks_like_tls(prefix: &[u8]) -> Option<bool> {
    let &[content_type, major, minor, hi, lo, hs_type] = prefix.first_chunk::<6>()?;
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    Some(
        content_type == CT_HANDSHAKE
            && major == 3
            && minor <= 4
            && (1..=MAX_RECORD).contains(&len)
            && matches!(hs_type, HS_CLIENT_HELLO | HS_SERVER_HELLO),
    )
}

/// Reads one direction's TLS hellos. Results do not depend on chunking.
#[derive(Debug)]
pub struct HelloInspector {
    max_bytes: u64,
    /// Unparsed stream bytes (at most one record).
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    buf_offset: u64,
    /// Handshake bytes not yet forming a whole message.
    handshake: Vec<u8>,
    /// Stream offset of the record where `handshake[0]` started.
    handshake_start: u64,
    after_ccs: bool,
    done: bool,
    started: bool,
    events: VecDeque<TlsEvent>,
}

impl HelloInspector {
    /// `max_bytes`: stream bytes inspected at most
    /// (`TcpLimits::max_tls_hello_bytes`).
    pub fn new(max_bytes: u32) -> Self {
        HelloInspector {
            max_bytes: u64::from(max_bytes),
            buf: Vec::new(),
            buf_offset: 0,
            handshake: Vec::new(),
            handshake_start: 0,
            after_ccs: false,
            done: false,
            started: false,
            events: VecDeque::new(),
        }
    }

    /// True once inspection is over (a [`TlsEvent::Done`] was queued):
    /// callers can stop feeding.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The next bytes of the direction's stream.
    pub fn push(&mut self, data: &[u8]) {
        if self.done {
            return;
        }
        self.buf.extend_from_slice(data);
        self.parse();
    }

    /// The stream ended (or a gap: what follows cannot be placed).
    pub fn finish(&mut self) {
        if !self.done {
            let at = self.buf_offset;
            self.end(HelloEnd::EndOfStream, at);
        }
    }

    pub fn next_event(&mut self) -> Option<TlsEvent> {
        self.events.pop_front()
    }

    fn end(&mut self, reason: HelloEnd, offset: u64) {
        self.done = true;
        self.buf = Vec::new();
        self.handshake = Vec::new();
        self.events.push_back(TlsEvent::Done { reason, offset });
    }

    fn diag(&mut self, code: &'static str, message: String, offset: u64, rfc: &'static str) {
        self.events.push_back(TlsEvent::Diagnostic(
            Diagnostic::warning(Layer::Tls, code, message)
                .at(offset)
                .rfc(rfc),
        ));
    }

    fn parse(&mut self) {
        while !self.done {
            if !self.started {
                match looks_like_tls(&self.buf) {
                    None => return,
                    Some(false) => {
                        let at = self.buf_offset;
                        return self.end(HelloEnd::NotTls, at);
                    }
                    Some(true) => self.started = true,
                }
            }
            let at = self.buf_offset;
            let Some(&[content_type, major, _minor, hi, lo]) = self.buf.first_chunk::<5>() else {
                return;
            };
            let len = usize::from(u16::from_be_bytes([hi, lo]));
            if major != 3 || len > MAX_RECORD {
                self.diag(
                    "tls.bad_record",
                    format!("TLS record header (type {content_type}, version {major}.x, length {len}) is not a valid TLS record"),
                    at,
                    "RFC 8446 §5.1",
                );
                return self.end(HelloEnd::Malformed, at);
            }
            let Some(record) = self.buf.get(5..5 + len) else {
                return;
            };
            let record = record.to_vec();
            let record_end = at + 5 + len as u64;
            self.buf.drain(..5 + len);
            self.buf_offset = record_end;
            if record_end > self.max_bytes {
                return self.end(HelloEnd::Limit, at);
            }
            match content_type {
                CT_HANDSHAKE => self.handshake_record(&record, at, record_end),
                CT_CHANGE_CIPHER_SPEC => self.after_ccs = true,
                CT_ALERT => {
                    if let [level, description] = *record.as_slice() {
                        if !self.after_ccs {
                            self.events.push_back(TlsEvent::Alert {
                                level,
                                description,
                                offset: at,
                            });
                        }
                    }
                    self.end(
                        if self.after_ccs {
                            HelloEnd::Encrypted
                        } else {
                            HelloEnd::Alert
                        },
                        at,
                    );
                }
                CT_APPLICATION_DATA | CT_HEARTBEAT => self.end(HelloEnd::Encrypted, at),
                other => {
                    self.diag(
                        "tls.unknown_content_type",
                        format!("TLS record of unknown content type {other}"),
                        at,
                        "RFC 8446 §5.1",
                    );
                    self.end(HelloEnd::Malformed, at);
                }
            }
        }
    }

    fn handshake_record(&mut self, record: &[u8], at: u64, record_end: u64) {
        if self.handshake.is_empty() {
            self.handshake_start = at;
        }
        self.handshake.extend_from_slice(record);
        loop {
            let Some(&[hs_type, a, b, c]) = self.handshake.first_chunk::<4>() else {
                return;
            };
            let len = (usize::from(a) << 16) | (usize::from(b) << 8) | usize::from(c);
            if self.after_ccs && !matches!(hs_type, HS_CLIENT_HELLO | HS_SERVER_HELLO) {
                // TLS 1.2 Finished and later: encrypted.
                return self.end(HelloEnd::Encrypted, at);
            }
            let Some(body) = self.handshake.get(4..4 + len) else {
                if 4 + len > self.max_bytes as usize {
                    return self.end(HelloEnd::Limit, at);
                }
                return;
            };
            let body = body.to_vec();
            let span = Span::new(self.handshake_start, record_end);
            self.handshake.drain(..4 + len);
            self.handshake_start = at;
            match hs_type {
                HS_CLIENT_HELLO => match parse_client_hello(&body, span) {
                    Ok(hello) => self.events.push_back(TlsEvent::ClientHello(hello)),
                    Err(e) => return self.bad_hello("ClientHello", e, span),
                },
                HS_SERVER_HELLO => match parse_server_hello(&body, span) {
                    Ok(hello) => {
                        let final_13 = !hello.hello_retry_request
                            && hello.selected_version == TlsVersion::TLS1_3;
                        self.events.push_back(TlsEvent::ServerHello(hello));
                        if final_13 {
                            return self.end(HelloEnd::ServerHelloDone, record_end);
                        }
                    }
                    Err(e) => return self.bad_hello("ServerHello", e, span),
                },
                _ => {}
            }
        }
    }

    fn bad_hello(&mut self, what: &str, problem: String, span: Span) {
        if self.after_ccs {
            // Most likely an encrypted message that happened to look like a hello.
            return self.end(HelloEnd::Encrypted, span.start);
        }
        self.diag(
            "tls.bad_hello",
            format!("malformed {what}: {problem}"),
            span.start,
            "RFC 8446 §4.1",
        );
        self.end(HelloEnd::Malformed, span.start);
    }
}

/// A cursor over hello bytes; every read is checked.
struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], String> {
        if n > self.bytes.len() {
            return Err(format!(
                "{} {field} needs {n} bytes, {} remain",
                self.what,
                self.bytes.len()
            ));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self, field: &str) -> Result<u8, String> {
        Ok(self.take(1, field)?.first().copied().unwrap_or(0))
    }

    fn u16(&mut self, field: &str) -> Result<u16, String> {
        let b = self.take(2, field)?;
        Ok(u16::from_be_bytes([
            b.first().copied().unwrap_or(0),
            b.get(1).copied().unwrap_or(0),
        ]))
    }

    /// A vector with a 1- or 2-byte length prefix.
    fn vec8(&mut self, field: &str) -> Result<&'a [u8], String> {
        let n = self.u8(field)?;
        self.take(usize::from(n), field)
    }

    fn vec16(&mut self, field: &str) -> Result<&'a [u8], String> {
        let n = self.u16(field)?;
        self.take(usize::from(n), field)
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// Extensions (RFC 8446 §4.2): absent entirely in old hellos.
fn extensions<'a>(r: &mut Reader<'a>) -> Result<Vec<(u16, &'a [u8])>, String> {
    let mut out = Vec::new();
    if r.is_empty() {
        return Ok(out);
    }
    let mut ext = Reader {
        bytes: r.vec16("extensions")?,
        what: "extension",
    };
    while !ext.is_empty() {
        let t = ext.u16("type")?;
        let data = ext.vec16("data")?;
        out.push((t, data));
    }
    Ok(out)
}

const EXT_SERVER_NAME: u16 = 0;
const EXT_ALPN: u16 = 16;
const EXT_SUPPORTED_VERSIONS: u16 = 43;

fn alpn_list(data: &[u8]) -> Result<Vec<Octets>, String> {
    let mut r = Reader {
        bytes: data,
        what: "ALPN extension",
    };
    let mut list = Reader {
        bytes: r.vec16("protocol_name_list")?,
        what: "ALPN protocol list",
    };
    let mut out = Vec::new();
    while !list.is_empty() {
        out.push(Octets::from(list.vec8("protocol name")?));
    }
    Ok(out)
}

pub(crate) fn parse_client_hello(body: &[u8], span: Span) -> Result<ClientHello, String> {
    let mut r = Reader {
        bytes: body,
        what: "ClientHello",
    };
    let legacy_version = TlsVersion(r.u16("legacy_version")?);
    let random = HexBytes(r.take(32, "random")?.to_vec());
    r.vec8("legacy_session_id")?;
    let suites = r.vec16("cipher_suites")?;
    let cipher_suites = suites
        .chunks_exact(2)
        .map(|p| {
            u16::from_be_bytes([
                p.first().copied().unwrap_or(0),
                p.get(1).copied().unwrap_or(0),
            ])
        })
        .collect();
    r.vec8("legacy_compression_methods")?;
    let exts = extensions(&mut r)?;
    let mut hello = ClientHello {
        legacy_version,
        random,
        supported_versions: Vec::new(),
        sni: None,
        alpn: Vec::new(),
        cipher_suites,
        extensions: exts.iter().map(|(t, _)| *t).collect(),
        span,
    };
    for (t, data) in exts {
        match t {
            EXT_SERVER_NAME => {
                // RFC 6066 §3: ServerNameList of (name_type, HostName).
                let mut r = Reader {
                    bytes: data,
                    what: "server_name extension",
                };
                if r.is_empty() {
                    continue;
                }
                let mut list = Reader {
                    bytes: r.vec16("server_name_list")?,
                    what: "server name list",
                };
                while !list.is_empty() {
                    let name_type = list.u8("name_type")?;
                    let name = list.vec16("host_name")?;
                    if name_type == 0 && hello.sni.is_none() {
                        hello.sni = Some(Octets::from(name));
                    }
                }
            }
            EXT_ALPN => hello.alpn = alpn_list(data)?,
            EXT_SUPPORTED_VERSIONS => {
                let mut r = Reader {
                    bytes: data,
                    what: "supported_versions extension",
                };
                hello.supported_versions = r
                    .vec8("versions")?
                    .chunks_exact(2)
                    .map(|p| {
                        TlsVersion(u16::from_be_bytes([
                            p.first().copied().unwrap_or(0),
                            p.get(1).copied().unwrap_or(0),
                        ]))
                    })
                    .collect();
            }
            _ => {}
        }
    }
    Ok(hello)
}

pub(crate) fn parse_server_hello(body: &[u8], span: Span) -> Result<ServerHello, String> {
    let mut r = Reader {
        bytes: body,
        what: "ServerHello",
    };
    let legacy_version = TlsVersion(r.u16("legacy_version")?);
    let random = r.take(32, "random")?;
    r.vec8("legacy_session_id_echo")?;
    let cipher_suite = r.u16("cipher_suite")?;
    r.u8("legacy_compression_method")?;
    let exts = extensions(&mut r)?;
    let mut selected_version = legacy_version;
    let mut alpn = None;
    for (t, data) in &exts {
        match *t {
            EXT_SUPPORTED_VERSIONS => {
                let mut r = Reader {
                    bytes: data,
                    what: "supported_versions extension",
                };
                selected_version = TlsVersion(r.u16("selected_version")?);
            }
            EXT_ALPN => alpn = alpn_list(data)?.into_iter().next(),
            _ => {}
        }
    }
    let hello_retry_request = random == HRR_RANDOM;
    Ok(ServerHello {
        legacy_version,
        random: HexBytes(random.to_vec()),
        selected_version,
        cipher_suite,
        alpn_hidden: selected_version == TlsVersion::TLS1_3 && !hello_retry_request,
        alpn,
        hello_retry_request,
        extensions: exts.iter().map(|(t, _)| *t).collect(),
        span,
    })
}

/// The ALPN protocol an EncryptedExtensions message (RFC 8446 §4.3.1)
/// selects, from the message body (what follows the 4-byte handshake
/// header). TLS 1.3 servers send their ALPN choice there.
pub fn encrypted_extensions_alpn(body: &[u8]) -> Result<Option<Octets>, String> {
    let mut r = Reader {
        bytes: body,
        what: "EncryptedExtensions",
    };
    for (t, data) in extensions(&mut r)? {
        if t == EXT_ALPN {
            return Ok(alpn_list(data)?.into_iter().next());
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal TLS 1.2 ClientHello with SNI "a.example" and ALPN h2.
    fn client_hello() -> Vec<u8> {
        let mut ext = Vec::new();
        let sni = b"a.example";
        ext.extend_from_slice(&[0, 0]);
        ext.extend_from_slice(&((sni.len() + 5) as u16).to_be_bytes());
        ext.extend_from_slice(&((sni.len() + 3) as u16).to_be_bytes());
        ext.push(0);
        ext.extend_from_slice(&(sni.len() as u16).to_be_bytes());
        ext.extend_from_slice(sni);
        ext.extend_from_slice(&[0, 16, 0, 5, 0, 3, 2, b'h', b'2']);
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.extend_from_slice(&[0, 0, 2, 0xc0, 0x2f, 1, 0]);
        body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        body.extend_from_slice(&ext);
        let mut hs = vec![1, 0];
        hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
        hs.extend_from_slice(&body);
        hs
    }

    fn records(hs: &[u8], split: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for part in [&hs[..split], &hs[split..]] {
            out.extend_from_slice(&[22, 3, 1]);
            out.extend_from_slice(&(part.len() as u16).to_be_bytes());
            out.extend_from_slice(part);
        }
        out
    }

    #[test]
    fn hello_split_across_records_and_pushes() {
        let stream = records(&client_hello(), 10);
        for step in [1, 3, stream.len()] {
            let mut insp = HelloInspector::new(1 << 16);
            for chunk in stream.chunks(step) {
                insp.push(chunk);
            }
            insp.finish();
            let Some(TlsEvent::ClientHello(h)) = insp.next_event() else {
                panic!()
            };
            assert_eq!(h.sni.unwrap().as_bytes(), b"a.example");
            assert_eq!(h.random.0, [7; 32]);
            assert_eq!(h.alpn, vec![Octets::from("h2")]);
            assert_eq!(h.span, Span::new(0, stream.len() as u64));
            assert!(matches!(
                insp.next_event(),
                Some(TlsEvent::Done {
                    reason: HelloEnd::EndOfStream,
                    ..
                })
            ));
        }
    }

    #[test]
    fn alpn_from_encrypted_extensions() {
        // RFC 8448 §3 EncryptedExtensions has no ALPN.
        let ee = crate::octets::from_hex(
            "0022000a00140012001d00170018001901000101010201030104001c0002400100000000",
        )
        .unwrap();
        assert_eq!(encrypted_extensions_alpn(&ee), Ok(None));
        let ee = [0, 9, 0, 16, 0, 5, 0, 3, 2, b'h', b'2'];
        assert_eq!(encrypted_extensions_alpn(&ee), Ok(Some(Octets::from("h2"))));
        assert!(encrypted_extensions_alpn(&ee[..6]).is_err());
    }

    #[test]
    fn not_tls_and_truncated_hello() {
        assert_eq!(looks_like_tls(b"PRI * HTTP/2.0"), Some(false));
        assert_eq!(looks_like_tls(&[22, 3, 1]), None);
        let mut hs = client_hello();
        hs.truncate(hs.len() - 3);
        let n = hs.len() - 4;
        hs[2..4].copy_from_slice(&(n as u16).to_be_bytes());
        let mut insp = HelloInspector::new(1 << 16);
        insp.push(&records(&hs, 5));
        assert!(matches!(insp.next_event(), Some(TlsEvent::Diagnostic(_))));
        assert!(matches!(
            insp.next_event(),
            Some(TlsEvent::Done {
                reason: HelloEnd::Malformed,
                ..
            })
        ));
    }
}
