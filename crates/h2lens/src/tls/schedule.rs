//! Key derivation: TLS 1.3 HKDF-Expand-Label (RFC 8446 §7.1) and traffic
//! keys (§7.3), TLS 1.2 PRF and key expansion (RFC 5246 §5, §6.3).
//!
//! Every function returns `None` instead of panicking when an input has a
//! size the primitive rejects (a secret from a hostile key log).

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384};

use super::suite::{HashAlgorithm, SuiteParams};

/// Record protection keys of one direction and epoch.
#[derive(Clone, PartialEq, Eq)]
pub struct TrafficKeys {
    pub key: Vec<u8>,
    /// TLS 1.3 and ChaCha20: the 12-byte per-record nonce base; TLS 1.2
    /// GCM: the 4-byte salt.
    pub iv: Vec<u8>,
}

impl std::fmt::Debug for TrafficKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys stay out of debug output.
        f.write_str("TrafficKeys { .. }")
    }
}

/// HKDF-Expand-Label(Secret, Label, Context, Length), RFC 8446 §7.1.
pub fn hkdf_expand_label(
    hash: HashAlgorithm,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Option<Vec<u8>> {
    // struct { uint16 length; opaque label<7..255> = "tls13 " + Label;
    //          opaque context<0..255>; } HkdfLabel;
    let full_label_len = u8::try_from(6 + label.len()).ok()?;
    let context_len = u8::try_from(context.len()).ok()?;
    let mut info = Vec::with_capacity(4 + usize::from(full_label_len) + context.len());
    info.extend_from_slice(&u16::try_from(len).ok()?.to_be_bytes());
    info.push(full_label_len);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label);
    info.push(context_len);
    info.extend_from_slice(context);
    let mut out = vec![0u8; len];
    match hash {
        HashAlgorithm::Sha256 => Hkdf::<Sha256>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
        HashAlgorithm::Sha384 => Hkdf::<Sha384>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
    }
    Some(out)
}

/// TLS 1.3 traffic keys from a traffic secret (RFC 8446 §7.3).
pub fn tls13_traffic_keys(suite: SuiteParams, secret: &[u8]) -> Option<TrafficKeys> {
    Some(TrafficKeys {
        key: hkdf_expand_label(suite.hash, secret, b"key", b"", suite.aead.key_len())?,
        iv: hkdf_expand_label(suite.hash, secret, b"iv", b"", 12)?,
    })
}

/// The next traffic secret after a KeyUpdate (RFC 8446 §7.2).
pub fn tls13_next_secret(hash: HashAlgorithm, secret: &[u8]) -> Option<Vec<u8>> {
    hkdf_expand_label(hash, secret, b"traffic upd", b"", hash.output_len())
}

fn hmac(hash: HashAlgorithm, key: &[u8], parts: &[&[u8]]) -> Option<Vec<u8>> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], parts: &[&[u8]]) -> Option<Vec<u8>> {
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key).ok()?;
        for p in parts {
            mac.update(p);
        }
        Some(mac.finalize().into_bytes().to_vec())
    }
    match hash {
        HashAlgorithm::Sha256 => run::<Hmac<Sha256>>(key, parts),
        HashAlgorithm::Sha384 => run::<Hmac<Sha384>>(key, parts),
    }
}

/// The TLS 1.2 PRF, P_hash(secret, label + seed) cut to `len` bytes
/// (RFC 5246 §5).
pub fn tls12_prf(
    hash: HashAlgorithm,
    secret: &[u8],
    label: &[u8],
    seed: &[u8],
    len: usize,
) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(len + hash.output_len());
    // A(0) = seed; A(i) = HMAC(secret, A(i-1)).
    let mut a = hmac(hash, secret, &[label, seed])?;
    while out.len() < len {
        out.extend_from_slice(&hmac(hash, secret, &[&a, label, seed])?);
        a = hmac(hash, secret, &[&a])?;
    }
    out.truncate(len);
    Some(out)
}

/// TLS 1.2 key expansion for an AEAD suite (RFC 5246 §6.3; AEAD suites
/// have no MAC keys): the client's and the server's write keys.
pub fn tls12_key_block(
    suite: SuiteParams,
    master_secret: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Option<(TrafficKeys, TrafficKeys)> {
    let key_len = suite.aead.key_len();
    let iv_len = suite.tls12_fixed_iv_len();
    let mut seed = Vec::with_capacity(64);
    seed.extend_from_slice(server_random);
    seed.extend_from_slice(client_random);
    let block = tls12_prf(
        suite.hash,
        master_secret,
        b"key expansion",
        &seed,
        2 * (key_len + iv_len),
    )?;
    // client_write_key, server_write_key, client_write_IV, server_write_IV.
    let (client_key, rest) = block.split_at_checked(key_len)?;
    let (server_key, rest) = rest.split_at_checked(key_len)?;
    let (client_iv, server_iv) = rest.split_at_checked(iv_len)?;
    Some((
        TrafficKeys {
            key: client_key.to_vec(),
            iv: client_iv.to_vec(),
        },
        TrafficKeys {
            key: server_key.to_vec(),
            iv: server_iv.to_vec(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::octets::{from_hex, to_hex};
    use crate::tls::suite::CipherSuite;

    fn h(s: &str) -> Vec<u8> {
        from_hex(&s.replace([' ', '\n'], "")).unwrap()
    }

    /// RFC 8448 §3 ("Simple 1-RTT Handshake"): the server handshake
    /// traffic secret and the key and iv derived from it.
    #[test]
    fn rfc8448_server_handshake_keys() {
        let secret = h("b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4
                        e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38");
        let suite = CipherSuite::TLS_AES_128_GCM_SHA256.params().unwrap();
        let keys = tls13_traffic_keys(suite, &secret).unwrap();
        assert_eq!(to_hex(&keys.key), "3fce516009c21727d0f2e4e86ee403bc");
        assert_eq!(to_hex(&keys.iv), "5d313eb2671276ee13000b30");
    }

    #[test]
    fn hostile_sizes_do_not_panic() {
        // A PRK shorter than the hash is rejected by HKDF.
        assert!(hkdf_expand_label(HashAlgorithm::Sha256, &[1; 4], b"key", b"", 16).is_none());
        // Output over 255 * hash length is rejected.
        assert!(hkdf_expand_label(HashAlgorithm::Sha256, &[1; 32], b"key", b"", 9000).is_none());
        assert!(
            hkdf_expand_label(HashAlgorithm::Sha256, &[1; 32], &[b'x'; 300], b"", 16).is_none()
        );
        assert_eq!(
            tls12_prf(HashAlgorithm::Sha384, &[], b"x", b"", 100)
                .unwrap()
                .len(),
            100
        );
    }
}
