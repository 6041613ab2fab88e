//! Just enough HTTP/1.1 to follow an `Upgrade: h2c` hand-off (RFC 7540
//! §3.2) and to recognise a plain HTTP/1.x connection.

use base64::Engine as _;

use crate::octets::Octets;

/// The most bytes a message head may take before we stop looking for its
/// end.
pub(crate) const MAX_HEAD: usize = 64 * 1024;

/// An HTTP/1.x request or response head.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub start_line: Vec<u8>,
    pub headers: Vec<(Octets, Octets)>,
    /// Bytes the head took, including the blank line.
    pub len: usize,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&Octets> {
        self.headers
            .iter()
            .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// Whether a comma-separated header contains `token` (case-insensitive).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
            .any(|(_, v)| {
                v.as_bytes()
                    .split(|b| *b == b',')
                    .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
            })
    }

    /// Request line parts: method, target.
    pub fn request_line(&self) -> Option<(&[u8], &[u8])> {
        let mut parts = self.start_line.split(|b| *b == b' ');
        let method = parts.next()?;
        let target = parts.next()?;
        Some((method, target))
    }

    /// The status code of a response head.
    pub fn status(&self) -> Option<u16> {
        let mut parts = self.start_line.split(|b| *b == b' ');
        let version = parts.next()?;
        if !version.starts_with(b"HTTP/1.") {
            return None;
        }
        let code = parts.next()?;
        std::str::from_utf8(code).ok()?.parse().ok()
    }
}

/// What the start of a byte stream looks like.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Start {
    Request,
    Response,
    No,
    NeedMore,
}

/// Whether `bytes` begin like an HTTP/1.x request (`TOKEN SP target SP
/// HTTP/1.x`) or response (`HTTP/1.x SP`).
pub(crate) fn classify(bytes: &[u8]) -> Start {
    const RESPONSE: &[u8] = b"HTTP/1.";
    if bytes.len() < RESPONSE.len() {
        if RESPONSE.starts_with(bytes) || bytes.iter().all(|b| is_token(*b)) {
            return Start::NeedMore;
        }
    } else if bytes.starts_with(RESPONSE) {
        return Start::Response;
    }
    let method_len = bytes.iter().take_while(|b| is_token(**b)).count();
    match bytes.get(method_len) {
        None if method_len < 16 => Start::NeedMore,
        Some(b' ') if (1..16).contains(&method_len) => Start::Request,
        _ => Start::No,
    }
}

fn is_token(b: u8) -> bool {
    b.is_ascii_uppercase() || b == b'-' || b == b'_'
}

/// Parses a complete head, or `None` if its end has not arrived.
pub(crate) fn parse_head(bytes: &[u8]) -> Option<Head> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = bytes.get(..end)?;
    let mut lines = head
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let start_line = lines.next()?.to_vec();
    let mut headers = Vec::new();
    for line in lines {
        if let Some(colon) = line.iter().position(|b| *b == b':') {
            let (name, value) = line.split_at(colon);
            let value = value.get(1..).unwrap_or(&[]).trim_ascii();
            headers.push((Octets::from(name), Octets::from(value)));
        }
    }
    Some(Head {
        start_line,
        headers,
        len: end + 4,
    })
}

/// Decodes `HTTP2-Settings` (base64url of a SETTINGS payload, RFC 7540
/// §3.2.1); padding is tolerated.
pub(crate) fn decode_http2_settings(value: &[u8]) -> Option<Vec<u8>> {
    let trimmed: Vec<u8> = value.iter().copied().filter(|b| *b != b'=').collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_upgrade_request() {
        let req = b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\nPRI";
        assert_eq!(classify(req), Start::Request);
        let head = parse_head(req).unwrap();
        assert_eq!(head.len, req.len() - 3);
        assert!(head.has_token("upgrade", "h2c"));
        assert!(head.has_token("connection", "http2-settings"));
        assert_eq!(head.request_line().unwrap().1, b"/index.html");
        let settings =
            decode_http2_settings(head.header("http2-settings").unwrap().as_bytes()).unwrap();
        assert_eq!(settings.len(), 18);
    }

    #[test]
    fn classifies_starts() {
        assert_eq!(classify(b"HTTP/1.1 101 Switching"), Start::Response);
        assert_eq!(classify(b"HTT"), Start::NeedMore);
        assert_eq!(classify(b"PRI * HTTP/2.0"), Start::Request);
        assert_eq!(classify(&[0, 0, 18, 4, 0]), Start::No);
        assert_eq!(classify(&[0x16, 3, 1]), Start::No);
        let resp = parse_head(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n").unwrap();
        assert_eq!(resp.status(), Some(101));
    }
}
