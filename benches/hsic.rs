//! HSIC loss throughput: the crate's O(m^2) centring against the naive formulation that the
//! paper's reference code uses (explicit `H`, three `m x m` matrix products), forward and
//! forward + backward, biased Gaussian HSIC, on every compiled backend, in one run.
//!
//! ```text
//! cargo bench --bench hsic                       # all compiled backends, m = 100 .. 4096
//! cargo bench --bench hsic -- --quick            # fewer samples, m <= 1024
//! cargo bench --bench hsic -- --backend flex --max-m 1024
//! ```
//!
//! Forward runs on the plain device, forward + backward on its autodiff twin. Each cell is the
//! median of repeated timings after one warm-up call (which also absorbs
//! autotuning and kernel compilation); the device is synchronised inside every timing.

mod common;

use std::time::Duration;

use burn::prelude::*;
use burn::tensor::Distribution;
use hsic::{Kernel, flatten_samples, hsic_biased};
use hsic_infogan_device::{parse_device, probe};

/// (m, d_x, d_y): an MNIST batch against 12 latent codes, as HSIC-InfoGAN uses it.
const SHAPES: [(usize, usize, usize); 4] =
    [(100, 784, 12), (256, 784, 12), (1024, 784, 12), (4096, 784, 12)];

/// HSIC through the paper's reference formulation: `trace(K H L H) / (m - 1)^2` with `H`
/// formed and multiplied.
fn naive_hsic(k: Tensor<2>, l: Tensor<2>) -> Tensor<1> {
    let [m, _] = k.dims();
    let eye = Tensor::<2>::eye(m, &k.device());
    let h = eye.clone() - 1.0 / m as f64;
    let (kh, lh) = (k.matmul(h.clone()), l.matmul(h));
    (kh.matmul(lh) * eye).sum() / ((m as f64 - 1.0).powi(2))
}

/// An HSIC estimate from two Gram matrices.
type Estimate = fn(Tensor<2>, Tensor<2>) -> Tensor<1>;

fn ours_hsic(k: Tensor<2>, l: Tensor<2>) -> Tensor<1> {
    hsic_biased(k, l)
}

fn main() {
    let options = common::options(&["--max-m"]);
    let max_m = match options.values.get("--max-m") {
        Some(value) => value.parse().unwrap_or_else(|_| panic!("--max-m must be a number, got `{value}`")),
        None if options.quick => 1024,
        None => usize::MAX,
    };
    let budget = Duration::from_millis(if options.quick { 300 } else { 2000 });
    println!(
        "{:<8} {:>5} {:>4} {:>4} {:<8} {:>11} {:>11} {:>12} {:>10}",
        "backend", "m", "d_x", "d_y", "pass", "ours ms", "naive ms", "ours samp/s", "naive/ours"
    );
    let (kx, ky) = (Kernel::gaussian(8.0), Kernel::gaussian(1.0));
    for name in &options.backends {
        let device = parse_device(name).unwrap_or_else(|err| panic!("--backend: {err}"));
        if let Err(reason) = probe(&device) {
            println!("{name}: SKIPPED, no usable device ({reason})");
            continue;
        }
        device.seed(0);
        for &(m, d_x, d_y) in SHAPES.iter().filter(|s| s.0 <= max_m) {
            let x = Tensor::<4>::random([m, 1, 28, d_x / 28], Distribution::Uniform(0.0, 1.0), &device);
            let y = Tensor::<2>::random([m, d_y], Distribution::Uniform(-1.0, 1.0), &device);
            let forward = |estimate: Estimate| {
                let k = kx.gram(flatten_samples(x.clone()), false);
                let l = ky.gram(y.clone(), false);
                estimate(k, l).into_scalar::<f32>();
            };
            let backward = |estimate: Estimate| {
                let x = x.clone().autodiff().require_grad();
                let y = y.clone().autodiff();
                let k = kx.gram(flatten_samples(x.clone()), false);
                let l = ky.gram(y, false);
                let gradients = estimate(k, l).backward();
                x.grad(&gradients).unwrap().sum().into_scalar::<f32>();
            };
            for (pass, run) in [("forward", &forward as &dyn Fn(Estimate)), ("fwd+bwd", &backward)] {
                let (ours, n_ours) = common::time(budget, 3, || run(ours_hsic));
                let (naive, n_naive) = common::time(budget, 3, || run(naive_hsic));
                println!(
                    "{:<8} {:>5} {:>4} {:>4} {:<8} {:>11.3} {:>11.3} {:>12.0} {:>9.2}x   ({n_ours}/{n_naive} samples)",
                    name,
                    m,
                    d_x,
                    d_y,
                    pass,
                    ours.as_secs_f64() * 1e3,
                    naive.as_secs_f64() * 1e3,
                    m as f64 / ours.as_secs_f64(),
                    naive.as_secs_f64() / ours.as_secs_f64(),
                );
            }
        }
    }
}
