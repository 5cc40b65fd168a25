//! HSIC loss throughput, biased Gaussian HSIC, forward and forward + backward, on every compiled
//! backend, in one run:
//!
//! 1. the crate's O(m^2) centring ("composed": one tensor op after another) against the naive
//!    formulation that the paper's reference code uses (explicit `H`, three `m x m` matrix
//!    products), m = 100 .. 4096; on a CubeCL device (wgpu, CUDA) also the fused kernels of
//!    `hsic::fused`, which `Hsic` itself uses there;
//! 2. random-feature HSIC (D = 1024 features per kernel) against the exact estimate at m = 1024
//!    and 4096, and alone at m = 16,384 and 65,536, where a Gram matrix takes 1 and 17 GB.
//!
//! ```text
//! cargo bench --bench hsic                       # all compiled backends, m up to 65,536
//! cargo bench --bench hsic -- --quick            # fewer samples, m <= 1024
//! cargo bench --bench hsic -- --backend flex --max-m 4096
//! cargo bench --bench hsic -- --backend wgpu --min-m 4096 --naive-max-m 1024   # one size, no naive
//! ```
//!
//! Forward runs on the plain device, forward + backward on its autodiff twin. Each cell is the
//! median of repeated timings after one warm-up call (which also absorbs
//! autotuning and kernel compilation); the device is synchronised inside every timing.

mod common;

use std::time::Duration;

use burn::prelude::*;
use burn::tensor::Distribution;
use hsic::{Estimator, Kernel, RandomFeatureHsicConfig, hsic_biased};
use hsic_infogan_device::{parse_device, probe};

/// (m, d_x, d_y): an MNIST batch against 12 latent codes, as HSIC-InfoGAN uses it.
const SHAPES: [(usize, usize, usize); 4] = [(100, 784, 12), (256, 784, 12), (1024, 784, 12), (4096, 784, 12)];

/// Batch sizes for random features; the exact estimate runs beside them up to `EXACT_MAX_M`.
const RFF_SIZES: [usize; 4] = [1024, 4096, 16_384, 65_536];
const EXACT_MAX_M: usize = 4096;
const FEATURES: usize = 1024;

/// The kernels every row uses: images of width 8, codes of width 1.
const KERNEL_X: Kernel = Kernel::Gaussian { sigma: 8.0 };
const KERNEL_Y: Kernel = Kernel::Gaussian { sigma: 1.0 };

/// An HSIC estimate of flattened samples `x` (`[m, d_x]`) and `y` (`[m, d_y]`).
type Estimate<'a> = &'a dyn Fn(Tensor<2>, Tensor<2>) -> Tensor<1>;

/// This crate's biased HSIC composed of tensor ops: O(m^2) centring, no `m x m` products.
fn exact(x: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
    hsic_biased(KERNEL_X.gram(x, false), KERNEL_Y.gram(y, false))
}

/// HSIC through the paper's reference formulation: `trace(K H L H) / (m - 1)^2` with `H`
/// formed and multiplied.
fn naive(x: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
    let (k, l) = (KERNEL_X.gram(x, false), KERNEL_Y.gram(y, false));
    let [m, _] = k.dims();
    let eye = Tensor::<2>::eye(m, &k.device());
    let h = eye.clone() - 1.0 / m as f64;
    let (kh, lh) = (k.matmul(h.clone()), l.matmul(h));
    (kh.matmul(lh) * eye).sum() / ((m as f64 - 1.0).powi(2))
}

/// The biased HSIC from the fused CubeCL kernels.
#[cfg(any(feature = "wgpu", feature = "cuda"))]
fn fused(x: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
    let (Kernel::Gaussian { sigma: sigma_x }, Kernel::Gaussian { sigma: sigma_y }) = (KERNEL_X, KERNEL_Y) else {
        unreachable!("both kernels are fixed-width Gaussians")
    };
    let m = x.dims()[0] as f64;
    hsic::fused::gaussian_centred_sums(x, y, sigma_x, sigma_y).narrow(0, 0, 1) / ((m - 1.0) * (m - 1.0))
}

/// `fused` where the fused kernels run for `x`, else `None`.
fn fused_for(x: &Tensor<2>) -> Option<Estimate<'static>> {
    #[cfg(any(feature = "wgpu", feature = "cuda"))]
    if hsic::fused::runs_on(x) {
        return Some(&fused);
    }
    let _ = x;
    None
}

/// One call of `estimate` on `(x, y)`, read back: forward only, or with the backward pass to x's
/// gradient (on the device's autodiff twin).
fn pass(estimate: Estimate, x: &Tensor<2>, y: &Tensor<2>, backward: bool) {
    if backward {
        let x = x.clone().autodiff().require_grad();
        let gradients = estimate(x.clone(), y.clone().autodiff()).backward();
        x.grad(&gradients).unwrap().sum().into_scalar::<f32>();
    } else {
        estimate(x.clone(), y.clone()).into_scalar::<f32>();
    }
}

