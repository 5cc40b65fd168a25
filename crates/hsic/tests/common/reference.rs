//! A float64 brute-force HSIC: the textbook `tr(K H L H)` with an explicit `H`, plain loops,
//! m^3 matrix products.

use hsic::{Estimator, Kernel};

use super::Matrix;

/// A kernel with its width resolved to a number, as the reference evaluates it.
#[derive(Clone, Copy)]
pub enum RefKernel {
    Gaussian(f64),
    Linear,
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum::<f64>().sqrt()
}

/// The width the crate documents for `kernel` on the samples `x`.
pub fn resolve(kernel: &Kernel, x: &Matrix, scale_by_dim: bool) -> RefKernel {
    match *kernel {
        Kernel::Gaussian { sigma } if scale_by_dim => RefKernel::Gaussian(sigma * (x[0].len() as f64).sqrt()),
        Kernel::Gaussian { sigma } => RefKernel::Gaussian(sigma),
        Kernel::GaussianMedian => {
            let mut pairs = Vec::new();
            for i in 0..x.len() {
                for j in i + 1..x.len() {
                    pairs.push(distance(&x[i], &x[j]));
                }
            }
            pairs.sort_by(f64::total_cmp);
            let n = pairs.len();
            let median = if n % 2 == 1 { pairs[n / 2] } else { (pairs[n / 2 - 1] + pairs[n / 2]) / 2.0 };
            RefKernel::Gaussian(median)
        }
        Kernel::Linear => RefKernel::Linear,
        Kernel::Product { .. } => panic!("resolve a product kernel's parts one by one"),
    }
}

pub fn gram(kernel: RefKernel, x: &Matrix) -> Matrix {
    let m = x.len();
    let mut k = vec![vec![0.0; m]; m];
    for i in 0..m {
        for j in 0..m {
            k[i][j] = match kernel {
                RefKernel::Gaussian(sigma) => (-distance(&x[i], &x[j]).powi(2) / (2.0 * sigma * sigma)).exp(),
                RefKernel::Linear => x[i].iter().zip(&x[j]).map(|(a, b)| a * b).sum(),
            };
        }
    }
    k
}

fn matmul(a: &Matrix, b: &Matrix) -> Matrix {
    let (m, n, p) = (a.len(), b.len(), b[0].len());
    let mut c = vec![vec![0.0; p]; m];
    for i in 0..m {
        for k in 0..n {
            for j in 0..p {
                c[i][j] += a[i][k] * b[k][j];
            }
        }
    }
    c
}

fn trace(a: &Matrix) -> f64 {
    (0..a.len()).map(|i| a[i][i]).sum()
}

/// `tr(K H L H)` with `H = I - 11^T / m` formed explicitly.
pub fn trace_khlh(k: &Matrix, l: &Matrix) -> f64 {
    let m = k.len();
    let h: Matrix = (0..m).map(|i| (0..m).map(|j| f64::from(i == j) - 1.0 / m as f64).collect()).collect();
    trace(&matmul(&matmul(k, &h), &matmul(l, &h)))
}

/// Song et al. (2012), eq. (5), term by term.
fn unbiased(k: &Matrix, l: &Matrix) -> f64 {
    let m = k.len();
    let zero_diagonal = |a: &Matrix| -> Matrix {
        let mut a = a.clone();
        (0..m).for_each(|i| a[i][i] = 0.0);
        a
    };
    let (k, l) = (zero_diagonal(k), zero_diagonal(l));
    let sum = |a: &Matrix| a.iter().flatten().sum::<f64>();
    let kl = matmul(&k, &l);
    let m = m as f64;
    (trace(&kl) + sum(&k) * sum(&l) / ((m - 1.0) * (m - 2.0)) - 2.0 / (m - 2.0) * sum(&kl)) / (m * (m - 3.0))
}

pub fn estimate(estimator: &Estimator, kx: RefKernel, ky: RefKernel, x: &Matrix, y: &Matrix) -> f64 {
    estimate_from_grams(estimator, &gram(kx, x), &gram(ky, y))
}

pub fn estimate_from_grams(estimator: &Estimator, k: &Matrix, l: &Matrix) -> f64 {
    let m = k.len() as f64;
    match estimator {
        Estimator::Biased => trace_khlh(k, l) / ((m - 1.0) * (m - 1.0)),
        Estimator::Unbiased => unbiased(k, l),
        Estimator::Normalized => trace_khlh(k, l) / (trace_khlh(k, k) * trace_khlh(l, l)).sqrt(),
    }
}

/// `d reference / d x` by central differences in f64, with the kernel widths held at their
/// values for the unperturbed inputs (the crate treats the median width as a constant).
pub fn finite_difference(
    estimator: &Estimator,
    (kx, ky): (RefKernel, RefKernel),
    x: &Matrix,
    y: &Matrix,
    wrt_x: bool,
) -> Vec<f64> {
    const H: f64 = 1e-5;
    let target = if wrt_x { x } else { y };
    let mut gradient = Vec::new();
    for i in 0..target.len() {
        for j in 0..target[0].len() {
            let shifted = |delta: f64| {
                let mut t = target.clone();
                t[i][j] += delta;
                let (x, y) = if wrt_x { (&t, y) } else { (x, &t) };
                estimate(estimator, kx, ky, x, y)
            };
            gradient.push((shifted(H) - shifted(-H)) / (2.0 * H));
        }
    }
    gradient
}
