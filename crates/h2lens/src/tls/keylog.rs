//! NSS key log files (`SSLKEYLOGFILE`), as written by OpenSSL, BoringSSL,
//! NSS, rustls, Go and curl, and carried in pcapng Decryption Secrets
//! Blocks (draft-ietf-opsawg-pcapng §4.7, secrets type `TLSK`).
//!
//! Each line is `LABEL <client_random hex> <secret hex>`; `#` starts a
//! comment. Secrets are keyed by the ClientHello random (32 bytes).
//! Format: <https://www.ietf.org/archive/id/draft-ietf-tls-keylogfile-02.html>.

use std::collections::HashMap;

use crate::{Diagnostic, Layer};

/// The secrets of one TLS session (one client random).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionSecrets {
    /// `CLIENT_RANDOM`: the TLS 1.2 (and older) master secret, 48 bytes.
    pub master_secret: Option<Vec<u8>>,
    /// `CLIENT_EARLY_TRAFFIC_SECRET` (TLS 1.3 0-RTT).
    pub client_early_traffic_secret: Option<Vec<u8>>,
    /// `CLIENT_HANDSHAKE_TRAFFIC_SECRET`.
    pub client_handshake_traffic_secret: Option<Vec<u8>>,
    /// `SERVER_HANDSHAKE_TRAFFIC_SECRET`.
    pub server_handshake_traffic_secret: Option<Vec<u8>>,
    /// `CLIENT_TRAFFIC_SECRET_0`.
    pub client_traffic_secret_0: Option<Vec<u8>>,
    /// `SERVER_TRAFFIC_SECRET_0`.
    pub server_traffic_secret_0: Option<Vec<u8>>,
    /// `EXPORTER_SECRET` (kept, not needed to decrypt).
    pub exporter_secret: Option<Vec<u8>>,
    /// `EARLY_EXPORTER_SECRET` (kept, not needed to decrypt).
    pub early_exporter_secret: Option<Vec<u8>>,
}

impl SessionSecrets {
    fn slot(&mut self, label: &[u8]) -> Option<&mut Option<Vec<u8>>> {
        Some(match label {
            b"CLIENT_RANDOM" => &mut self.master_secret,
            b"CLIENT_EARLY_TRAFFIC_SECRET" => &mut self.client_early_traffic_secret,
            b"CLIENT_HANDSHAKE_TRAFFIC_SECRET" => &mut self.client_handshake_traffic_secret,
            b"SERVER_HANDSHAKE_TRAFFIC_SECRET" => &mut self.server_handshake_traffic_secret,
            b"CLIENT_TRAFFIC_SECRET_0" => &mut self.client_traffic_secret_0,
            b"SERVER_TRAFFIC_SECRET_0" => &mut self.server_traffic_secret_0,
            b"EXPORTER_SECRET" => &mut self.exporter_secret,
            b"EARLY_EXPORTER_SECRET" => &mut self.early_exporter_secret,
            _ => return None,
        })
    }

    /// Fills what `other` has (later lines win).
    fn merge(&mut self, other: SessionSecrets) {
        let pairs = [
            (&mut self.master_secret, other.master_secret),
            (
                &mut self.client_early_traffic_secret,
                other.client_early_traffic_secret,
            ),
            (
                &mut self.client_handshake_traffic_secret,
                other.client_handshake_traffic_secret,
            ),
            (
                &mut self.server_handshake_traffic_secret,
                other.server_handshake_traffic_secret,
            ),
            (
                &mut self.client_traffic_secret_0,
                other.client_traffic_secret_0,
            ),
            (
                &mut self.server_traffic_secret_0,
                other.server_traffic_secret_0,
            ),
            (&mut self.exporter_secret, other.exporter_secret),
            (&mut self.early_exporter_secret, other.early_exporter_secret),
        ];
        for (mine, theirs) in pairs {
            if theirs.is_some() {
                *mine = theirs;
            }
        }
    }
}

/// Secrets by client random. Cheap to share (`Arc`) between connections.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyLog {
    sessions: HashMap<[u8; 32], SessionSecrets>,
}

/// Lines that name a session h2lens cannot use (reported once, counted).
const UNSUPPORTED_LABELS: &[&[u8]] = &[b"RSA", b"PMS_CLIENT_RANDOM"];
/// Bad lines reported one by one before only the total is reported.
const MAX_LINE_DIAGNOSTICS: usize = 8;
/// Longest secret accepted (SHA-512 size; TLS uses at most 48 bytes).
const MAX_SECRET_LEN: usize = 64;

impl KeyLog {
    pub fn new() -> KeyLog {
        KeyLog::default()
    }

