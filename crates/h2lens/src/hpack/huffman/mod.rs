//! The HPACK Huffman code (RFC 7541 §5.2, Appendix B).
//!
//! Decoding reads a 64-bit big-endian bit accumulator (refilled 8 bytes at
//! a time) and resolves up to two
//! symbols per lookup in a 4096-entry table indexed by the next 12 bits
//! (every code of up to 12 bits, which covers all the characters common in
//! headers). Longer codes (13..=30 bits) are decoded with the canonical-code
//! tables. Both tables are generated from the RFC text by `generate.rs` and
//! checked in as `table.rs`.

#[cfg(test)]
pub(crate) mod generate;
#[rustfmt::skip]
mod table;

use table::{DECODE, ENCODE, LONG_BASE, LONG_FIRST, LONG_LIMIT, LONG_SYMBOLS};

/// Why a Huffman string is invalid (RFC 7541 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HuffmanError {
    /// The EOS symbol appeared inside the string.
    Eos,
    /// More than 7 bits of padding.
    PaddingTooLong,
    /// Padding bits that are not the most significant bits of EOS (ones).
    PaddingNotOnes,
}

const EOS: u16 = 256;

/// Room [`decode_into`] needs for `src_len` input bytes: one output byte
/// per 5 input bits (the shortest code), plus 8 bytes of slack so that the
/// fast path's 8-byte stores ([`decode_four`]) fit up to the last symbols.
#[inline]
pub(crate) fn max_decoded_len(src_len: usize) -> usize {
    (src_len / 5)
        .saturating_mul(8)
        .saturating_add(src_len % 5 * 8 / 5 + 8)
}

/// Decodes `src`, appending the octets to `out`.
#[cfg(test)]
pub(crate) fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<(), HuffmanError> {
    let start = out.len();
    out.resize(start + max_decoded_len(src.len()), 0);
    let result = decode_into(src, out.get_mut(start..).unwrap_or_default());
    out.truncate(start + *result.as_ref().unwrap_or(&0));
    result.map(|_| ())
}

/// Decodes `src` into the start of `dst`, which must hold at least
/// [`max_decoded_len`]`(src.len())` bytes, and returns the decoded length.
/// (With a shorter `dst` the output is cut short, never out of bounds.)
pub(crate) fn decode_into(src: &[u8], dst: &mut [u8]) -> Result<usize, HuffmanError> {
    // Valid bits are at the top of `acc`; bits below `nbits` are either zero
    // or the next input bits (a refill ORs the same bits again).
    let mut acc: u64 = 0;
    let mut nbits: u32 = 0;
    let mut rest = src;
    let mut n = 0usize;

    loop {
        // Refill: as many whole bytes as fit, 8 at a time (the last few
        // through a zero-padded word).
        let word = match rest.first_chunk::<8>() {
            Some(chunk) => u64::from_be_bytes(*chunk),
            None => {
                rest.iter()
                    .fold((0u64, 56u32), |(w, shift), b| {
                        (w | u64::from(*b) << shift, shift.wrapping_sub(8))
                    })
                    .0
            }
        };
        acc |= word >> nbits;
        let take = ((63 - nbits) >> 3).min(rest.len() as u32);
        nbits += take * 8;
        rest = rest.get(take as usize..).unwrap_or_default();

        if nbits >= 48 && decode_four(&mut acc, &mut nbits, dst, &mut n) {
            continue;
        }

        // With 12 valid bits, a table entry's codes are all valid.
        while nbits >= 12 {
            let e = lookup(acc);
            let count = (e >> 10) & 3;
            if count == 0 {
                // A code of 13..=30 bits: decode it once it is all here.
                if nbits < 30 && !rest.is_empty() {
                    break;
                }
                match decode_long(acc, nbits.min(30)) {
                    Some((EOS, _)) => return Err(HuffmanError::Eos),
                    Some((sym, len)) => {
                        if let Some(d) = dst.get_mut(n) {
                            *d = sym as u8;
                        }
                        n += 1;
                        acc <<= len;
                        nbits -= len;
                        continue;
                    }
                    // Incomplete at the end of the input: padding check.
                    None => break,
                }
            }
            // Write both symbol slots; only `count` of them are kept.
            if let Some(d) = dst.get_mut(n..n + 2) {
                d.copy_from_slice(&((e >> 16) as u16).to_le_bytes());
            }
            n += count as usize;
            // `BITS` is the low 6 bits: shifting by the entry itself keeps
            // the lookup-to-lookup chain short (see generate.rs).
            acc <<= e & 63;
            nbits -= e & 63;
        }
        if rest.is_empty() {
            break;
        }
    }

    // The last bits: decode only codes that lie entirely within them.
    while nbits > 0 {
        let e = lookup(acc);
        let count = (e >> 10) & 3;
        if count == 0 {
            match decode_long(acc, nbits.min(30)) {
                Some((EOS, _)) => return Err(HuffmanError::Eos),
                Some((sym, len)) => {
                    if let Some(d) = dst.get_mut(n) {
                        *d = sym as u8;
                    }
                    n += 1;
                    acc <<= len;
                    nbits -= len;
                    continue;
                }
                None => break,
            }
        }
        let len1 = (e >> 6) & 0xf;
        if len1 > nbits {
            break;
        }
        let both = e & 63;
        if both <= nbits {
            if let Some(d) = dst.get_mut(n..n + 2) {
                d.copy_from_slice(&((e >> 16) as u16).to_le_bytes());
            }
            n += count as usize;
            acc <<= both;
            nbits -= both;
        } else {
            if let Some(d) = dst.get_mut(n) {
                *d = (e >> 16) as u8;
            }
            n += 1;
            acc <<= len1;
            nbits -= len1;
        }
    }
    // What is left (no whole code) must be padding: the top bits of EOS.
    let ones = (!acc).leading_zeros();
    if nbits > 7 {
        if ones >= nbits {
            Err(HuffmanError::PaddingTooLong)
        } else {
            Err(HuffmanError::PaddingNotOnes)
        }
    } else if ones >= nbits {
        Ok(n.min(dst.len()))
    } else {
        Err(HuffmanError::PaddingNotOnes)
    }
}

