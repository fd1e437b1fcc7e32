//! Content fingerprints of records, for the leakage check across splits.

/// FNV-1a over bytes: a stable, fast content fingerprint for
/// a record key (not for security).
pub fn content_key(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// [`content_key`] of float values, by their bit patterns.
pub fn float_key(values: &[f32]) -> u64 {
    content_key(values.iter().flat_map(|v| v.to_bits().to_le_bytes()))
}
