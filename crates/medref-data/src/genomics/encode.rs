//! From ASCII bases to the numbers a DNA model reads: one-hot `[4, L]`
//! encoding (channels A, C, G, T), reverse complements, and the check that
//! readers run before anything is encoded.
//!
//! Encoding is on the hot path of every batch, so [`one_hot_encode`] is
//! infallible and branch-light: readers call [`validate_sequence`] once when
//! data is loaded, and the encoder trusts its input. Bytes that validation
//! would reject encode as all zeros (never a panic).
//!
//! Ambiguous bases are encoded by the share of each base they stand for
//! ([`IUPAC_SHARES`]): `N` is 0.25 everywhere, `R` (A or G) is 0.5 on A and
//! on G, `B` (not A) is 1/3 on C, G and T. A model then sees "unknown" as
//! "any base, equally likely" rather than as a fifth letter. Lowercase
//! (soft-masked repeats in reference genomes) encodes like uppercase.

/// The order of the four channels of every one-hot encoding.
pub const CHANNELS: [u8; 4] = *b"ACGT";

const H: f32 = 0.5;
const T3: f32 = 1.0 / 3.0;
const Q: f32 = 0.25;

/// Every accepted nucleotide code (uppercase; lowercase is accepted too)
/// with the share of A, C, G, T it stands for. `U` (uracil, RNA) counts as
/// T. Each row sums to 1.
///
/// | code | bases | A | C | G | T |
/// |---|---|---|---|---|---|
/// | A, C, G, T | itself | one-hot | | | |
/// | U | T (RNA) | 0 | 0 | 0 | 1 |
/// | R | A or G (purine) | 1/2 | 0 | 1/2 | 0 |
/// | Y | C or T (pyrimidine) | 0 | 1/2 | 0 | 1/2 |
/// | S | G or C (strong) | 0 | 1/2 | 1/2 | 0 |
/// | W | A or T (weak) | 1/2 | 0 | 0 | 1/2 |
/// | K | G or T (keto) | 0 | 0 | 1/2 | 1/2 |
/// | M | A or C (amino) | 1/2 | 1/2 | 0 | 0 |
/// | B | not A | 0 | 1/3 | 1/3 | 1/3 |
/// | D | not C | 1/3 | 0 | 1/3 | 1/3 |
/// | H | not G | 1/3 | 1/3 | 0 | 1/3 |
/// | V | not T | 1/3 | 1/3 | 1/3 | 0 |
/// | N | any base | 1/4 | 1/4 | 1/4 | 1/4 |
pub const IUPAC_SHARES: [(u8, [f32; 4]); 16] = [
    (b'A', [1.0, 0.0, 0.0, 0.0]),
    (b'C', [0.0, 1.0, 0.0, 0.0]),
    (b'G', [0.0, 0.0, 1.0, 0.0]),
    (b'T', [0.0, 0.0, 0.0, 1.0]),
    (b'U', [0.0, 0.0, 0.0, 1.0]),
    (b'R', [H, 0.0, H, 0.0]),
    (b'Y', [0.0, H, 0.0, H]),
    (b'S', [0.0, H, H, 0.0]),
    (b'W', [H, 0.0, 0.0, H]),
    (b'K', [0.0, 0.0, H, H]),
    (b'M', [H, H, 0.0, 0.0]),
    (b'B', [0.0, T3, T3, T3]),
    (b'D', [T3, 0.0, T3, T3]),
    (b'H', [T3, T3, 0.0, T3]),
    (b'V', [T3, T3, T3, 0.0]),
    (b'N', [Q, Q, Q, Q]),
];

/// Complementary code of each IUPAC code, uppercase (`U` pairs with `A`,
/// and `A` with `T`). `S`, `W` and `N` are their own complements.
const COMPLEMENT_PAIRS: [(u8, u8); 16] = [
    (b'A', b'T'),
    (b'C', b'G'),
    (b'G', b'C'),
    (b'T', b'A'),
    (b'U', b'A'),
    (b'R', b'Y'),
    (b'Y', b'R'),
    (b'S', b'S'),
    (b'W', b'W'),
    (b'K', b'M'),
    (b'M', b'K'),
    (b'B', b'V'),
    (b'D', b'H'),
    (b'H', b'D'),
    (b'V', b'B'),
    (b'N', b'N'),
];

/// Shares of A, C, G, T for every byte; all zeros for bytes that are not
/// nucleotide codes. 4 KiB: stays in L1 cache while encoding.
static ONE_HOT_TABLE: [[f32; 4]; 256] = {
    let mut table = [[0.0f32; 4]; 256];
    let mut i = 0;
    while i < IUPAC_SHARES.len() {
        let (code, shares) = IUPAC_SHARES[i];
        table[code as usize] = shares;
        table[code.to_ascii_lowercase() as usize] = shares;
        i += 1;
    }
    table
};