/// The fast path: four lookups while at least 48 bits are valid, so that no
/// lookup needs a bit count check (each uses at most 12 bits), and their up
/// to 8 symbols go out in one 8-byte store (only the decoded ones count;
/// the rest of the store is overwritten later or lies past the end). Returns
/// false, having decoded what it could, at a code of 13 bits or more (for
/// the checked loop) or when `dst` has no 8 bytes of room left.
#[inline(always)]
fn decode_four(acc: &mut u64, nbits: &mut u32, dst: &mut [u8], n: &mut usize) -> bool {
    let Some(out) = dst.get_mut(*n..).and_then(|d| d.first_chunk_mut::<8>()) else {
        return false;
    };
    let mut word = 0u64;
    let mut filled = 0u32; // bits of `word` holding symbols
    let mut all_short = true;
    for _ in 0..4 {
        let e = lookup(*acc);
        if e & COUNT_MASK == 0 {
            all_short = false;
            break;
        }
        // SYM2 is zero when COUNT is 1 (generate.rs), so OR-ing both slots
        // leaves the next symbol's byte clear. At most 48 bits are filled
        // before the fourth lookup, so the shift stays below 64.
        word |= u64::from(e >> 16) << filled;
        filled += (e & COUNT_MASK) >> 7; // COUNT × 8
        *acc <<= e & 63;
        *nbits -= e & 63;
    }
    *out = word.to_le_bytes();
    *n += (filled / 8) as usize;
    all_short
}

/// The COUNT field of a `DECODE` entry (bits 10..=11).
const COUNT_MASK: u32 = 3 << 10;

#[inline(always)]
fn lookup(acc: u64) -> u32 {
    DECODE
        .get((acc >> 52) as usize & 0xfff)
        .copied()
        .unwrap_or(0)
}

/// Decodes one code of 13..=`max_len` bits at the top of `acc`.
#[inline(never)]
fn decode_long(acc: u64, max_len: u32) -> Option<(u16, u32)> {
    let top = (acc >> 34) as u32; // 30 bits
    for len in 13..=max_len {
        let code = top >> (30 - len);
        let i = len as usize;
        let limit = LONG_LIMIT.get(i).copied().unwrap_or(0);
        if code < limit {
            let first = LONG_FIRST.get(i).copied().unwrap_or(0);
            let base = LONG_BASE.get(i).copied().unwrap_or(0);
            let pos = usize::from(base) + code.checked_sub(first)? as usize;
            return LONG_SYMBOLS.get(pos).map(|s| (*s, len));
        }
    }
    None
}

/// Number of bytes `src` takes Huffman-coded.
pub(crate) fn encoded_len(src: &[u8]) -> usize {
    let bits: usize = src
        .iter()
        .map(|b| usize::from(ENCODE.get(usize::from(*b)).map_or(0, |(_, l)| *l)))
        .sum();
    bits.div_ceil(8)
}

