//! The generator's input: noise z, categorical codes (one-hot) and continuous codes, in that
//! order, as in InfoGAN's MNIST setup (62 + 10 + 2 = 74).

use burn::prelude::*;

use crate::{LayoutError, Rng};

/// The widest generator input [`LatentConfig::check`] accepts: G's first layer has 1024 weights
/// per input, 256 MB of them at this width, and InfoGAN's latent is 74 wide.
pub const MAX_INPUT_SIZE: usize = 1 << 16;

/// Sizes of the latent parts. z ~ N(0, 1), each categorical code uniform over its values,
/// each continuous code U(-1, 1).
#[derive(Config, Debug, PartialEq)]
pub struct LatentConfig {
    /// Size of the incompressible noise z.
    #[config(default = 62)]
    pub noise: usize,
    /// Number of values of each categorical code (one entry per code).
    #[config(default = "vec![10]")]
    pub categorical: Vec<usize>,
    /// Number of continuous codes.
    #[config(default = 2)]
    pub continuous: usize,
}

impl LatentConfig {
    /// Width of the generator input: `noise + sum(categorical) + continuous`.
    pub fn input_size(&self) -> usize {
        self.noise + self.code_size()
    }

    /// Width of the code vector c = [one-hot categorical codes | continuous codes].
    pub fn code_size(&self) -> usize {
        self.one_hot_size() + self.continuous
    }

    /// Width of all one-hot categorical codes together.
    pub fn one_hot_size(&self) -> usize {
        self.categorical.iter().sum()
    }

    pub fn check(&self) -> Result<(), LayoutError> {
        // Summed saturating first: a config file's sizes can be anything, and a sum that wraps
        // would pass for a small latent.
        let width = self
            .categorical
            .iter()
            .chain([&self.noise, &self.continuous])
            .fold(0, |sum: usize, &n| sum.saturating_add(n));
        if width > MAX_INPUT_SIZE {
            return Err(LayoutError::LatentTooLarge { width });
        }
        if width == 0 {
            return Err(LayoutError::EmptyLatent);
        }
        if let Some(code) = self.categorical.iter().position(|&k| k < 2) {
            return Err(LayoutError::Categorical { code, values: self.categorical[code] });
        }
        Ok(())
    }

    /// Draws `batch` latent vectors from the prior.
    pub fn sample(&self, batch: usize, rng: &mut Rng) -> Latent {
        let noise = (0..batch * self.noise).map(|_| rng.normal() as f32).collect();
        let mut categories = Vec::with_capacity(batch * self.categorical.len());
        let mut continuous = Vec::with_capacity(batch * self.continuous);
        for _ in 0..batch {
            categories.extend(self.categorical.iter().map(|&k| rng.below(k)));
            continuous.extend((0..self.continuous).map(|_| (2.0 * rng.uniform() - 1.0) as f32));
        }
        Latent { layout: self.clone(), batch, noise, categories, continuous }
    }
}

/// A batch of latent vectors, kept on the host as the values that were drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Latent {
    pub layout: LatentConfig,
    pub batch: usize,
    /// `[batch, noise]`, row-major.
    pub noise: Vec<f32>,
    /// `[batch, categorical.len()]`: the value of each categorical code.
    pub categories: Vec<usize>,
    /// `[batch, continuous]`.
    pub continuous: Vec<f32>,
}

impl Latent {
    /// `batch` samples that all have the noise `z` and every code at 0 (categorical value 0), to
    /// set chosen codes in.
    pub fn fixed(layout: &LatentConfig, batch: usize, z: &[f32]) -> Self {
        assert_eq!(z.len(), layout.noise, "noise vector length");
        Self {
            layout: layout.clone(),
            batch,
            noise: z.repeat(batch),
            categories: vec![0; batch * layout.categorical.len()],
            continuous: vec![0.0; batch * layout.continuous],
        }
    }

    /// The first `samples` latents, then for each continuous code k the same latents with code k
    /// moved by `step` (`(continuous + 1) x samples` in all): G's finite differences along each
    /// code.
    pub fn with_codes_moved(&self, samples: usize, step: f32) -> Latent {
        assert!(samples <= self.batch, "{samples} samples of a batch of {}", self.batch);
        let (noise, groups, codes) = (self.layout.noise, self.layout.categorical.len(), self.layout.continuous);
        let copies = codes + 1;
        let mut continuous = self.continuous[..samples * codes].repeat(copies);
        for k in 0..codes {
            for i in 0..samples {
                continuous[((k + 1) * samples + i) * codes + k] += step;
            }
        }
        Self {
            layout: self.layout.clone(),
            batch: copies * samples,
            noise: self.noise[..samples * noise].repeat(copies),
            categories: self.categories[..samples * groups].repeat(copies),
            continuous,
        }
    }

    /// The one-hot encoding of the categorical codes, `[batch, one_hot_size]`, row-major.
    pub fn one_hot(&self) -> Vec<f32> {
        let groups = &self.layout.categorical;
        let width = self.layout.one_hot_size();
        let mut out = vec![0.0; self.batch * width];
        for b in 0..self.batch {
            let mut offset = b * width;
            for (g, &k) in groups.iter().enumerate() {
                out[offset + self.categories[b * groups.len() + g]] = 1.0;
                offset += k;
            }
        }
        out
    }

