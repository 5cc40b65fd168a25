//! L2-regularised logistic regression, scikit-learn's `LogisticRegression()` as BetaVAE's score trains it
//! (lbfgs, `C = 1`, intercept unpenalised), minimising
//!
//! `C sum_i -ln p(y_i | x_i) + 1/2 sum_k |w_k|^2`,
//!
//! with the softmax over one weight row per class (multinomial) for three or more classes and the logistic
//! sigmoid of one row (class 0's logit fixed at 0) for two, as scikit-learn does. The objective is strictly
//! convex in the weights, so any solver run to convergence gives the same classifier; this one runs Newton's
//! method until the gradient's largest entry (of the objective divided by `C n`) is below 1e-10 (scikit-learn's
//! lbfgs stops at `tol = 1e-4` or 100 iterations,
//! which can end before convergence: see the tests for how far that moves a score).

use super::encode_classes;
use crate::disentanglement::MetricError;

/// A fitted classifier: `weights[r]` holds row r's coefficients then its intercept.
#[derive(Debug, Clone)]
pub struct LogisticRegression {
    classes: Vec<usize>,
    weights: Vec<Vec<f64>>,
}

const MAX_ITERATIONS: usize = 200;
const GRADIENT_TOLERANCE: f64 = 1e-10;

impl LogisticRegression {
    /// Fits rows `x` (all one length) to labels `y` with inverse regularisation strength `c`; needs two or more
    /// distinct labels.
    pub fn fit(x: &[Vec<f64>], y: &[usize], c: f64) -> Result<Self, MetricError> {
        let (classes, encoded) = encode_classes(y);
        if classes.len() < 2 {
            return Err(MetricError::TooFew { what: "classes", needed: 2, got: classes.len() });
        }
        let problem = Problem { x, y: &encoded, num_classes: classes.len(), c };
        let rows = if classes.len() == 2 { 1 } else { classes.len() };
        let dim = x.first().map_or(0, Vec::len) + 1;
        let theta = minimise(&problem, vec![0.0; rows * dim]);
        Ok(Self { classes, weights: theta.chunks(dim).map(<[f64]>::to_vec).collect() })
    }

    /// The most probable class of `x` (the first on ties).
    pub fn predict(&self, x: &[f64]) -> usize {
        let logits = logits(&self.weights, x, self.classes.len());
        self.classes[argmax(&logits)]
    }
}

struct Problem<'a> {
    x: &'a [Vec<f64>],
    y: &'a [usize],
    num_classes: usize,
    c: f64,
}

/// Class logits: one per row, or `[0, row 0]` for two classes.
fn logits(weights: &[Vec<f64>], x: &[f64], num_classes: usize) -> Vec<f64> {
    let row = |w: &Vec<f64>| w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() + w[x.len()];
    if num_classes == 2 { vec![0.0, row(&weights[0])] } else { weights.iter().map(row).collect() }
}

fn argmax(values: &[f64]) -> usize {
    values.iter().enumerate().fold(0, |best, (k, &v)| if v > values[best] { k } else { best })
}

