//! Prefixed integers (RFC 7541 §5.1).

/// Why an integer could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntError {
    /// The input ended inside the integer.
    Truncated,
    /// The value exceeds 2^32-1, or more than 5 continuation octets
    /// (5 × 7 bits already exceed 32) were used.
    Overflow,
}

/// Continuation octets after the prefix: 5 carry 35 bits, more than any
/// `u32` needs; a sixth is rejected without being read further.
const MAX_CONTINUATION: usize = 5;

/// Reads an integer whose first octet keeps its value in the low
/// `prefix_bits` bits (1..=8). Returns the value and the octets used.
#[inline]
pub(crate) fn decode(buf: &[u8], prefix_bits: u8) -> Result<(u32, usize), IntError> {
    let mask: u8 = (((1u16) << prefix_bits) - 1) as u8;
    let Some((first, rest)) = buf.split_first() else {
        return Err(IntError::Truncated);
    };
    let prefix = first & mask;
    if prefix < mask {
        return Ok((u32::from(prefix), 1));
    }
    let mut value = u64::from(mask);
    let mut shift = 0u32;
    for (i, byte) in rest.iter().enumerate() {
        if i >= MAX_CONTINUATION {
            return Err(IntError::Overflow);
        }
        value += u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(value)
                .map(|v| (v, i + 2))
                .map_err(|_| IntError::Overflow);
        }
        shift += 7;
    }
    if rest.len() >= MAX_CONTINUATION {
        Err(IntError::Overflow)
    } else {
        Err(IntError::Truncated)
    }
}

/// Appends `value` with an `prefix_bits`-bit prefix; `flags` are the high
/// bits of the first octet (the representation pattern).
pub(crate) fn encode(value: u32, prefix_bits: u8, flags: u8, out: &mut Vec<u8>) {
    let mask: u32 = (1u32 << prefix_bits) - 1;
    if value < mask {
        out.push(flags | value as u8);
        return;
    }
    out.push(flags | mask as u8);
    let mut rest = value - mask;
    while rest >= 128 {
        out.push((rest % 128) as u8 | 0x80);
        rest /= 128;
    }
    out.push(rest as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7541_c1_examples() {
        // C.1.1: 10 with a 5-bit prefix.
        let mut out = Vec::new();
        encode(10, 5, 0, &mut out);
        assert_eq!(out, [0b0000_1010]);
        assert_eq!(decode(&out, 5), Ok((10, 1)));
        // C.1.2: 1337 with a 5-bit prefix: 31, 154, 10.
        out.clear();
        encode(1337, 5, 0, &mut out);
        assert_eq!(out, [31, 154, 10]);
        assert_eq!(decode(&out, 5), Ok((1337, 3)));
        // C.1.3: 42 on an 8-bit prefix.
        out.clear();
        encode(42, 8, 0, &mut out);
        assert_eq!(out, [42]);
        assert_eq!(decode(&out, 8), Ok((42, 1)));
    }

    #[test]
    fn prefix_bits_outside_the_prefix_are_ignored() {
        assert_eq!(decode(&[0xea], 5), Ok((10, 1)));
        assert_eq!(decode(&[0xff, 0x00], 7), Ok((127, 2)));
    }

    #[test]
    fn limits() {
        // 2^32-1 with a 5-bit prefix: 31 + (2^32-1-31).
        let mut out = Vec::new();
        encode(u32::MAX, 5, 0, &mut out);
        assert_eq!(out.len(), 6);
        assert_eq!(decode(&out, 5), Ok((u32::MAX, 6)));
        // 2^32: one too many.
        assert_eq!(
            decode(&[0x1f, 0xe1, 0xff, 0xff, 0xff, 0x0f], 5),
            Err(IntError::Overflow)
        );
        // Redundant zero continuations are allowed up to five octets ...
        assert_eq!(
            decode(&[0x1f, 0x80, 0x80, 0x80, 0x80, 0x00], 5),
            Ok((31, 6))
        );
        // ... but not six.
        assert_eq!(
            decode(&[0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 5),
            Err(IntError::Overflow)
        );
        // Six continuation octets with the input ending there.
        assert_eq!(
            decode(&[0x1f, 0x80, 0x80, 0x80, 0x80, 0x80], 5),
            Err(IntError::Overflow)
        );
        assert_eq!(decode(&[0x1f, 0x80, 0x80], 5), Err(IntError::Truncated));
        assert_eq!(decode(&[0x1f], 5), Err(IntError::Truncated));
        assert_eq!(decode(&[], 5), Err(IntError::Truncated));
    }

    #[test]
    fn round_trip_every_prefix() {
        for prefix in 1..=8u8 {
            for v in [
                0u32,
                1,
                30,
                31,
                32,
                126,
                127,
                128,
                254,
                255,
                256,
                16383,
                16384,
                1 << 21,
                u32::MAX - 1,
                u32::MAX,
            ] {
                let mut out = Vec::new();
                encode(v, prefix, 0, &mut out);
                assert_eq!(
                    decode(&out, prefix),
                    Ok((v, out.len())),
                    "{v} on {prefix} bits"
                );
            }
        }
    }
}
