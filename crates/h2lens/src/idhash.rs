//! Hashing for maps keyed by ids the input controls (stream ids,
//! connection numbers).
//!
//! The standard SipHash costs about as much per frame as a lookup is worth
//! in the connection decoder's hot path. Here a key is mixed with a
//! per-map random seed through the splitmix64 finalizer (a bijection with
//! full avalanche), so nearby ids spread over the table and an input
//! cannot line ids up in one bucket without knowing the seed. Every map
//! that uses it is also bounded by a `Config` limit.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};

pub(crate) type IdMap<K, V> = HashMap<K, V, IdHash>;
pub(crate) type IdSet<K> = HashSet<K, IdHash>;

/// Builds [`IdHasher`]s sharing one random seed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IdHash {
    seed: u64,
}

impl Default for IdHash {
    fn default() -> Self {
        IdHash {
            seed: std::collections::hash_map::RandomState::new().hash_one(0x6832_6c65_6e73u64),
        }
    }
}

impl BuildHasher for IdHash {
    type Hasher = IdHasher;

    fn build_hasher(&self) -> IdHasher {
        IdHasher(self.seed)
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            if let Some(dst) = word.get_mut(..chunk.len()) {
                dst.copy_from_slice(chunk);
            }
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = mix(self.0 ^ n);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The splitmix64 finalizer.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_share_low_bits_spread_over_buckets() {
        let build = IdHash::default();
        // Ids equal modulo 2^16 land in different buckets of a 2^16 table.
        let mut buckets = HashSet::new();
        for i in 0..1000u32 {
            buckets.insert(build.hash_one(1 + (i << 16)) & 0xffff);
        }
        assert!(buckets.len() > 900, "{}", buckets.len());
        let mut map: IdMap<u32, u32> = IdMap::default();
        for i in 0..1000 {
            map.insert(i * 2 + 1, i);
        }
        assert_eq!(map.get(&41), Some(&20));
        assert_eq!(map.len(), 1000);
    }
}
