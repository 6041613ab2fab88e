//! Cipher suites h2lens can decrypt: the AEAD suites of TLS 1.3 and the
//! ECDHE/DHE/RSA AEAD suites of TLS 1.2 (the only ones HTTP/2 allows,
//! RFC 9113 §9.2.2 and Appendix A).

use std::fmt;

use serde::{Serialize, Serializer};

/// A cipher suite code (RFC 8446 §B.4, IANA "TLS Cipher Suites"). Open:
/// unknown values kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CipherSuite(pub u16);

/// The AEAD that protects records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AeadAlgorithm {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

impl AeadAlgorithm {
    pub fn key_len(self) -> usize {
        match self {
            AeadAlgorithm::Aes128Gcm => 16,
            AeadAlgorithm::Aes256Gcm | AeadAlgorithm::ChaCha20Poly1305 => 32,
        }
    }

    /// Every supported AEAD has a 16-byte tag.
    pub const TAG_LEN: usize = 16;
}

/// The hash of the key schedule (TLS 1.3 HKDF, TLS 1.2 PRF).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HashAlgorithm {
    Sha256,
    Sha384,
}

impl HashAlgorithm {
    pub fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
        }
    }
}

/// How a suite protects records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SuiteParams {
    pub aead: AeadAlgorithm,
    pub hash: HashAlgorithm,
    /// A TLS 1.3 suite (RFC 8446 §B.4); otherwise TLS 1.2.
    pub tls13: bool,
}

impl SuiteParams {
    /// TLS 1.2 `fixed_iv_length` (RFC 5288 §3: 4-byte salt for GCM;
    /// RFC 7905 §2: 12 bytes for ChaCha20-Poly1305).
    pub fn tls12_fixed_iv_len(self) -> usize {
        match self.aead {
            AeadAlgorithm::ChaCha20Poly1305 => 12,
            AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm => 4,
        }
    }

    /// TLS 1.2 explicit nonce carried in each record (RFC 5288 §3).
    pub fn tls12_explicit_nonce_len(self) -> usize {
        match self.aead {
            AeadAlgorithm::ChaCha20Poly1305 => 0,
            AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm => 8,
        }
    }
}

impl CipherSuite {
    pub const TLS_AES_128_GCM_SHA256: CipherSuite = CipherSuite(0x1301);
    pub const TLS_AES_256_GCM_SHA384: CipherSuite = CipherSuite(0x1302);
    pub const TLS_CHACHA20_POLY1305_SHA256: CipherSuite = CipherSuite(0x1303);
    pub const TLS_AES_128_CCM_SHA256: CipherSuite = CipherSuite(0x1304);
    pub const TLS_AES_128_CCM_8_SHA256: CipherSuite = CipherSuite(0x1305);
    pub const TLS_RSA_WITH_AES_128_GCM_SHA256: CipherSuite = CipherSuite(0x009c);
    pub const TLS_RSA_WITH_AES_256_GCM_SHA384: CipherSuite = CipherSuite(0x009d);
    pub const TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: CipherSuite = CipherSuite(0x009e);
    pub const TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: CipherSuite = CipherSuite(0x009f);
    pub const TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: CipherSuite = CipherSuite(0xc02b);
    pub const TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: CipherSuite = CipherSuite(0xc02c);
    pub const TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: CipherSuite = CipherSuite(0xc02f);
    pub const TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: CipherSuite = CipherSuite(0xc030);
    pub const TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: CipherSuite = CipherSuite(0xcca8);
    pub const TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: CipherSuite = CipherSuite(0xcca9);
    pub const TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: CipherSuite = CipherSuite(0xccaa);

    /// How records are protected, for the suites h2lens decrypts.
    pub fn params(self) -> Option<SuiteParams> {
        use AeadAlgorithm::*;
        use HashAlgorithm::*;
        let (aead, hash, tls13) = match self.0 {
            0x1301 => (Aes128Gcm, Sha256, true),
            0x1302 => (Aes256Gcm, Sha384, true),
            0x1303 => (ChaCha20Poly1305, Sha256, true),
            0x009c | 0x009e | 0xc02b | 0xc02f => (Aes128Gcm, Sha256, false),
            0x009d | 0x009f | 0xc02c | 0xc030 => (Aes256Gcm, Sha384, false),
            0xcca8..=0xccaa => (ChaCha20Poly1305, Sha256, false),
            _ => return None,
        };
        Some(SuiteParams { aead, hash, tls13 })
    }

    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x1301 => "TLS_AES_128_GCM_SHA256",
            0x1302 => "TLS_AES_256_GCM_SHA384",
            0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
            0x1304 => "TLS_AES_128_CCM_SHA256",
            0x1305 => "TLS_AES_128_CCM_8_SHA256",
            0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
            0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
            0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
            0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
            0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
            0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
            0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
            0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
            0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            0xccaa => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            _ => return None,
        })
    }
}

impl fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} (0x{:04x})", self.0),
            None => write!(f, "cipher suite 0x{:04x}", self.0),
        }
    }
}

/// Serialized as `{"value": 4866, "name": "TLS_AES_256_GCM_SHA384"}`.
impl Serialize for CipherSuite {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("CipherSuite", 2)?;
        s.serialize_field("value", &self.0)?;
        s.serialize_field("name", &self.name())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_parameters() {
        let p = CipherSuite::TLS_AES_256_GCM_SHA384.params().unwrap();
        assert_eq!(
            (p.aead, p.hash, p.tls13),
            (AeadAlgorithm::Aes256Gcm, HashAlgorithm::Sha384, true)
        );
        let p = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
            .params()
            .unwrap();
        assert_eq!(
            (p.tls12_fixed_iv_len(), p.tls12_explicit_nonce_len()),
            (4, 8)
        );
        let p = CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
            .params()
            .unwrap();
        assert_eq!(
            (p.tls12_fixed_iv_len(), p.tls12_explicit_nonce_len()),
            (12, 0)
        );
        // CBC suites are named but not decrypted.
        assert!(CipherSuite(0xc013).params().is_none());
        assert_eq!(
            CipherSuite(0xc013).name(),
            Some("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")
        );
    }
}
