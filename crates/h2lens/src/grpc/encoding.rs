//! Message compression named by `grpc-encoding` (gRPC HTTP2
//! "Message-Encoding"; compression contexts are per message).

use std::io::Read;

use serde::{Serialize, Serializer};

use crate::diag::{Diagnostic, Layer};

/// A `grpc-encoding` value. Unknown codings are kept by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Identity,
    Gzip,
    /// gRPC's "deflate" is the zlib format (RFC 1950), as in HTTP's
    /// `deflate` content coding (RFC 9110 §8.4.1.2), not raw DEFLATE.
    Deflate,
    /// Any other coding (`snappy`, `zstd`, custom): messages stay raw.
    Other(String),
}

impl Encoding {
    /// Parses a `grpc-encoding` value (case-insensitive, trimmed).
    pub fn parse(value: &[u8]) -> Encoding {
        let text = String::from_utf8_lossy(value).trim().to_ascii_lowercase();
        match text.as_str() {
            "identity" | "" => Encoding::Identity,
            "gzip" => Encoding::Gzip,
            "deflate" => Encoding::Deflate,
            _ => Encoding::Other(text),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Encoding::Identity => "identity",
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
            Encoding::Other(name) => name,
        }
    }
}

impl Serialize for Encoding {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Why a compressed message could not be decompressed.
pub(crate) enum DecompressError {
    /// No decoder for this coding; the message stays raw.
    Unsupported,
    /// The stream is corrupt (flate2's words).
    Corrupt(String),
    /// More than `limit` bytes came out.
    TooLarge { limit: u32 },
}

/// Decompresses one message, reading at most `limit` output bytes.
pub(crate) fn decompress(
    encoding: &Encoding,
    input: &[u8],
    limit: u32,
) -> Result<Vec<u8>, DecompressError> {
    let cap = u64::from(limit).saturating_add(1);
    let mut out = Vec::new();
    let result = match encoding {
        Encoding::Identity => {
            out.extend_from_slice(input);
            Ok(out.len())
        }
        Encoding::Gzip => flate2::read::GzDecoder::new(input)
            .take(cap)
            .read_to_end(&mut out),
        Encoding::Deflate => flate2::read::ZlibDecoder::new(input)
            .take(cap)
            .read_to_end(&mut out),
        Encoding::Other(_) => return Err(DecompressError::Unsupported),
    };
    match result {
        Ok(_) if out.len() as u64 > u64::from(limit) => Err(DecompressError::TooLarge { limit }),
        Ok(_) => Ok(out),
        Err(e) => Err(DecompressError::Corrupt(e.to_string())),
    }
}

impl DecompressError {
    pub(crate) fn diagnostic(&self, encoding: &Encoding, index: u32) -> Diagnostic {
        match self {
            DecompressError::Unsupported => Diagnostic::warning(
                Layer::Grpc,
                "grpc.unknown_encoding",
                format!(
                    "message {index} is compressed with \"{}\", which h2lens cannot decompress; \
                     its bytes are kept as sent",
                    encoding.name()
                ),
            ),
            DecompressError::Corrupt(why) => Diagnostic::error(
                Layer::Grpc,
                "grpc.decompress_failed",
                format!(
                    "message {index} does not decompress as {}: {why}",
                    encoding.name()
                ),
            ),
            DecompressError::TooLarge { limit } => Diagnostic::warning(
                Layer::Grpc,
                "grpc.decompressed_too_large",
                format!(
                    "message {index} decompresses to more than {limit} bytes; \
                     the decompressed form is not kept{}",
                    crate::config::limit_hint("grpc.max_decompressed_size")
                ),
            ),
        }
        .rfc("gRPC HTTP2 Message-Encoding")
    }
}
