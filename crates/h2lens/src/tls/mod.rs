//! TLS decryption with a key log: the record layer, the key schedule and
//! AEAD record protection, so that what TLS carries can be decoded.
//!
//! ```text
//! NSS key log (--keylog, pcapng DSB) ─ KeyLog ─┐
//! ClientHello / ServerHello (net::tls) ────────┼─ Session ─ application data
//! a TCP connection's two byte streams ─────────┘            (plaintext, per record)
//! ```
//!
//! Knows nothing of HTTP/2: [`Session`] turns each direction's TCP bytes
//! into decrypted application data with the span of the record that
//! carried it; the connection decoder (`conn`) reads HTTP/2 from that.
//!
//! Supported: TLS 1.3 (RFC 8446) with TLS_AES_128_GCM_SHA256,
//! TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, HelloRetryRequest
//! and KeyUpdate; TLS 1.2 (RFC 5246) with the AES-GCM (RFC 5288) and
//! ChaCha20-Poly1305 (RFC 7905) suites — every suite HTTP/2 allows
//! (RFC 9113 §9.2.2). Not supported (reported, never guessed): CBC and CCM
//! suites, 0-RTT early data, RSA pre-master secrets, TLS 1.2
//! renegotiation, and anything after lost bytes.
//!
//! Pure Rust (RustCrypto `aes-gcm`, `chacha20poly1305`, `hkdf`, `hmac`,
//! `sha2`), no randomness: builds for wasm32.

mod aead;
pub mod keylog;
pub mod record;
pub mod schedule;
mod session;
pub mod suite;

pub use aead::xor_nonce;
pub use keylog::{KeyLog, SessionSecrets};
pub use session::{Session, SessionEvent, TlsDirStats, Undecrypted};
pub use suite::{AeadAlgorithm, CipherSuite, HashAlgorithm, SuiteParams};