impl Problem<'_> {
    /// The objective divided by `C n` (scikit-learn's scaling; same minimiser), its gradient and its Hessian
    /// (row-major, `theta.len()` squared).
    fn derivatives(&self, theta: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
        let dim = self.x[0].len() + 1;
        let weights: Vec<Vec<f64>> = theta.chunks(dim).map(<[f64]>::to_vec).collect();
        let (rows, size) = (weights.len(), theta.len());
        let n = self.x.len() as f64;
        let (mut gradient, mut hessian) = (vec![0.0; size], vec![0.0; size * size]);
        let mut loss = 0.0;
        let mut features = vec![1.0; dim];
        for (xi, &yi) in self.x.iter().zip(self.y) {
            features[..dim - 1].copy_from_slice(xi);
            let z = logits(&weights, xi, self.num_classes);
            let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let log_sum = max + z.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
            loss += log_sum - z[yi];
            let class = |r: usize| if self.num_classes == 2 { 1 } else { r };
            let p: Vec<f64> = (0..rows).map(|r| (z[class(r)] - log_sum).exp()).collect();
            for r in 0..rows {
                let residual = p[r] - f64::from(u8::from(class(r) == yi));
                gradient[r * dim..(r + 1) * dim].iter_mut().zip(&features).for_each(|(g, v)| *g += residual * v);
                for s in r..rows {
                    let curvature = p[r] * (f64::from(u8::from(r == s)) - p[s]);
                    for a in 0..dim {
                        let row = &mut hessian[(r * dim + a) * size + s * dim..(r * dim + a) * size + (s + 1) * dim];
                        row.iter_mut().zip(&features).for_each(|(h, v)| *h += curvature * features[a] * v);
                    }
                }
            }
        }
        let penalty = 1.0 / (self.c * n);
        let mut value = loss / n;
        gradient.iter_mut().for_each(|g| *g /= n);
        hessian.iter_mut().for_each(|h| *h /= n);
        for r in 0..rows {
            for a in 0..dim - 1 {
                let index = r * dim + a;
                gradient[index] += penalty * theta[index];
                hessian[index * size + index] += penalty;
                value += 0.5 * penalty * theta[index] * theta[index];
            }
            for s in r + 1..rows {
                for a in 0..dim {
                    for b in 0..dim {
                        hessian[(s * dim + b) * size + r * dim + a] = hessian[(r * dim + a) * size + s * dim + b];
                    }
                }
            }
        }
        (value, gradient, hessian)
    }

    fn value(&self, theta: &[f64]) -> f64 {
        let dim = self.x[0].len() + 1;
        let weights: Vec<Vec<f64>> = theta.chunks(dim).map(<[f64]>::to_vec).collect();
        let loss: f64 = self
            .x
            .iter()
            .zip(self.y)
            .map(|(xi, &yi)| {
                let z = logits(&weights, xi, self.num_classes);
                let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                max + z.iter().map(|v| (v - max).exp()).sum::<f64>().ln() - z[yi]
            })
            .sum();
        let penalty: f64 = theta.chunks(dim).flat_map(|row| &row[..dim - 1]).map(|w| w * w).sum();
        loss / self.x.len() as f64 + 0.5 * penalty / (self.c * self.x.len() as f64)
    }
}

/// Solves `(a + ridge I) x = b` for symmetric positive semi-definite `a` (n x n, row-major) by Cholesky; the
/// small ridge covers the one flat direction of the multinomial objective (all intercepts shifted alike), along
/// which the gradient vanishes.
fn solve(a: &[f64], b: &[f64]) -> Vec<f64> {
    let n = b.len();
    let ridge = 1e-12 * (0..n).map(|i| a[i * n + i]).fold(0.0, f64::max).max(1e-300);
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                l[i * n + i] = (a[i * n + i] + ridge - sum).max(ridge).sqrt();
            } else {
                l[i * n + j] = (a[i * n + j] - sum) / l[j * n + j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[i * n + k] * y[k]).sum::<f64>()) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k * n + i] * x[k]).sum::<f64>()) / l[i * n + i];
    }
    x
}

/// Newton's method with a backtracking (Armijo) line search, from `theta`, until the gradient's largest entry
/// is below [`GRADIENT_TOLERANCE`] or a step no longer lowers the objective.
fn minimise(problem: &Problem, mut theta: Vec<f64>) -> Vec<f64> {
    for _ in 0..MAX_ITERATIONS {
        let (value, gradient, hessian) = problem.derivatives(&theta);
        if gradient.iter().all(|g| g.abs() < GRADIENT_TOLERANCE) {
            break;
        }
        let direction: Vec<f64> = solve(&hessian, &gradient).into_iter().map(|d| -d).collect();
        let slope: f64 = direction.iter().zip(&gradient).map(|(d, g)| d * g).sum();
        let mut step = 1.0;
        let next = loop {
            let candidate: Vec<f64> = theta.iter().zip(&direction).map(|(t, d)| t + step * d).collect();
            if problem.value(&candidate) <= value + 1e-4 * step * slope {
                break Some(candidate);
            }
            step *= 0.5;
            if step < 1e-12 {
                break None;
            }
        };
        match next {
            Some(candidate) => theta = candidate,
            None => break,
        }
    }
    theta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_three_clusters() {
        let x: Vec<Vec<f64>> = (0..60).map(|i| vec![(i % 3) as f64 * 2.0 + (i as f64 * 0.37).sin() * 0.3]).collect();
        let y: Vec<usize> = (0..60).map(|i| i % 3 + 4).collect();
        let model = LogisticRegression::fit(&x, &y, 1.0).unwrap();
        assert!(x.iter().zip(&y).all(|(xi, &yi)| model.predict(xi) == yi));
    }

    #[test]
    fn one_class_is_an_error() {
        assert!(LogisticRegression::fit(&[vec![0.0], vec![1.0]], &[2, 2], 1.0).is_err());
    }
}
