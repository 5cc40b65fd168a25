//! SAP, the Separated Attribute Predictability score (Kumar et al. 2018, "Variational Inference of
//! Disentangled Latent Concepts from Unlabeled Observations", arXiv 1711.00848), as disentanglement_lib's
//! `sap_score.py` computes it for discrete factors (its default, `continuous_factors = False`):
//!
//! `S_ij` = test accuracy of a linear SVM predicting factor j from code i alone,
//! `SAP = 1/K sum_j (S_(1)j - S_(2)j)`, the mean gap between the best and second best code of each factor.
//!
//! The SVM is [`LinearSvc`] (`C = 0.01`, balanced class weights), a faithful counterpart of scikit-learn's
//! `LinearSVC` solved to optimality. Range [0, 1].

use serde::{Deserialize, Serialize};

use super::MetricError;
use super::learners::{accuracy, svm::LinearSvc};
use super::rng::SplitMix64;
use super::sampling::{GroundTruth, Points, check_points, column, draw_points_with, require_factors, varying_factors};

/// The SVM's regularisation parameter in disentanglement_lib.
pub const SVM_C: f64 = 0.01;

/// Sizes and seed; `Default` is disentanglement_lib's `sap_score.gin`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SapConfig {
    pub seed: u64,
    pub num_train: usize,
    pub num_test: usize,
}

impl Default for SapConfig {
    fn default() -> Self {
        Self { seed: 0, num_train: 10_000, num_test: 5_000 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SapScore {
    pub sap: f64,
    /// `score_matrix[i][f]`: the test accuracy of code i for the f-th factor of `factors_used`.
    pub score_matrix: Vec<Vec<f64>>,
    pub factors_used: Vec<usize>,
    pub learner: String,
    /// The seed the points were drawn with (train, then test, from one stream); `None` when they were given.
    pub seed: Option<u64>,
    pub num_train: usize,
    pub num_test: usize,
}

/// SAP on `config.num_train` training and then `config.num_test` test points drawn from `data`.
pub fn sap<G: GroundTruth>(data: &mut G, config: &SapConfig) -> Result<SapScore, MetricError> {
    let sizes = data.factor_sizes().to_vec();
    let mut rng = SplitMix64::new(config.seed);
    let train = draw_points_with(data, config.num_train, &mut rng)?;
    let test = draw_points_with(data, config.num_test, &mut rng)?;
    Ok(SapScore { seed: Some(config.seed), ..sap_of_points(&train, &test, &sizes)? })
}

/// SAP of given training and test points (at least 2 codes; factors that do not vary over the training points
/// are left out).
pub fn sap_of_points(train: &Points, test: &Points, factor_sizes: &[usize]) -> Result<SapScore, MetricError> {
    let num_codes = check_points(train, factor_sizes, 1)?;
    if check_points(test, factor_sizes, 1)? != num_codes {
        return Err(MetricError::Shape("training and test points differ in their number of codes".into()));
    }
    if num_codes < 2 {
        return Err(MetricError::TooFew { what: "codes", needed: 2, got: num_codes });
    }
    let factors_used = varying_factors(&train.factors, factor_sizes);
    require_factors(&factors_used, 1)?;
    let mut score_matrix = vec![vec![0.0; factors_used.len()]; num_codes];
    for (i, row) in score_matrix.iter_mut().enumerate() {
        let (x_train, x_test): (Vec<f64>, Vec<f64>) =
            (train.codes.iter().map(|c| c[i]).collect(), test.codes.iter().map(|c| c[i]).collect());
        for (score, &j) in row.iter_mut().zip(&factors_used) {
            let model = LinearSvc::fit(&x_train, &column(&train.factors, j), SVM_C)?;
            *score = accuracy(x_test.iter().map(|&x| model.predict(x)), &column(&test.factors, j));
        }
    }
    let sap = (0..factors_used.len())
        .map(|f| {
            let mut accuracies: Vec<f64> = score_matrix.iter().map(|row| row[f]).collect();
            accuracies.sort_by(|a, b| b.total_cmp(a));
            accuracies[0] - accuracies[1]
        })
        .sum::<f64>()
        / factors_used.len() as f64;
    Ok(SapScore {
        sap,
        score_matrix,
        factors_used,
        learner: "LinearSvc: squared hinge, C = 0.01, balanced class weights, one-vs-rest, solved exactly \
                  (faithful to scikit-learn's LinearSVC)"
            .into(),
        seed: None,
        num_train: train.len(),
        num_test: test.len(),
    })
}
