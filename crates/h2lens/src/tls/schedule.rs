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

    fn unhex(s: &str) -> Vec<u8> {
        h(&s.replace(':', ""))
    }

    /// OpenSSL 3.0 `openssl kdf ... TLS13-KDF` (mode EXPAND_ONLY, prefix
    /// "tls13 ", SHA-384) as the oracle, for a 48-byte secret of 0x44:
    /// labels "key" (32 bytes), "iv" (12) and "traffic upd" (48).
    #[test]
    fn sha384_labels_match_openssl() {
        let secret = [0x44u8; 48];
        let suite = CipherSuite::TLS_AES_256_GCM_SHA384.params().unwrap();
        let keys = tls13_traffic_keys(suite, &secret).unwrap();
        assert_eq!(
            keys.key,
            unhex("6D:7C:DD:22:C5:D5:09:96:65:84:43:35:01:2E:57:7D:8D:D3:A5:AD:24:78:F0:44:8E:5D:F3:F6:2A:C9:EB:F4")
        );
        assert_eq!(keys.iv, unhex("AD:BF:85:B3:C8:3A:31:D8:67:D5:C4:D4"));
        assert_eq!(
            tls13_next_secret(HashAlgorithm::Sha384, &secret).unwrap(),
            unhex("7D:B4:EA:2B:49:63:90:62:CC:8F:6F:CD:68:10:6E:E5:C8:B8:08:C5:BC:27:88:29:C1:00:6D:54:40:28:C1:3F:BC:5A:C2:58:D2:A2:09:FA:74:C2:1E:8D:F0:A9:8B:57")
        );
    }

    /// OpenSSL 3.0 `openssl kdf ... TLS1-PRF` as the oracle (its seeds
    /// are concatenated after the label).
    #[test]
    fn tls12_prf_matches_openssl() {
        // -kdfopt digest:SHA256 -kdfopt hexsecret:000102…0f
        // -kdfopt seed:"key expansion" -kdfopt hexseed:a0a1a2a3, 40 bytes
        let secret: Vec<u8> = (0..16).collect();
        assert_eq!(
            tls12_prf(HashAlgorithm::Sha256, &secret, b"key expansion", &[0xa0, 0xa1, 0xa2, 0xa3], 40).unwrap(),
            unhex("FE:5B:B4:FC:DA:71:45:EC:68:D4:10:A8:17:6F:08:86:BB:A4:BF:01:38:18:0B:0A:74:0E:EF:CD:B8:03:D7:5D:68:BE:80:A0:C3:5A:4D:C0")
        );
        // SHA-384, 48-byte secret of 0x11, seed 0x22 × 32 then 0x33 × 32.
        let seed = [[0x22u8; 32], [0x33u8; 32]].concat();
        let block = unhex("4F:E6:9B:3D:CB:5F:54:45:EB:09:DC:33:7E:F9:E3:5C:00:97:1A:7F:F0:45:6F:F5:70:D0:AE:04:A0:14:77:F8:22:51:FA:80:34:EF:85:0E:E2:A5:F1:F7:04:7D:22:A0");
        assert_eq!(
            tls12_prf(
                HashAlgorithm::Sha384,
                &[0x11; 48],
                b"key expansion",
                &seed,
                48
            )
            .unwrap(),
            block
        );
        // Key expansion cuts the same block: server random first in the
        // seed; client key, server key, client IV, server IV.
        let suite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
            .params()
            .unwrap();
        let suite384 = SuiteParams {
            hash: HashAlgorithm::Sha384,
            ..suite
        };
        let (client, server) =
            tls12_key_block(suite384, &[0x11; 48], &[0x33; 32], &[0x22; 32]).unwrap();
        assert_eq!(client.key, block[..16]);
        assert_eq!(server.key, block[16..32]);
        assert_eq!(client.iv, block[32..36]);
        assert_eq!(server.iv, block[36..40]);
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
