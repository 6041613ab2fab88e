//! `grpc-timeout` (gRPC HTTP2 "Timeout"): at most 8 ASCII digits and a
//! unit: `H` hours, `M` minutes, `S` seconds, `m` ms, `u` µs, `n` ns.

use serde::Serialize;

use crate::diag::{Diagnostic, Layer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutUnit {
    Hours,
    Minutes,
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
}

impl TimeoutUnit {
    fn from_byte(b: u8) -> Option<TimeoutUnit> {
        Some(match b {
            b'H' => TimeoutUnit::Hours,
            b'M' => TimeoutUnit::Minutes,
            b'S' => TimeoutUnit::Seconds,
            b'm' => TimeoutUnit::Milliseconds,
            b'u' => TimeoutUnit::Microseconds,
            b'n' => TimeoutUnit::Nanoseconds,
            _ => return None,
        })
    }

    pub fn nanos(self) -> u64 {
        match self {
            TimeoutUnit::Hours => 3_600_000_000_000,
            TimeoutUnit::Minutes => 60_000_000_000,
            TimeoutUnit::Seconds => 1_000_000_000,
            TimeoutUnit::Milliseconds => 1_000_000,
            TimeoutUnit::Microseconds => 1_000,
            TimeoutUnit::Nanoseconds => 1,
        }
    }
}

/// A parsed `grpc-timeout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GrpcTimeout {
    pub value: u32,
    pub unit: TimeoutUnit,
    /// The timeout in nanoseconds. 99999999H is 3.6e20 ns, beyond `u64`:
    /// such values saturate at `u64::MAX` (about 584 years).
    #[serde(serialize_with = "crate::jsint::u64")]
    pub nanos: u64,
}

/// Parses a `grpc-timeout` value.
pub fn parse_timeout(value: &[u8]) -> Result<GrpcTimeout, Diagnostic> {
    let bad = |why: &str| {
        Diagnostic::error(
            Layer::Grpc,
            "grpc.bad_timeout",
            format!(
                "grpc-timeout \"{}\" is invalid: {why}",
                crate::octets::display_bytes(value)
            ),
        )
        .rfc("gRPC HTTP2 Timeout")
    };
    let Some((&unit, digits)) = value.split_last() else {
        return Err(bad("it is empty"));
    };
    let Some(unit) = TimeoutUnit::from_byte(unit) else {
        return Err(bad("the unit must be one of H M S m u n"));
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(bad("the value must be 1 to 8 ASCII digits"));
    }
    if digits.len() > 8 {
        return Err(bad("the value has more than 8 digits"));
    }
    let value = digits.iter().fold(0u32, |acc, d| {
        acc.saturating_mul(10).saturating_add(u32::from(d - b'0'))
    });
    Ok(GrpcTimeout {
        value,
        unit,
        nanos: u64::from(value).saturating_mul(unit.nanos()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_timeout(b"5S").unwrap().nanos, 5_000_000_000);
        assert_eq!(parse_timeout(b"299999u").unwrap().nanos, 299_999_000);
        assert_eq!(parse_timeout(b"1H").unwrap().nanos, 3_600_000_000_000);
        assert_eq!(parse_timeout(b"2M").unwrap().nanos, 120_000_000_000);
        assert_eq!(parse_timeout(b"7m").unwrap().nanos, 7_000_000);
        assert_eq!(parse_timeout(b"12345678n").unwrap().nanos, 12_345_678);
        for bad in [&b""[..], b"S", b"123456789S", b"5s", b"-5S", b"5 S", b"5"] {
            assert_eq!(
                parse_timeout(bad).unwrap_err().code,
                "grpc.bad_timeout",
                "{bad:?}"
            );
        }
    }
}