    /// Parses key log text. Lines that cannot be used become diagnostics
    /// (`offset`: the line's byte offset in `text`); the rest is kept.
    pub fn parse(text: &[u8]) -> (KeyLog, Vec<Diagnostic>) {
        let mut log = KeyLog::new();
        let mut diags = Vec::new();
        let mut bad = 0usize;
        let mut unsupported = 0usize;
        let mut offset = 0u64;
        for raw_line in text.split(|&b| b == b'\n') {
            let line_offset = offset;
            offset = offset.saturating_add(raw_line.len() as u64 + 1);
            let line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
            let line = line.trim_ascii();
            if line.is_empty() || line.starts_with(b"#") {
                continue;
            }
            let mut fields = line
                .split(|b| b.is_ascii_whitespace())
                .filter(|f| !f.is_empty());
            let (Some(label), Some(random), Some(secret), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                bad += 1;
                if bad <= MAX_LINE_DIAGNOSTICS {
                    diags.push(line_diag(
                        "key log line is not `LABEL <client random> <secret>`",
                        line_offset,
                    ));
                }
                continue;
            };
            if UNSUPPORTED_LABELS.contains(&label) {
                unsupported += 1;
                continue;
            }
            if is_later_traffic_secret(label) {
                // OpenSSL logs the secrets after a KeyUpdate; h2lens derives
                // them (RFC 8446 §7.2).
                continue;
            }
            let mut secrets = SessionSecrets::default();
            let Some(slot) = secrets.slot(label) else {
                bad += 1;
                if bad <= MAX_LINE_DIAGNOSTICS {
                    diags.push(line_diag(
                        &format!(
                            "unknown key log label {}",
                            crate::octets::display_bytes(label)
                        ),
                        line_offset,
                    ));
                }
                continue;
            };
            let random = hex(random).and_then(|r| <[u8; 32]>::try_from(r).ok());
            let secret = hex(secret).filter(|s| !s.is_empty() && s.len() <= MAX_SECRET_LEN);
            let (Some(random), Some(secret)) = (random, secret) else {
                bad += 1;
                if bad <= MAX_LINE_DIAGNOSTICS {
                    diags.push(line_diag(
                        "key log line needs a 32-byte client random and a secret of at most 64 bytes, in hex",
                        line_offset,
                    ));
                }
                continue;
            };
            *slot = Some(secret);
            log.sessions.entry(random).or_default().merge(secrets);
        }
        if bad > MAX_LINE_DIAGNOSTICS {
            diags.push(Diagnostic::warning(
                Layer::Tls,
                "tls.keylog_bad_lines",
                format!("{bad} key log lines could not be used (the first {MAX_LINE_DIAGNOSTICS} are reported)"),
            ));
        }
        if unsupported > 0 {
            diags.push(Diagnostic::info(
                Layer::Tls,
                "tls.keylog_unsupported",
                format!("{unsupported} key log lines are RSA or PMS_CLIENT_RANDOM pre-master secrets, which h2lens does not use (it needs CLIENT_RANDOM master secrets or TLS 1.3 traffic secrets)"),
            ));
        }
        (log, diags)
    }

    /// Adds `other`'s secrets; for a session in both, `other`'s win.
    pub fn extend(&mut self, other: KeyLog) {
        for (random, secrets) in other.sessions {
            self.sessions.entry(random).or_default().merge(secrets);
        }
    }

    /// The secrets of the session whose ClientHello carried `client_random`.
    pub fn get(&self, client_random: &[u8; 32]) -> Option<&SessionSecrets> {
        self.sessions.get(client_random)
    }

    /// Number of sessions (client randoms).
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
}

/// `CLIENT_TRAFFIC_SECRET_<n>` / `SERVER_TRAFFIC_SECRET_<n>` past 0
/// (OpenSSL 3.0 writes a literal `_N`).
fn is_later_traffic_secret(label: &[u8]) -> bool {
    let rest = label
        .strip_prefix(b"CLIENT_TRAFFIC_SECRET_")
        .or_else(|| label.strip_prefix(b"SERVER_TRAFFIC_SECRET_"));
    matches!(rest, Some(n) if !n.is_empty() && n != b"0")
}

fn line_diag(what: &str, offset: u64) -> Diagnostic {
    Diagnostic::warning(Layer::Tls, "tls.keylog_bad_line", what.to_string()).at(offset)
}

fn hex(text: &[u8]) -> Option<Vec<u8>> {
    std::str::from_utf8(text)
        .ok()
        .and_then(crate::octets::from_hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tls12_and_tls13_lines() {
        let random = "aa".repeat(32);
        let text = format!(
            "# comment\r\n\nCLIENT_RANDOM {random} {}\r\nCLIENT_TRAFFIC_SECRET_0 {} {}\nRSA 0011223344556677 {}\nSERVER_TRAFFIC_SECRET_N {random} 00\nBOGUS {random} 00\nCLIENT_RANDOM zz 00\n",
            "01".repeat(48),
            random.to_uppercase(),
            "02".repeat(32),
            "03".repeat(48),
        );
        let (log, diags) = KeyLog::parse(text.as_bytes());
        assert_eq!(log.len(), 1);
        let s = log.get(&[0xaa; 32]).unwrap();
        assert_eq!(s.master_secret.as_deref(), Some(&[1u8; 48][..]));
        assert_eq!(s.client_traffic_secret_0.as_deref(), Some(&[2u8; 32][..]));
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                "tls.keylog_bad_line",
                "tls.keylog_bad_line",
                "tls.keylog_unsupported"
            ]
        );
        // The BOGUS line starts after the RSA line.
        let bogus_at = text.find("BOGUS").unwrap() as u64;
        assert_eq!(diags[0].offset, Some(bogus_at));
    }

    #[test]
    fn extend_merges_sessions() {
        let r = "bb".repeat(32);
        let (mut a, _) =
            KeyLog::parse(format!("CLIENT_HANDSHAKE_TRAFFIC_SECRET {r} 01\n").as_bytes());
        let (b, _) = KeyLog::parse(format!("SERVER_HANDSHAKE_TRAFFIC_SECRET {r} 02\n").as_bytes());
        a.extend(b);
        let s = a.get(&[0xbb; 32]).unwrap();
        assert!(s.client_handshake_traffic_secret.is_some());
        assert!(s.server_handshake_traffic_secret.is_some());
    }
}
