//! SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator, so that a seed gives the same
//! permutations and random features on every platform and backend. Public so that a program
//! built on this crate can draw its own streams from the same generator.

/// The generator; its whole state is one `u64`, so it can be stored and continued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The state; `SplitMix64::new(rng.state())` continues the same stream.
    pub fn state(&self) -> u64 {
        self.0
    }

    /// `state += 0x9E3779B97F4A7C15`, then a 64-bit mix of the state.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (the modulo bias, below `n / 2^64`, is negligible here).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `(0, 1]`: 53 random bits.
    pub(crate) fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal, by Box-Muller.
    pub(crate) fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}
