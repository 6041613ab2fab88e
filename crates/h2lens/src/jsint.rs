//! 64-bit integers that input can push past 2^53 - 1, serialized so that
//! JSON readers keep them exact.
//!
//! JavaScript numbers (and many JSON readers) are IEEE doubles: above
//! 2^53 - 1 (`Number.MAX_SAFE_INTEGER`) integers silently lose precision.
//! Fields whose value comes straight from input (protobuf varints and
//! fixed64s, `grpc-timeout`, durations between capture timestamps, tap
//! counters) use these helpers with `#[serde(serialize_with = …)]`: a number
//! when it is within ±(2^53 - 1), else its decimal digits as a string. The
//! same rule applies to the CLI's `--json` and the npm package (one schema).
//!
//! Counters and offsets bounded by the input's size stay plain numbers.

use serde::{Serialize, Serializer};

/// `Number.MAX_SAFE_INTEGER`.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A `u64` that serializes as a string beyond [`MAX_SAFE_INTEGER`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SafeU64(pub u64);

/// An `i64` that serializes as a string beyond ±[`MAX_SAFE_INTEGER`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SafeI64(pub i64);

impl Serialize for SafeU64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 <= MAX_SAFE_INTEGER {
            s.serialize_u64(self.0)
        } else {
            s.collect_str(&self.0)
        }
    }
}

impl Serialize for SafeI64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.unsigned_abs() <= MAX_SAFE_INTEGER {
            s.serialize_i64(self.0)
        } else {
            s.collect_str(&self.0)
        }
    }
}

pub fn u64<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    SafeU64(*v).serialize(s)
}

pub fn i64<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    SafeI64(*v).serialize(s)
}

pub fn opt_u64<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    v.map(SafeU64).serialize(s)
}

pub fn opt_i64<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    v.map(SafeI64).serialize(s)
}

pub fn opt_vec_u64<S: Serializer>(v: &Option<Vec<u64>>, s: S) -> Result<S::Ok, S::Error> {
    v.as_deref().map(SafeSlice).serialize(s)
}

struct SafeSlice<'a>(&'a [u64]);

impl Serialize for SafeSlice<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|v| SafeU64(*v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct T {
        #[serde(serialize_with = "u64")]
        a: u64,
        #[serde(serialize_with = "i64")]
        b: i64,
        #[serde(serialize_with = "opt_u64")]
        c: Option<u64>,
        #[serde(serialize_with = "opt_i64")]
        d: Option<i64>,
        #[serde(serialize_with = "opt_vec_u64")]
        e: Option<Vec<u64>>,
    }

    #[test]
    fn numbers_within_2_53_strings_beyond() {
        let t = T {
            a: MAX_SAFE_INTEGER,
            b: -(MAX_SAFE_INTEGER as i64),
            c: Some(MAX_SAFE_INTEGER + 1),
            d: Some(i64::MIN),
            e: Some(vec![0, u64::MAX]),
        };
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"a":9007199254740991,"b":-9007199254740991,"c":"9007199254740992","d":"-9223372036854775808","e":[0,"18446744073709551615"]}"#
        );
        let t = T {
            a: u64::MAX,
            b: i64::MAX,
            c: None,
            d: None,
            e: None,
        };
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"a":"18446744073709551615","b":"9223372036854775807","c":null,"d":null,"e":null}"#
        );
    }

    #[test]
    fn protobuf_varints_beyond_2_53_are_strings_in_json() {
        use crate::protobuf::raw::{decode_raw, RawLimits};
        // Field 1 VARINT 2^64 - 1 (ten bytes), field 2 VARINT 300.
        let mut msg = vec![0x08];
        msg.extend_from_slice(&[0xff; 9]);
        msg.push(0x01);
        msg.extend_from_slice(&[0x10, 0xac, 0x02]);
        let json = serde_json::to_value(decode_raw(&msg, RawLimits::default())).unwrap();
        let fields = &json["message"]["fields"];
        assert_eq!(fields[0]["value"]["value"], "18446744073709551615");
        assert_eq!(fields[0]["value"]["int64"], -1);
        assert_eq!(fields[0]["value"]["sint64"], "-9223372036854775808");
        assert_eq!(fields[1]["value"]["value"], 300);
    }
}
