//! The metrics' one source of randomness: the project's SplitMix64 ([`hsic::rng`]), so that a seed
//! gives the same samples on every platform and a Python script can replay them.

pub(crate) use hsic::rng::SplitMix64;

/// A uniform integer in `0..n` (`n >= 1`): `floor(n u)` for the 53-bit uniform `u = (x >> 11) / 2^53`,
/// computed exactly in integers as `((x >> 11) * n) >> 53` (the order the Python reference replays).
pub(crate) fn below(rng: &mut SplitMix64, n: usize) -> usize {
    (((rng.next_u64() >> 11) as u128 * n as u128) >> 53) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_stream() {
        // The first outputs for seed 0 from the reference C implementation (Vigna, splitmix64.c).
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = SplitMix64::new(7);
        let mut seen = [0usize; 5];
        (0..1000).for_each(|_| seen[below(&mut rng, 5)] += 1);
        assert!(seen.iter().all(|&c| c > 150), "{seen:?}");
    }
}
