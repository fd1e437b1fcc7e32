//! The one hash the crate uses for fingerprints and canonical keys: the
//! SplitMix64 finaliser, chained. Only wrapping 64-bit integer arithmetic,
//! so values are identical on every platform, compiler and run; changing
//! anything here changes every stored fingerprint.

/// Golden-ratio increment of SplitMix64; also keeps `combine(0, 0)` away
/// from zero.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function: a bijection that spreads every input
/// bit over the whole word.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Folds `value` into the running hash `h`; order matters, as it should
/// for a sequence.
pub(crate) fn combine(h: u64, value: u64) -> u64 {
    mix64(h.rotate_left(23) ^ mix64(value.wrapping_add(GOLDEN)))
}

/// A 64-bit hash of bytes under a seed (8-byte little-endian chunks).
pub(crate) fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = mix64(seed ^ GOLDEN);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = combine(h, u64::from_le_bytes(word));
    }
    let mut last = [0u8; 8];
    let rest = chunks.remainder();
    last[..rest.len()].copy_from_slice(rest);
    // The length separates "ab" from "ab\0".
    combine(combine(h, u64::from_le_bytes(last)), bytes.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_pinned() {
        // These numbers are part of the fingerprint format: if this test
        // fails, every saved fingerprint and key has changed.
        assert_eq!(mix64(0), 0);
        assert_eq!(mix64(1), 0x5692_161D_100B_05E5);
        assert_ne!(combine(0, 0), 0);
        assert_ne!(combine(1, 2), combine(2, 1));
        assert_ne!(hash_bytes(0, b"ab"), hash_bytes(0, b"ab\0"));
        assert_ne!(hash_bytes(0, b"ab"), hash_bytes(1, b"ab"));
    }
}