/// Whether each byte is an accepted nucleotide code (either case).
static IS_NUCLEOTIDE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < IUPAC_SHARES.len() {
        let code = IUPAC_SHARES[i].0;
        table[code as usize] = true;
        table[code.to_ascii_lowercase() as usize] = true;
        i += 1;
    }
    table
};

/// The complement of each byte, keeping case; bytes that are not
/// nucleotide codes map to themselves.
static COMPLEMENT: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b as u8;
        b += 1;
    }
    let mut i = 0;
    while i < COMPLEMENT_PAIRS.len() {
        let (code, complement) = COMPLEMENT_PAIRS[i];
        table[code as usize] = complement;
        table[code.to_ascii_lowercase() as usize] = complement.to_ascii_lowercase();
        i += 1;
    }
    table
};

/// What readers say a sequence may hold, for error messages.
pub(crate) const EXPECTED_BASES: &str =
    "expected A, C, G, T or an IUPAC code (N, R, Y, S, W, K, M, B, D, H, V, U), in either case";

/// Checks that every byte is a nucleotide code of [`IUPAC_SHARES`], upper
/// or lower case. On failure returns the 0-based position and the first
/// offending byte, so a reader can name the line and column.
pub fn validate_sequence(seq: &[u8]) -> Result<(), (usize, u8)> {
    match seq.iter().position(|&b| !IS_NUCLEOTIDE[b as usize]) {
        None => Ok(()),
        Some(i) => Err((i, seq[i])),
    }
}

/// Validates `seq` and folds it to uppercase in place: the form every
/// genomics reader stores.
pub(crate) fn normalise_sequence(seq: &mut [u8]) -> Result<(), (usize, u8)> {
    validate_sequence(seq)?;
    seq.make_ascii_uppercase();
    Ok(())
}

/// A byte as a reader's error message shows it: printable characters in
/// backticks, whitespace and control bytes by name or hex.
pub(crate) fn describe_byte(b: u8) -> String {
    match b {
        b' ' => "a space".into(),
        b'\t' => "a tab".into(),
        b'\r' => "a carriage return (\\r)".into(),
        0x21..=0x7E => format!("`{}`", b as char),
        _ => format!("byte 0x{b:02X}"),
    }
}

/// Bases per block: each block is encoded channel by channel while its
/// bytes sit in L1 cache.
const BLOCK: usize = 256;

/// The bit pattern of `1.0f32`; `ONE & mask` gives 1.0 or 0.0 without a
/// branch, which lets the compiler vectorise the plain-ACGT path.
const ONE_BITS: u32 = 0x3F80_0000;

/// One-hot encodes equal-length sequences into `[batch, 4, len]` (rows
/// A, C, G, T; see [`one_hot_encode`] for N and IUPAC codes), the array a
/// DNA model's batch is made of.
pub fn one_hot_batch<'a>(sequences: impl ExactSizeIterator<Item = &'a [u8]>, len: usize) -> ndarray::Array3<f32> {
    let mut out = ndarray::Array3::<f32>::zeros((sequences.len(), 4, len));
    for (mut row, seq) in out.outer_iter_mut().zip(sequences) {
        one_hot_encode(seq, row.as_slice_mut().expect("a fresh array is contiguous"));
    }
    out
}

/// One-hot encodes `seq` into `out`, channels-first `[4, L]` with channels
/// A, C, G, T (row `c` holds `out[c * L..(c + 1) * L]`), `L = seq.len()`.
///
/// Ambiguity codes give fractional shares ([`IUPAC_SHARES`]); lowercase
/// encodes like uppercase; bytes [`validate_sequence`] rejects give zeros.
/// Every block of bases is first encoded as if it were plain A/C/G/T
/// (branch-free, vectorised); in the rare blocks that hold another byte,
/// those positions are then overwritten from a 256-entry lookup table.
///
/// # Panics
/// If `out.len() != 4 * seq.len()` (a caller's sizing bug, not bad data).
pub fn one_hot_encode(seq: &[u8], out: &mut [f32]) {
    let len = seq.len();
    assert_eq!(
        out.len(),
        4 * len,
        "one_hot_encode: output holds {} floats but a sequence of {len} bases needs [4, {len}] = {}",
        out.len(),
        4 * len
    );
    let (a, rest) = out.split_at_mut(len);
    let (c, rest) = rest.split_at_mut(len);
    let (g, t) = rest.split_at_mut(len);
    let rows = a.chunks_mut(BLOCK).zip(c.chunks_mut(BLOCK)).zip(g.chunks_mut(BLOCK)).zip(t.chunks_mut(BLOCK));
    for (block, (((a, c), g), t)) in seq.chunks(BLOCK).zip(rows) {
        plain_channel(block, b'A', a);
        plain_channel(block, b'C', c);
        plain_channel(block, b'G', g);
        plain_channel(block, b'T', t);
        if !is_plain_acgt(block) {
            // Rare: patch the N / IUPAC / invalid bytes from the table,
            // scanning only the 16-byte pieces that hold any.
            for (piece, bytes) in block.chunks(16).enumerate() {
                if is_plain_acgt(bytes) {
                    continue;
                }
                for (j, &b) in bytes.iter().enumerate() {
                    if !is_acgt(b) {
                        let i = piece * 16 + j;
                        let shares = &ONE_HOT_TABLE[b as usize];
                        a[i] = shares[0];
                        c[i] = shares[1];
                        g[i] = shares[2];
                        t[i] = shares[3];
                    }
                }
            }
        }
    }
}

