//! A linear support vector classifier on one feature, scikit-learn's
//! `LinearSVC(C=0.01, class_weight="balanced")` as SAP trains it (liblinear, squared hinge loss, the
//! intercept a feature of value 1 and so regularised too). Each binary problem minimises
//!
//! `1/2 (w^2 + b^2) + sum_i C_i max(0, 1 - s_i (w x_i + b))^2`,   `s_i = ±1`,
//!
//! which is strictly convex; it is solved exactly by a generalised Newton method (the objective is piecewise
//! quadratic), where liblinear stops at `tol = 1e-4`. Weights as liblinear's with balanced class weights
//! `c_k = n / (K n_k)`: for two classes one problem, class 1 positive, `C_i = C c_(y_i)`; for more,
//! one-vs-rest, class k's problem weighting its own points `C c_k` and all others `C` (liblinear's
//! `train_one(..., weighted_C[k], C)`). Prediction: class 1 when `w x + b > 0` for two classes, else the class
//! of largest `w_k x + b_k` (the first on ties).

use super::encode_classes;
use crate::disentanglement::MetricError;

#[derive(Debug, Clone)]
pub struct LinearSvc {
    classes: Vec<usize>,
    /// `(w, b)` of each binary problem.
    planes: Vec<(f64, f64)>,
}

impl LinearSvc {
    /// Fits the one feature `x` to labels `y` (two or more distinct) with regularisation parameter `c`.
    pub fn fit(x: &[f64], y: &[usize], c: f64) -> Result<Self, MetricError> {
        let (classes, encoded) = encode_classes(y);
        let k = classes.len();
        if k < 2 {
            return Err(MetricError::TooFew { what: "classes", needed: 2, got: k });
        }
        let mut counts = vec![0usize; k];
        encoded.iter().for_each(|&e| counts[e] += 1);
        let class_weight: Vec<f64> = counts.iter().map(|&n_k| x.len() as f64 / (k as f64 * n_k as f64)).collect();
        let planes = if k == 2 {
            let signs: Vec<f64> = encoded.iter().map(|&e| if e == 1 { 1.0 } else { -1.0 }).collect();
            let costs: Vec<f64> = encoded.iter().map(|&e| c * class_weight[e]).collect();
            vec![solve(x, &signs, &costs)]
        } else {
            (0..k)
                .map(|target| {
                    let signs: Vec<f64> = encoded.iter().map(|&e| if e == target { 1.0 } else { -1.0 }).collect();
                    let costs: Vec<f64> =
                        encoded.iter().map(|&e| if e == target { c * class_weight[target] } else { c }).collect();
                    solve(x, &signs, &costs)
                })
                .collect()
        };
        Ok(Self { classes, planes })
    }

    pub fn predict(&self, x: f64) -> usize {
        if let [(w, b)] = self.planes[..] {
            return self.classes[usize::from(w * x + b > 0.0)];
        }
        let scores: Vec<f64> = self.planes.iter().map(|(w, b)| w * x + b).collect();
        self.classes[scores.iter().enumerate().fold(0, |best, (k, &v)| if v > scores[best] { k } else { best })]
    }
}

/// The objective above at `(w, b)`.
fn objective(x: &[f64], signs: &[f64], costs: &[f64], (w, b): (f64, f64)) -> f64 {
    let loss: f64 = x
        .iter()
        .zip(signs)
        .zip(costs)
        .map(|((xi, s), ci)| {
            let margin = 1.0 - s * (w * xi + b);
            if margin > 0.0 { ci * margin * margin } else { 0.0 }
        })
        .sum();
    0.5 * (w * w + b * b) + loss
}

/// The minimiser `(w, b)` by generalised Newton steps with backtracking, until the gradient vanishes to
/// rounding (relative 1e-12) or a step no longer lowers the objective.
fn solve(x: &[f64], signs: &[f64], costs: &[f64]) -> (f64, f64) {
    let (mut w, mut b) = (0.0, 0.0);
    let mut value = objective(x, signs, costs, (w, b));
    let mut first_norm = None;
    for _ in 0..200 {
        // Gradient and generalised Hessian over the points inside the margin.
        let (mut gw, mut gb, mut hww, mut hwb, mut hbb) = (w, b, 1.0, 0.0, 1.0);
        for ((&xi, &s), &ci) in x.iter().zip(signs).zip(costs) {
            let margin = 1.0 - s * (w * xi + b);
            if margin > 0.0 {
                gw -= 2.0 * ci * margin * s * xi;
                gb -= 2.0 * ci * margin * s;
                hww += 2.0 * ci * xi * xi;
                hwb += 2.0 * ci * xi;
                hbb += 2.0 * ci;
            }
        }
        let norm = gw.abs().max(gb.abs());
        let first = *first_norm.get_or_insert(norm.max(1.0));
        if norm <= 1e-12 * first {
            break;
        }
        let det = hww * hbb - hwb * hwb;
        let (dw, db) = (-(hbb * gw - hwb * gb) / det, -(hww * gb - hwb * gw) / det);
        let slope = dw * gw + db * gb;
        let mut step = 1.0;
        let next = loop {
            let candidate = (w + step * dw, b + step * db);
            let candidate_value = objective(x, signs, costs, candidate);
            if candidate_value <= value + 1e-4 * step * slope {
                break Some((candidate, candidate_value));
            }
            step *= 0.5;
            if step < 1e-12 {
                break None;
            }
        };
        let Some(((nw, nb), next_value)) = next else { break };
        (w, b, value) = (nw, nb, next_value);
    }
    (w, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_problem_meets_its_optimality_condition() {
        // Two separated groups: w, b make the gradient of the objective vanish.
        let x = [-2.0, -1.5, -1.0, 1.0, 1.2, 3.0];
        let y = [0, 0, 0, 1, 1, 1];
        let model = LinearSvc::fit(&x, &y, 1.0).unwrap();
        assert!(x.iter().zip(&y).all(|(&xi, &yi)| model.predict(xi) == yi));
        let (w, b) = model.planes[0];
        let (mut gw, mut gb) = (w, b);
        for (&xi, &yi) in x.iter().zip(&y) {
            let s = if yi == 1 { 1.0 } else { -1.0 };
            let margin = 1.0 - s * (w * xi + b);
            if margin > 0.0 {
                gw -= 2.0 * margin * s * xi;
                gb -= 2.0 * margin * s;
            }
        }
        assert!(gw.abs() < 1e-10 && gb.abs() < 1e-10, "gradient ({gw}, {gb})");
    }

    #[test]
    fn one_vs_rest_orders_three_classes() {
        let x: Vec<f64> = (0..90).map(|i| (i % 3) as f64 * 5.0 + (i as f64).sin()).collect();
        let y: Vec<usize> = (0..90).map(|i| i % 3).collect();
        let model = LinearSvc::fit(&x, &y, 1.0).unwrap();
        assert_eq!(model.predict(-3.0), 0);
        assert_eq!(model.predict(13.0), 2);
    }
}