fn main() {
    let options = common::options(&["--min-m", "--max-m", "--naive-max-m"]);
    let size = |flag: &str, default: usize| match options.values.get(flag) {
        Some(value) => value.parse().unwrap_or_else(|_| panic!("{flag} must be a number, got `{value}`")),
        None => default,
    };
    let max_m = size("--max-m", if options.quick { 1024 } else { usize::MAX });
    let min_m = size("--min-m", 0);
    // The naive form costs O(m^3): minutes per call at m = 4,096 on a software GPU.
    let naive_max_m = size("--naive-max-m", usize::MAX);
    let budget = Duration::from_millis(if options.quick { 300 } else { 2000 });
    for name in &options.backends {
        let device = parse_device(name).unwrap_or_else(|err| panic!("--backend: {err}"));
        if let Err(reason) = probe(&device) {
            println!("{name}: SKIPPED, no usable device ({reason})");
            continue;
        }
        device.seed(0);
        println!("{name}: exact HSIC, composed against naive (and fused where it runs)");
        println!(
            "{:<8} {:>5} {:>4} {:>4} {:<8} {:>11} {:>11} {:>10} {:>12} {:>9} {:>14}",
            "backend",
            "m",
            "d_x",
            "d_y",
            "pass",
            "composed ms",
            "naive ms",
            "fused ms",
            "comp samp/s",
            "naive/comp",
            "composed/fused"
        );
        for &(m, d_x, d_y) in SHAPES.iter().filter(|s| (min_m..=max_m).contains(&s.0)) {
            let x = Tensor::<2>::random([m, d_x], Distribution::Uniform(0.0, 1.0), &device);
            let y = Tensor::<2>::random([m, d_y], Distribution::Uniform(-1.0, 1.0), &device);
            for backward in [false, true] {
                let (ours, n_ours) = common::time(budget, 3, || pass(&exact, &x, &y, backward));
                let naive = (m <= naive_max_m).then(|| common::time(budget, 3, || pass(&naive, &x, &y, backward)));
                let fused = fused_for(&x).map(|fused| common::time(budget, 3, || pass(fused, &x, &y, backward)));
                println!(
                    "{:<8} {:>5} {:>4} {:>4} {:<8} {:>11.3} {:>11} {:>10} {:>12.0} {:>10} {:>14}   ({n_ours}{}{} samples)",
                    name,
                    m,
                    d_x,
                    d_y,
                    if backward { "fwd+bwd" } else { "forward" },
                    ours.as_secs_f64() * 1e3,
                    naive.map_or("-".into(), |(t, _)| format!("{:.3}", t.as_secs_f64() * 1e3)),
                    fused.map_or("-".into(), |(t, _)| format!("{:.3}", t.as_secs_f64() * 1e3)),
                    m as f64 / ours.as_secs_f64(),
                    naive.map_or("-".into(), |(t, _)| format!("{:.2}x", t.as_secs_f64() / ours.as_secs_f64())),
                    fused.map_or("-".into(), |(t, _)| format!("{:.2}x", ours.as_secs_f64() / t.as_secs_f64())),
                    naive.map_or("/-".into(), |(_, n)| format!("/{n}")),
                    fused.map_or(String::new(), |(_, n)| format!("/{n}")),
                );
            }
        }
        println!("{name}: random features (D = {FEATURES}) against exact");
        random_features(&device, name, budget, min_m, max_m);
    }
}

/// Random-feature HSIC against the exact estimate (`-` where the Gram matrices are too large).
fn random_features(device: &Device, name: &str, budget: Duration, min_m: usize, max_m: usize) {
    let rff = RandomFeatureHsicConfig::new()
        .with_kernel_x(KERNEL_X)
        .with_kernel_y(KERNEL_Y)
        .with_estimator(Estimator::Biased)
        .with_features(FEATURES)
        .init(784, 12, device);
    let approximate = |x: Tensor<2>, y: Tensor<2>| rff.forward(x, y);
    println!(
        "{:<8} {:>6} {:<8} {:>11} {:>11} {:>12} {:>11}",
        "backend", "m", "pass", "rff ms", "exact ms", "rff samp/s", "exact/rff"
    );
    for &m in RFF_SIZES.iter().filter(|&&m| (min_m..=max_m).contains(&m)) {
        let x = Tensor::<2>::random([m, 784], Distribution::Uniform(0.0, 1.0), device);
        let y = Tensor::<2>::random([m, 12], Distribution::Uniform(-1.0, 1.0), device);
        for backward in [false, true] {
            let (rff_time, _) = common::time(budget, 3, || pass(&approximate, &x, &y, backward));
            let exact_time = (m <= EXACT_MAX_M).then(|| common::time(budget, 3, || pass(&exact, &x, &y, backward)).0);
            println!(
                "{:<8} {:>6} {:<8} {:>11.1} {:>11} {:>12.0} {:>11}",
                name,
                m,
                if backward { "fwd+bwd" } else { "forward" },
                rff_time.as_secs_f64() * 1e3,
                exact_time.map_or("-".into(), |t| format!("{:.1}", t.as_secs_f64() * 1e3)),
                m as f64 / rff_time.as_secs_f64(),
                exact_time.map_or("-".into(), |t| format!("{:.2}x", t.as_secs_f64() / rff_time.as_secs_f64())),
            );
        }
    }
}