/// One-hot encoding of `seq` as a new `[4, L]` buffer (see
/// [`one_hot_encode`]).
pub fn one_hot(seq: &[u8]) -> Vec<f32> {
    let mut out = vec![0.0; 4 * seq.len()];
    one_hot_encode(seq, &mut out);
    out
}

/// Whether every byte of `block` is A, C, G or T in either case
/// (`b & 0xDF` folds ASCII lowercase onto uppercase).
#[inline]
fn is_plain_acgt(block: &[u8]) -> bool {
    let mut other = 0u8;
    for &b in block {
        other |= (!is_acgt(b)) as u8;
    }
    other == 0
}

/// Whether `b` is A, C, G or T in either case, without branches.
#[inline]
fn is_acgt(b: u8) -> bool {
    let u = b & 0xDF;
    (u == b'A') | (u == b'C') | (u == b'G') | (u == b'T')
}

/// One channel of a plain-ACGT block: 1.0 where the base is `base`.
#[inline]
fn plain_channel(block: &[u8], base: u8, out: &mut [f32]) {
    for (o, &b) in out.iter_mut().zip(block) {
        let mask = (((b & 0xDF) == base) as u32).wrapping_neg();
        *o = f32::from_bits(ONE_BITS & mask);
    }
}

/// The reverse complement of `seq` (the other strand, read 5' to 3'):
/// IUPAC codes map to their complements (`R` <-> `Y`, `K` <-> `M`,
/// `B` <-> `V`, `D` <-> `H`; `S`, `W`, `N` stay), case is kept, and bytes
/// that are not nucleotide codes are kept as they are.
pub fn reverse_complement(seq: &[u8]) -> Vec<u8> {
    seq.iter().rev().map(|&b| COMPLEMENT[b as usize]).collect()
}

/// The reverse complement of a one-hot `[4, L]` encoding, as a new
/// buffer: positions reversed and channels swapped A <-> T, C <-> G.
/// Equals `one_hot(&reverse_complement(seq))` for any valid `seq`, so a
/// model can be shown both strands without re-encoding.
///
/// # Panics
/// If the length is not a multiple of 4.
pub fn reverse_complement_one_hot(one_hot: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; one_hot.len()];
    reverse_complement_one_hot_into(one_hot, &mut out);
    out
}