/// Appends the Huffman coding of `src` to `out`, padded with ones.
pub(crate) fn encode(src: &[u8], out: &mut Vec<u8>) {
    out.reserve(encoded_len(src));
    let mut acc: u64 = 0; // bits at the bottom
    let mut nbits: u32 = 0;
    for b in src {
        let (code, len) = ENCODE.get(usize::from(*b)).copied().unwrap_or((0, 0));
        acc = (acc << len) | u64::from(code);
        nbits += u32::from(len);
        while nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
        }
    }
    if nbits > 0 {
        let pad = 8 - nbits;
        out.push(((acc << pad) | ((1 << pad) - 1)) as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::octets::from_hex;

    fn dec(hex: &str) -> Result<Vec<u8>, HuffmanError> {
        let mut out = Vec::new();
        decode(&from_hex(hex).unwrap(), &mut out).map(|()| out)
    }

    /// Bit-by-bit reference decoder straight from the RFC table.
    fn reference_decode(src: &[u8]) -> Result<Vec<u8>, HuffmanError> {
        let codes = generate::parse_appendix_b(generate::APPENDIX_B);
        let mut out = Vec::new();
        let (mut code, mut len) = (0u32, 0u8);
        for byte in src {
            for i in (0..8).rev() {
                code = (code << 1) | u32::from((byte >> i) & 1);
                len += 1;
                if let Some(sym) = codes.iter().position(|c| *c == (code, len)) {
                    if sym == 256 {
                        return Err(HuffmanError::Eos);
                    }
                    out.push(sym as u8);
                    code = 0;
                    len = 0;
                }
            }
        }
        if len > 7 {
            if code == (1 << len) - 1 {
                return Err(HuffmanError::PaddingTooLong);
            }
            return Err(HuffmanError::PaddingNotOnes);
        }
        if code != (1 << len) - 1 {
            return Err(HuffmanError::PaddingNotOnes);
        }
        Ok(out)
    }

    #[test]
    fn rfc7541_appendix_c_strings() {
        // C.4.1, C.4.2, C.4.3, C.6.1 strings.
        assert_eq!(dec("f1e3c2e5f23a6ba0ab90f4ff").unwrap(), b"www.example.com");
        assert_eq!(dec("a8eb10649cbf").unwrap(), b"no-cache");
        assert_eq!(dec("25a849e95ba97d7f").unwrap(), b"custom-key");
        assert_eq!(dec("25a849e95bb8e8b4bf").unwrap(), b"custom-value");
        assert_eq!(dec("6402").unwrap(), b"302");
        assert_eq!(dec("aec3771a4b").unwrap(), b"private");
        assert_eq!(
            dec("d07abe941054d444a8200595040b8166e082a62d1bff").unwrap(),
            b"Mon, 21 Oct 2013 20:13:21 GMT"
        );
        assert_eq!(
            dec("9d29ad171863c78f0b97c8e9ae82ae43d3").unwrap(),
            b"https://www.example.com"
        );
        assert_eq!(
            dec("94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007").unwrap(),
            b"foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"
        );
    }

    #[test]
    fn empty_string() {
        assert_eq!(dec("").unwrap(), b"");
    }

    #[test]
    fn padding_rules() {
        // "0" is 00000; padded with 111 → 0x07.
        assert_eq!(dec("07").unwrap(), b"0");
        // Padded with zeros.
        assert_eq!(dec("00").unwrap_err(), HuffmanError::PaddingNotOnes);
        // A whole byte of ones after a symbol: 8 bits of padding.
        assert_eq!(dec("07ff").unwrap_err(), HuffmanError::PaddingTooLong);
        assert_eq!(dec("ff").unwrap_err(), HuffmanError::PaddingTooLong);
        // EOS (30 ones) then 2 ones of padding.
        assert_eq!(dec("ffffffff").unwrap_err(), HuffmanError::Eos);
        // 'a' (00011) + EOS + padding: EOS inside the string.
        assert_eq!(dec("1fffffffff").unwrap_err(), HuffmanError::Eos);
        // An incomplete long code (13+ bits) at the end.
        assert_eq!(dec("fffe").unwrap_err(), HuffmanError::PaddingNotOnes);
    }

    #[test]
    fn every_symbol_round_trips_alone_and_in_runs() {
        for b in 0..=255u8 {
            for n in [1usize, 2, 3, 7, 8, 9, 17] {
                let src = vec![b; n];
                let mut enc = Vec::new();
                encode(&src, &mut enc);
                assert_eq!(enc.len(), encoded_len(&src));
                let mut dec = Vec::new();
                decode(&enc, &mut dec).unwrap();
                assert_eq!(dec, src, "byte {b} x {n}");
            }
        }
    }

    #[test]
    fn matches_the_bitwise_reference_on_pseudo_random_input() {
        // xorshift, deterministic.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..3000 {
            let len = (next() % 40) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    // Bias towards ones so long codes and EOS show up.
                    if round % 2 == 0 {
                        (r as u8) | (next() as u8)
                    } else {
                        r as u8
                    }
                })
                .collect();
            let mut out = Vec::new();
            let fast = decode(&bytes, &mut out).map(|()| out);
            assert_eq!(fast, reference_decode(&bytes), "input {bytes:02x?}");
        }
    }

    #[test]
    fn one_symbol_entries_leave_the_second_slot_clear() {
        // `decode_four` ORs both symbol slots of every entry into its word.
        for (i, e) in DECODE.iter().enumerate() {
            if e & COUNT_MASK == 1 << 10 {
                assert_eq!(e >> 24, 0, "entry {i:#05x}");
            }
        }
    }

    #[test]
    fn short_output_buffers_cut_the_output_without_going_out_of_bounds() {
        let text = b"custom-key: custom-value; www.example.com/index.html?q=1";
        let mut coded = Vec::new();
        encode(text, &mut coded);
        for room in 0..=max_decoded_len(coded.len()) {
            let mut dst = vec![0u8; room];
            let n = decode_into(&coded, &mut dst).unwrap();
            assert!(n <= room);
            if room >= text.len() + 8 {
                assert_eq!(dst.get(..n).unwrap(), text, "room {room}");
            }
        }
    }
}
