//! A host-side random stream whose whole state is one `u64`, so a checkpoint can store it and a
//! resumed run draws exactly the numbers an uninterrupted run would have drawn.

use hsic::rng::SplitMix64;

/// The indices of a seed's independent streams ([`Rng::fork`]), in one place so that no two
/// uses share one: epoch `e`'s data order (or a classifier's) is stream `e`; the rest sit far
/// above any epoch count.
pub mod stream {
    /// Epoch `epoch`'s order of the training images.
    pub fn epoch(epoch: usize) -> u64 {
        epoch as u64
    }
    /// The latent codes a run draws while training (its state is stored in the checkpoint).
    pub const LATENT: u64 = 1 << 40;
    /// The networks' initial weights.
    pub const INIT: u64 = (1 << 40) + 1;
    /// The batches on which the trainer measures its gradient norms.
    pub const GRADIENT_PROBE: u64 = (1 << 40) + 2;
    /// `tune`'s draws of the latent codes.
    pub const TUNE: u64 = (1 << 40) + 3;
    /// The post-hoc encoder's random shifts of the generated images it trains on.
    pub const ENCODER_SHIFTS: u64 = (1 << 40) + 4;
    /// The latents of a run's samples grid.
    pub const SAMPLES: u64 = u64::MAX - 1;
    /// The noise vector that every traversal cell shares.
    pub const TRAVERSAL_NOISE: u64 = u64::MAX;
}

/// The `hsic` crate's SplitMix64, with the draws a training run needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    stream: SplitMix64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self { stream: SplitMix64::new(seed) }
    }

    /// The state to store in a checkpoint; `Rng::new(rng.state())` continues the same stream.
    pub fn state(&self) -> u64 {
        self.stream.state()
    }

    /// An independent stream for sub-task `index` (e.g. one data order per epoch).
    pub fn fork(seed: u64, index: u64) -> Self {
        let mut mixer = Self::new(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
        Self::new(mixer.next_u64())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.stream.next_u64()
    }

    /// Uniform on [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..n` (`n > 0`), by rejection so every value is equally likely.
    pub fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let v = self.next_u64();
            if v < zone {
                return (v % n) as usize;
            }
        }
    }

    /// Standard normal by Box-Muller (one value per call; the partner is discarded so the
    /// state stays a single `u64`).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]: ln is finite
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Fisher-Yates shuffle of `0..n`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, self.below(i + 1));
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn state_round_trip_continues_the_stream() {
        let mut a = Rng::new(7);
        a.normal();
        let mut b = Rng::new(a.state());
        assert_eq!((0..5).map(|_| a.next_u64()).collect::<Vec<_>>(), (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
    }

    #[test]
    fn moments_and_ranges() {
        let mut rng = Rng::new(1);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01 && (var - 1.0).abs() < 0.02, "mean {mean}, var {var}");
        let mut counts = [0usize; 10];
        for _ in 0..n {
            counts[rng.below(10)] += 1;
        }
        assert!(counts.iter().all(|&c| (c as f64 / n as f64 - 0.1).abs() < 0.005), "{counts:?}");
        let mut p = rng.permutation(100);
        p.sort_unstable();
        assert_eq!(p, (0..100).collect::<Vec<_>>());
        assert_ne!(Rng::fork(3, 0).next_u64(), Rng::fork(3, 1).next_u64());
    }
}
