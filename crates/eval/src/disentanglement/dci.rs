//! DCI disentanglement, completeness and informativeness (Eastwood & Williams 2018, "A Framework for the
//! Quantitative Evaluation of Disentangled Representations"), as disentanglement_lib's `dci.py` computes
//! them. For each factor j a gradient-boosted-trees classifier ([`GradientBoosting`], scikit-learn's
//! `GradientBoostingClassifier()` defaults) predicts it from all codes; `R_ij` is code i's feature importance
//! for factor j. With `P_ij = (R_ij + 1e-11) / sum_k (R_ik + 1e-11)` and K factors, N codes:
//!
//! `D_i = 1 + sum_j P_ij log_K P_ij`,   `disentanglement = sum_i ρ_i D_i`,   `ρ_i = sum_j R_ij / sum R`,
//!
//! completeness the same over codes (`log_N`, factor weights `sum_i R_ij / sum R`), and informativeness the
//! classifiers' mean accuracy on the training and test points. An all-zero `R` weighs codes (factors) equally.
//! Where only one factor varies (one code exists), `log_K` (`log_N`) is undefined (disentanglement_lib divides
//! by `ln 1 = 0`): each code's disentanglement (each factor's completeness) is then 1.

use serde::{Deserialize, Serialize};

use super::MetricError;
use super::learners::{accuracy, boosting::GradientBoosting};
use super::rng::SplitMix64;
use super::sampling::{GroundTruth, Points, check_points, column, draw_points_with, require_factors, varying_factors};

/// Sizes and seed; `Default` is disentanglement_lib's `dci.gin`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DciConfig {
    pub seed: u64,
    pub num_train: usize,
    pub num_test: usize,
}

impl Default for DciConfig {
    fn default() -> Self {
        Self { seed: 0, num_train: 10_000, num_test: 5_000 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DciScore {
    pub disentanglement: f64,
    pub completeness: f64,
    pub informativeness_train: f64,
    pub informativeness_test: f64,
    /// `importance[i][f]`: code i's importance for the f-th factor of `factors_used` (each column sums to 1
    /// unless its classifier never split).
    pub importance: Vec<Vec<f64>>,
    pub factors_used: Vec<usize>,
    pub learner: String,
    /// The seed the points were drawn with (train, then test, from one stream); `None` when they were given.
    pub seed: Option<u64>,
    pub num_train: usize,
    pub num_test: usize,
}

/// DCI on `config.num_train` training and then `config.num_test` test points drawn from `data`.
pub fn dci<G: GroundTruth>(data: &mut G, config: &DciConfig) -> Result<DciScore, MetricError> {
    let sizes = data.factor_sizes().to_vec();
    let mut rng = SplitMix64::new(config.seed);
    let train = draw_points_with(data, config.num_train, &mut rng)?;
    let test = draw_points_with(data, config.num_test, &mut rng)?;
    Ok(DciScore { seed: Some(config.seed), ..dci_of_points(&train, &test, &sizes, config.seed)? })
}

/// DCI of given training and test points (factors that do not vary over the training points are left out);
/// `seed` breaks the trees' ties between codes (see [`GradientBoosting`]).
pub fn dci_of_points(
    train: &Points,
    test: &Points,
    factor_sizes: &[usize],
    seed: u64,
) -> Result<DciScore, MetricError> {
    let num_codes = check_points(train, factor_sizes, 1)?;
    if check_points(test, factor_sizes, 1)? != num_codes {
        return Err(MetricError::Shape("training and test points differ in their number of codes".into()));
    }
    let factors_used = varying_factors(&train.factors, factor_sizes);
    require_factors(&factors_used, 1)?;
    let mut importance = vec![vec![0.0; factors_used.len()]; num_codes];
    let (mut train_accuracy, mut test_accuracy) = (0.0, 0.0);
    for (f, &j) in factors_used.iter().enumerate() {
        let model = GradientBoosting::fit(&train.codes, &column(&train.factors, j), seed.wrapping_add(j as u64))?;
        model.feature_importances().iter().zip(&mut importance).for_each(|(&r, row)| row[f] = r.abs());
        train_accuracy += accuracy(train.codes.iter().map(|x| model.predict(x)), &column(&train.factors, j));
        test_accuracy += accuracy(test.codes.iter().map(|x| model.predict(x)), &column(&test.factors, j));
    }
    let transposed: Vec<Vec<f64>> =
        (0..factors_used.len()).map(|f| importance.iter().map(|row| row[f]).collect()).collect();
    let k = factors_used.len() as f64;
    Ok(DciScore {
        disentanglement: weighted_score(&importance),
        completeness: weighted_score(&transposed),
        informativeness_train: train_accuracy / k,
        informativeness_test: test_accuracy / k,
        importance,
        factors_used,
        learner: "GradientBoosting: log-loss, 100 stages, depth 3, learning rate 0.1 \
                  (faithful to scikit-learn's GradientBoostingClassifier)"
            .into(),
        seed: None,
        num_train: train.len(),
        num_test: test.len(),
    })
}

/// `sum_r w_r (1 - H_base(row r))` over the rows of `matrix`, with entropy base the row length and weights
/// `w_r` = row sum / total (equal when the total is 0).
fn weighted_score(matrix: &[Vec<f64>]) -> f64 {
    let total: f64 = matrix.iter().flatten().sum();
    matrix
        .iter()
        .map(|row| {
            let weight = if total == 0.0 { 1.0 / matrix.len() as f64 } else { row.iter().sum::<f64>() / total };
            weight * (1.0 - normalized_entropy(row))
        })
        .sum()
}

/// The entropy of `row + 1e-11` normalised to a distribution, in base `row.len()` (0 for one entry).
fn normalized_entropy(row: &[f64]) -> f64 {
    if row.len() < 2 {
        return 0.0;
    }
    let total: f64 = row.iter().map(|v| v + 1e-11).sum();
    -row.iter().map(|v| (v + 1e-11) / total).map(|p| p * p.ln()).sum::<f64>() / (row.len() as f64).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_of_known_importance_matrices() {
        // One code per factor: D = C = 1 (up to the 1e-11 smoothing).
        let diagonal = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
        assert!((weighted_score(&diagonal) - 1.0).abs() < 1e-9);
        // Every code equally important to every factor: 0.
        assert!(weighted_score(&[vec![0.5, 0.5], vec![0.5, 0.5]]).abs() < 1e-12);
        // All zero: equal weights, uniform rows.
        assert!(weighted_score(&vec![vec![0.0; 3]; 2]).abs() < 1e-12);
    }
}
