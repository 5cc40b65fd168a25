//! Modularity (Ridgeway & Mozer 2018, "Learning Deep Disentangled Embeddings With the F-Statistic Loss",
//! arXiv 1802.05312), as disentanglement_lib's `modularity_explicitness.py` computes it: with `m_if` the
//! mutual information between code `i` (binned into 20 histogram bins) and factor `f`, and `θ_i = max_f m_if`,
//!
//! `δ_i = sum_(f != argmax) m_if^2 / (θ_i^2 (K - 1))`,   `modularity = 1/N sum_i (1 - δ_i)`,
//!
//! with a code that carries no information about any factor (`θ_i = 0`) scoring 0, and, where only one factor
//! varies (`K = 1`, where disentanglement_lib divides 0 by 0), every informative code scoring 1.
//! Range [0, 1]. The explicitness score of the same module is not computed here.

use serde::{Deserialize, Serialize};

use super::MetricError;
use super::mutual_info::mi_matrix;
use super::sampling::{GroundTruth, Points, draw_points, require_factors, varying_factors};

/// Sizes and seed; `Default` is disentanglement_lib's `modularity_explicitness.gin` (whose 5000 test points
/// only serve explicitness).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModularityConfig {
    pub seed: u64,
    pub num_train: usize,
    pub num_bins: usize,
}

impl Default for ModularityConfig {
    fn default() -> Self {
        Self { seed: 0, num_train: 10_000, num_bins: 20 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModularityScore {
    pub modularity: f64,
    /// `1 - δ_i` of each code.
    pub per_code: Vec<f64>,
    pub factors_used: Vec<usize>,
    /// The seed the points were drawn with; `None` when they were given.
    pub seed: Option<u64>,
    pub num_points: usize,
    pub num_bins: usize,
}

/// Modularity on `config.num_train` points drawn from `data`.
pub fn modularity<G: GroundTruth>(data: &mut G, config: &ModularityConfig) -> Result<ModularityScore, MetricError> {
    let sizes = data.factor_sizes().to_vec();
    let points = draw_points(data, config.num_train, config.seed)?;
    Ok(ModularityScore { seed: Some(config.seed), ..modularity_of_points(&points, &sizes, config.num_bins)? })
}

/// Modularity of given points (factors that do not vary are left out).
pub fn modularity_of_points(
    points: &Points,
    factor_sizes: &[usize],
    num_bins: usize,
) -> Result<ModularityScore, MetricError> {
    let matrix = mi_matrix(points, factor_sizes, num_bins)?;
    let factors_used = varying_factors(&points.factors, factor_sizes);
    require_factors(&factors_used, 1)?;
    let k = factors_used.len() as f64;
    let per_code: Vec<f64> = matrix
        .mi
        .iter()
        .map(|row| {
            let squared: Vec<f64> = factors_used.iter().map(|&j| row[j] * row[j]).collect();
            let max = squared.iter().copied().fold(0.0, f64::max);
            if max == 0.0 {
                0.0
            } else if factors_used.len() == 1 {
                1.0
            } else {
                1.0 - (squared.iter().sum::<f64>() - max) / (max * (k - 1.0))
            }
        })
        .collect();
    let modularity = per_code.iter().sum::<f64>() / per_code.len() as f64;
    Ok(ModularityScore { modularity, per_code, factors_used, seed: None, num_points: points.len(), num_bins })
}
