//! Record decryption: the AEAD ciphers (RustCrypto, pure Rust) and the
//! per-record nonce and additional data of TLS 1.3 (RFC 8446 §5.2, §5.3)
//! and TLS 1.2 (RFC 5246 §6.2.3.3, RFC 5288 §3, RFC 7905 §2).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;

use super::record::{RecordHeader, HEADER_LEN};
use super::schedule::TrafficKeys;
use super::suite::{AeadAlgorithm, SuiteParams};

/// A keyed AEAD.
pub(crate) enum Cipher {
    Aes128(Box<Aes128Gcm>),
    Aes256(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cipher::Aes128(_) => "Cipher::Aes128Gcm",
            Cipher::Aes256(_) => "Cipher::Aes256Gcm",
            Cipher::ChaCha(_) => "Cipher::ChaCha20Poly1305",
        })
    }
}

impl Cipher {
    pub fn new(aead: AeadAlgorithm, key: &[u8]) -> Option<Cipher> {
        Some(match aead {
            AeadAlgorithm::Aes128Gcm => {
                Cipher::Aes128(Box::new(Aes128Gcm::new_from_slice(key).ok()?))
            }
            AeadAlgorithm::Aes256Gcm => {
                Cipher::Aes256(Box::new(Aes256Gcm::new_from_slice(key).ok()?))
            }
            AeadAlgorithm::ChaCha20Poly1305 => {
                Cipher::ChaCha(Box::new(ChaCha20Poly1305::new_from_slice(key).ok()?))
            }
        })
    }

    /// Decrypts and authenticates `ciphertext` (tag included); `None` if
    /// the tag does not verify.
    pub fn open(&self, nonce: [u8; 12], aad: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        let payload = Payload {
            msg: ciphertext,
            aad,
        };
        let nonce = aes_gcm::Nonce::from(nonce);
        match self {
            Cipher::Aes128(c) => c.decrypt(&nonce, payload).ok(),
            Cipher::Aes256(c) => c.decrypt(&nonce, payload).ok(),
            Cipher::ChaCha(c) => c.decrypt(&nonce, payload).ok(),
        }
    }
}

/// The 12-byte IV XOR the left-padded 64-bit sequence number: the TLS 1.3
/// nonce (RFC 8446 §5.3) and the TLS 1.2 ChaCha20-Poly1305 nonce
/// (RFC 7905 §2). `None` unless `iv` is 12 bytes.
pub fn xor_nonce(iv: &[u8], seq: u64) -> Option<[u8; 12]> {
    let mut nonce: [u8; 12] = iv.try_into().ok()?;
    for (n, s) in nonce.iter_mut().skip(4).zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    Some(nonce)
}

/// Record protection of one direction and epoch: keys and sequence number.
#[derive(Debug)]
pub(crate) struct RecordKeys {
    cipher: Cipher,
    suite: SuiteParams,
    iv: Vec<u8>,
    /// Sequence number of the next record (RFC 8446 §5.3).
    pub seq: u64,
}

/// A decrypted record: content type and plaintext.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Opened {
    pub content_type: u8,
    pub plaintext: Vec<u8>,
}

impl RecordKeys {
    pub fn new(suite: SuiteParams, keys: &TrafficKeys) -> Option<RecordKeys> {
        Some(RecordKeys {
            cipher: Cipher::new(suite.aead, &keys.key)?,
            suite,
            iv: keys.iv.clone(),
            seq: 0,
        })
    }

    /// Opens record `header` + `body` as sequence number `seq`. `None` if
    /// it does not authenticate; an all-padding TLS 1.3 record (no content
    /// type, RFC 8446 §5.4) opens as content type 0.
    pub fn open(&self, header: &RecordHeader, body: &[u8], seq: u64) -> Option<Opened> {
        if self.suite.tls13 {
            // additional_data = the record header (RFC 8446 §5.2).
            let aad = header.encode();
            let mut plain = self.cipher.open(xor_nonce(&self.iv, seq)?, &aad, body)?;
            // TLSInnerPlaintext: content, content type, zero padding.
            let end = plain.iter().rposition(|&b| b != 0).unwrap_or(0);
            let content_type = plain.get(end).copied().unwrap_or(0);
            plain.truncate(end);
            return Some(Opened {
                content_type,
                plaintext: plain,
            });
        }
        // TLS 1.2: additional_data = seq_num + type + version + length of
        // the plaintext (RFC 5246 §6.2.3.3).
        let explicit_len = self.suite.tls12_explicit_nonce_len();
        let (explicit, ciphertext) = body.split_at_checked(explicit_len)?;
        let plain_len = ciphertext.len().checked_sub(AeadAlgorithm::TAG_LEN)?;
        let nonce = match self.suite.aead {
            AeadAlgorithm::ChaCha20Poly1305 => xor_nonce(&self.iv, seq)?,
            AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm => {
                // GCMNonce = salt (4, from the key block) + explicit (8).
                let mut nonce = [0u8; 12];
                let (salt, rest) = nonce.split_at_mut(4);
                salt.copy_from_slice(self.iv.get(..4)?);
                rest.copy_from_slice(explicit);
                nonce
            }
        };
        let mut aad = Vec::with_capacity(13);
        aad.extend_from_slice(&seq.to_be_bytes());
        aad.push(header.content_type);
        aad.extend_from_slice(&header.version.to_be_bytes());
        aad.extend_from_slice(&u16::try_from(plain_len).ok()?.to_be_bytes());
        let plaintext = self.cipher.open(nonce, &aad, ciphertext)?;
        Some(Opened {
            content_type: header.content_type,
            plaintext,
        })
    }
}

/// Bytes a record spends on protection, beyond its content: for
/// accounting only.
pub fn record_overhead(record_len: usize, content_len: usize) -> u64 {
    (HEADER_LEN + record_len).saturating_sub(content_len) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_is_iv_xor_padded_sequence_number() {
        // RFC 8446 §5.3: the 64-bit sequence number, left-padded to the
        // IV length, XORed with the IV.
        let iv = [
            0x5d, 0x31, 0x3e, 0xb2, 0x67, 0x12, 0x76, 0xee, 0x13, 0x00, 0x0b, 0x30,
        ];
        assert_eq!(xor_nonce(&iv, 0), Some(iv));
        let n = xor_nonce(&iv, 0x0102_0304_0506_0708).unwrap();
        // 67^01 12^02 76^03 ee^04 13^05 00^06 0b^07 30^08
        assert_eq!(
            crate::octets::to_hex(&n),
            "5d313eb26610 75ea16060c38".replace(' ', "")
        );
        assert_eq!(xor_nonce(&iv[..8], 1), None);
    }
}
