//! Shared test helpers: the compiled backends, a seeded RNG, and f64 <-> tensor conversion.
#![allow(dead_code)] // each test binary uses its own subset

pub mod reference;

use std::panic::{AssertUnwindSafe, catch_unwind};

use burn::prelude::*;

pub struct Backend {
    pub name: &'static str,
    pub device: Device,
}

impl Backend {
    /// wgpu here is Mesa's software Vulkan driver: give it the small cases only.
    pub fn is_slow(&self) -> bool {
        self.name == "wgpu"
    }
}

/// The backends this test build compiles in: flex always (a dev-dependency), the others through
/// the crate's features of the same name.
fn compiled() -> Vec<(&'static str, Device)> {
    vec![
        ("flex", Device::flex()),
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        ("ndarray", Device::ndarray()),
        #[cfg(feature = "wgpu")]
        ("wgpu", Device::wgpu(DeviceKind::DefaultDevice)),
        #[cfg(feature = "cuda")]
        ("cuda", Device::cuda(0)),
    ]
}

/// Every compiled backend that can run here, with autodiff. GPU backends open their adapter
/// lazily and panic without one: such a backend is reported as skipped with the reason, and
/// under CI (the `CI` variable set) the test fails instead, so that a run on fewer backends than
/// were compiled cannot pass unnoticed.
pub fn backends() -> Vec<Backend> {
    compiled()
        .into_iter()
        .filter_map(|(name, device)| {
            let works = catch_unwind(AssertUnwindSafe(|| {
                Tensor::<1>::from_floats([1.0, 2.0], &device).sum().into_scalar::<f32>()
            }));
            match works {
                Ok(_) => Some(Backend { name, device: device.autodiff() }),
                Err(_) if std::env::var_os("CI").is_some() => {
                    panic!("backend {name} is compiled in but has no usable device, and CI is set")
                }
                Err(_) => {
                    eprintln!("SKIPPED backend {name}: compiled in, but no usable device here");
                    None
                }
            }
        })
        .collect()
}

/// SplitMix64: a tiny seeded generator, so every test draws the same numbers on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }

    /// An `m x d` matrix of uniform [0, 1) values.
    pub fn uniform_matrix(&mut self, m: usize, d: usize) -> Matrix {
        (0..m).map(|_| (0..d).map(|_| self.uniform()).collect()).collect()
    }

    /// `y = x W / sqrt(d_x) + noise * N(0, 1)`: `d_y` columns that depend on `x`.
    pub fn dependent_on(&mut self, x: &Matrix, d_y: usize, noise: f64) -> Matrix {
        let d_x = x[0].len();
        let w: Matrix = (0..d_x).map(|_| (0..d_y).map(|_| self.normal()).collect()).collect();
        x.iter()
            .map(|row| {
                (0..d_y)
                    .map(|j| {
                        let projection: f64 = row.iter().zip(&w).map(|(a, w)| a * w[j]).sum();
                        projection / (d_x as f64).sqrt() + noise * self.normal()
                    })
                    .collect()
            })
            .collect()
    }

    /// Generated-image-like pairs: `k = 4` latent factors `z ~ N(0, 1)`, "images"
    /// `x = sigmoid(z A)` of width `d_x` (low intrinsic dimension, like real images) and codes
    /// `y = z B / 2 + 0.3 N(0, 1)` of width `d_y`, so that `y` and `x` depend on each other.
    pub fn generated_pair(&mut self, m: usize, d_x: usize, d_y: usize) -> (Matrix, Matrix) {
        let z = (0..m).map(|_| (0..4).map(|_| self.normal()).collect()).collect::<Matrix>();
        let x = self.dependent_on(&z, d_x, 0.0);
        let x = x.iter().map(|row| row.iter().map(|v| 1.0 / (1.0 + (-2.0 * v).exp())).collect()).collect();
        (x, self.dependent_on(&z, d_y, 0.3))
    }

    /// A random permutation of `0..m`.
    pub fn permutation(&mut self, m: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..m).collect();
        for i in (1..m).rev() {
            p.swap(i, self.range(0, i));
        }
        p
    }
}

pub type Matrix = Vec<Vec<f64>>;

/// The rows of `x` as an f32 `[m, d]` tensor.
pub fn tensor(x: &Matrix, device: &Device) -> Tensor<2> {
    let (m, d) = (x.len(), x[0].len());
    let flat: Vec<f32> = x.iter().flatten().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(flat, [m, d]), device)
}

/// The values of a tensor, as f64.
pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data().iter::<f64>().collect()
}

/// The single value of a one-element tensor.
pub fn scalar(t: Tensor<1>) -> f64 {
    t.into_scalar::<f32>() as f64
}

/// The matrix as its f32 values would store it: the reference sees exactly what the tensor holds.
pub fn rounded(x: &Matrix) -> Matrix {
    x.iter().map(|row| row.iter().map(|&v| v as f32 as f64).collect()).collect()
}