/// [`reverse_complement_one_hot`] into a caller's `[4, L]` buffer (for
/// augmentation inside a batcher without allocating).
///
/// # Panics
/// If the lengths differ or are not a multiple of 4.
pub fn reverse_complement_one_hot_into(one_hot: &[f32], out: &mut [f32]) {
    assert!(
        one_hot.len().is_multiple_of(4) && out.len() == one_hot.len(),
        "reverse_complement_one_hot: input of {} floats and output of {} must both be [4, L]",
        one_hot.len(),
        out.len()
    );
    let len = one_hot.len() / 4;
    if len == 0 {
        return;
    }
    // With channels A, C, G, T the complement of channel c is channel 3 - c.
    for (c, dst) in out.chunks_exact_mut(len).enumerate() {
        let src = &one_hot[(3 - c) * len..(4 - c) * len];
        for (d, s) in dst.iter_mut().zip(src.iter().rev()) {
            *d = *s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(x: &[f32]) -> Vec<[f32; 4]> {
        let len = x.len() / 4;
        (0..len).map(|i| [x[i], x[len + i], x[2 * len + i], x[3 * len + i]]).collect()
    }

    #[test]
    fn one_hot_by_hand_is_channels_first() {
        let x = one_hot(b"ACGTN");
        assert_eq!(
            x,
            vec![
                1.0, 0.0, 0.0, 0.0, 0.25, // A
                0.0, 1.0, 0.0, 0.0, 0.25, // C
                0.0, 0.0, 1.0, 0.0, 0.25, // G
                0.0, 0.0, 0.0, 1.0, 0.25, // T
            ]
        );
        assert_eq!(one_hot(b"acgtn"), x, "soft-masked bases encode the same");
        assert!(one_hot(b"").is_empty());
    }

    #[test]
    fn ambiguity_codes_share_their_bases_and_sum_to_one() {
        let x = one_hot(b"RYSWKMBDHVU");
        let cols = columns(&x);
        assert_eq!(cols[0], [0.5, 0.0, 0.5, 0.0]); // R = A/G
        assert_eq!(cols[1], [0.0, 0.5, 0.0, 0.5]); // Y = C/T
        assert_eq!(cols[2], [0.0, 0.5, 0.5, 0.0]); // S = G/C
        assert_eq!(cols[3], [0.5, 0.0, 0.0, 0.5]); // W = A/T
        assert_eq!(cols[4], [0.0, 0.0, 0.5, 0.5]); // K = G/T
        assert_eq!(cols[5], [0.5, 0.5, 0.0, 0.0]); // M = A/C
        let third = 1.0 / 3.0;
        assert_eq!(cols[6], [0.0, third, third, third]); // B = not A
        assert_eq!(cols[7], [third, 0.0, third, third]); // D = not C
        assert_eq!(cols[8], [third, third, 0.0, third]); // H = not G
        assert_eq!(cols[9], [third, third, third, 0.0]); // V = not T
        assert_eq!(cols[10], [0.0, 0.0, 0.0, 1.0]); // U = T
        for (code, shares) in IUPAC_SHARES {
            assert!((shares.iter().sum::<f32>() - 1.0).abs() < 1e-6, "{}", code as char);
        }
    }

    #[test]
    fn invalid_bytes_encode_as_zero_and_are_reported_by_validation() {
        let x = one_hot(b"A@-C");
        assert_eq!(columns(&x)[1], [0.0; 4]);
        assert_eq!(columns(&x)[2], [0.0; 4]);
        assert_eq!(validate_sequence(b"ACGTNacgtnRYKM"), Ok(()));
        assert_eq!(validate_sequence(b"ACG@T"), Err((3, b'@')));
        assert_eq!(validate_sequence(b"AC GT"), Err((2, b' ')));
        assert_eq!(validate_sequence(b"ACXT"), Err((2, b'X')));
        assert_eq!(validate_sequence(b"AC\rT"), Err((2, b'\r')));
        assert_eq!(describe_byte(b'@'), "`@`");
        assert_eq!(describe_byte(b' '), "a space");
        assert_eq!(describe_byte(0xC3), "byte 0xC3");
    }

    #[test]
    fn fast_path_and_table_path_agree_across_block_edges() {
        // A long plain stretch, then an N in the second block, then lowercase.
        let mut seq: Vec<u8> = b"ACGTTGCA".iter().cycle().take(700).copied().collect();
        seq[300] = b'N';
        for b in &mut seq[600..] {
            *b = b.to_ascii_lowercase();
        }
        let x = one_hot(&seq);
        let cols = columns(&x);
        for (i, &b) in seq.iter().enumerate() {
            assert_eq!(cols[i], ONE_HOT_TABLE[b as usize], "position {i}");
        }
    }

    #[test]
    fn reverse_complement_by_hand() {
        assert_eq!(reverse_complement(b"AACGTN"), b"NACGTT");
        assert_eq!(reverse_complement(b"ATGc"), b"gCAT");
        assert_eq!(reverse_complement(b"RYKMBDHVSW"), b"WSBDHVKMRY");
        assert_eq!(reverse_complement(b"TGACTCA"), b"TGAGTCA");
        assert_eq!(reverse_complement(b"U"), b"A");
        assert_eq!(reverse_complement(b""), b"");
        assert_eq!(reverse_complement(b"A@C"), b"G@T");
        let s = b"ACGTRYSWKMBDHVNacgtn";
        assert_eq!(reverse_complement(&reverse_complement(s)), s.to_vec());
    }

    #[test]
    fn reverse_complement_one_hot_equals_encoding_the_other_strand() {
        let s = b"AACGTRYSWKMBDHVNacgtn";
        let x = one_hot(s);
        assert_eq!(reverse_complement_one_hot(&x), one_hot(&reverse_complement(s)));
        let by_hand = reverse_complement_one_hot(&one_hot(b"AAC"));
        assert_eq!(by_hand, one_hot(b"GTT"));
        assert!(reverse_complement_one_hot(&[]).is_empty());
    }

    #[test]
    fn normalise_folds_case_after_validation() {
        let mut s = b"acgtNr".to_vec();
        assert_eq!(normalise_sequence(&mut s), Ok(()));
        assert_eq!(s, b"ACGTNR");
        let mut bad = b"ac>t".to_vec();
        assert_eq!(normalise_sequence(&mut bad), Err((2, b'>')));
    }
}
