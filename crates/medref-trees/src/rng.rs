//! A small seeded generator (xoshiro256++ seeded through SplitMix64), so
//! the crate needs no `rand` and a tree's random draws depend only on the
//! ensemble seed and the tree's index, never on which thread builds it.

/// xoshiro256++: fast, statistically sound for sampling, reproducible.
#[derive(Debug, Clone)]
pub struct TreeRng {
    s: [u64; 4],
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl TreeRng {
    /// The generator of tree `index` of an ensemble seeded with `seed`:
    /// independent streams per tree, the same on any number of threads.
    pub fn for_tree(seed: u64, index: u64) -> Self {
        let mut state = seed ^ index.wrapping_add(1).wrapping_mul(0xD1B5_4A32_D192_ED03);
        Self { s: [splitmix64(&mut state), splitmix64(&mut state), splitmix64(&mut state), splitmix64(&mut state)] }
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (`n > 0`), by Lemire's multiply-and-reject.
    pub fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            let low = m as u64;
            // The division is needed only when `low` is small enough to
            // fall in the rejected range, rarely for small `n`.
            if low >= n || low >= n.wrapping_neg() % n {
                return (m >> 64) as usize;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_tree_and_repeat_by_seed() {
        let a: Vec<u64> = (0..4).map(|_| TreeRng::for_tree(7, 0).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(TreeRng::for_tree(7, 0).next_u64(), TreeRng::for_tree(7, 1).next_u64());
        let mut r = TreeRng::for_tree(1, 2);
        let mut counts = [0usize; 3];
        (0..3000).for_each(|_| counts[r.below(3)] += 1);
        assert!(counts.iter().all(|&c| (900..1100).contains(&c)), "{counts:?}");
    }
}