    /// The code vectors c = [one-hot | continuous], `[batch, code_size]`, row-major.
    pub fn codes(&self) -> Vec<f32> {
        let one_hot = self.one_hot();
        let (h, c) = (self.layout.one_hot_size(), self.layout.continuous);
        let mut rows = Vec::with_capacity(self.batch * (h + c));
        for b in 0..self.batch {
            rows.extend_from_slice(&one_hot[b * h..(b + 1) * h]);
            rows.extend_from_slice(&self.continuous[b * c..(b + 1) * c]);
        }
        rows
    }

    /// The code vectors c, `[batch, code_size]`.
    pub fn codes_tensor(&self, device: &Device) -> Tensor<2> {
        matrix(self.codes(), self.batch, self.layout.code_size(), device)
    }

    /// The generator's input rows [z | c], `[batch, input_size]`, row-major.
    pub fn input_values(&self) -> Vec<f32> {
        let codes = self.codes();
        let (n, k) = (self.layout.noise, self.layout.code_size());
        let mut rows = Vec::with_capacity(self.batch * (n + k));
        for b in 0..self.batch {
            rows.extend_from_slice(&self.noise[b * n..(b + 1) * n]);
            rows.extend_from_slice(&codes[b * k..(b + 1) * k]);
        }
        rows
    }

    /// Generator input `[batch, input_size]` = [z | c].
    pub fn input(&self, device: &Device) -> Tensor<2> {
        matrix(self.input_values(), self.batch, self.layout.input_size(), device)
    }

    /// The categorical codes one-hot, `[batch, one_hot_size]`.
    pub fn one_hot_tensor(&self, device: &Device) -> Tensor<2> {
        matrix(self.one_hot(), self.batch, self.layout.one_hot_size(), device)
    }

    /// The continuous codes, `[batch, continuous]`.
    pub fn continuous_tensor(&self, device: &Device) -> Tensor<2> {
        matrix(self.continuous.clone(), self.batch, self.layout.continuous, device)
    }

    /// The value of categorical code `group` for every sample, `[batch]`.
    pub fn category_tensor(&self, group: usize, device: &Device) -> Tensor<1, Int> {
        let groups = self.layout.categorical.len();
        let values: Vec<i64> = (0..self.batch).map(|b| self.categories[b * groups + group] as i64).collect();
        Tensor::from_data(TensorData::new(values, [self.batch]), device)
    }
}

fn matrix(values: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, [rows, cols]), device)
}

/// The paper's Fig. 1 grid for continuous code `code`: row r sets the first categorical code to
/// r (one row if there is none), column j sets the code to `-1 + 2j/(steps-1)`; every other code
/// is 0 and all cells share the noise `z`. Returned row-major (`rows * steps` samples).
pub fn traversal(layout: &LatentConfig, code: usize, steps: usize, z: &[f32]) -> Latent {
    assert!(code < layout.continuous, "continuous code {code} of {}", layout.continuous);
    let rows = layout.categorical.first().copied().unwrap_or(1);
    let groups = layout.categorical.len();
    let mut latent = Latent::fixed(layout, rows * steps, z);
    for r in 0..rows {
        for j in 0..steps {
            let b = r * steps + j;
            if groups > 0 {
                latent.categories[b * groups] = r;
            }
            let t = if steps > 1 { j as f32 / (steps - 1) as f32 } else { 0.5 };
            latent.continuous[b * layout.continuous + code] = -1.0 + 2.0 * t;
        }
    }
    latent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_layout_is_noise_one_hot_continuous() {
        let layout = LatentConfig::new().with_noise(2).with_categorical(vec![3, 2]).with_continuous(1);
        let latent = Latent {
            layout: layout.clone(),
            batch: 2,
            noise: vec![0.5, -0.5, 1.5, -1.5],
            categories: vec![2, 0, 1, 1],
            continuous: vec![0.25, -0.75],
        };
        let device = Device::default();
        let input: Vec<f32> = latent.input(&device).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(
            input,
            [
                0.5, -0.5, 0.0, 0.0, 1.0, 1.0, 0.0, 0.25, //
                1.5, -1.5, 0.0, 1.0, 0.0, 0.0, 1.0, -0.75
            ]
        );
        assert_eq!(latent.codes(), [0.0, 0.0, 1.0, 1.0, 0.0, 0.25, 0.0, 1.0, 0.0, 0.0, 1.0, -0.75]);
        assert_eq!(layout.input_size(), 8);
        assert_eq!(layout.code_size(), 6);
    }

    #[test]
    fn samples_follow_the_prior() {
        let layout = LatentConfig::new();
        let latent = layout.sample(5000, &mut Rng::new(3));
        assert!(latent.categories.iter().all(|&c| c < 10));
        assert!(latent.continuous.iter().all(|&c| (-1.0..1.0).contains(&c)));
        let mean = latent.noise.iter().sum::<f32>() / latent.noise.len() as f32;
        assert!(mean.abs() < 0.01, "noise mean {mean}");
        assert!(layout.clone().with_categorical(vec![1]).check().is_err());
    }

    #[test]
    fn traversal_grid_rows_are_categories_columns_sweep_the_code() {
        let layout = LatentConfig::new();
        let z = vec![0.1; 62];
        let grid = traversal(&layout, 1, 10, &z);
        assert_eq!(grid.batch, 100);
        assert_eq!(grid.categories[37], 3); // row 3, column 7
        assert_eq!(grid.continuous[2 * 37], 0.0);
        assert!((grid.continuous[2 * 37 + 1] - (-1.0 + 14.0 / 9.0)).abs() < 1e-6);
        assert_eq!(grid.continuous[2 * 30 + 1], -1.0);
        assert_eq!(grid.continuous[2 * 39 + 1], 1.0);
        assert!(grid.noise.chunks(62).all(|row| row == z.as_slice()));
    }
}
