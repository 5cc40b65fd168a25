//! Mutual Information Gap (Chen et al. 2018, "Isolating Sources of Disentanglement in VAEs",
//! arXiv 1802.04942), as disentanglement_lib's `mig.py` computes it:
//!
//! `MIG = 1/K sum_k (I(v_k; z_(1)) - I(v_k; z_(2))) / H(v_k)`,
//!
//! where `z_(1)`, `z_(2)` are the codes with the largest and second largest mutual information with factor
//! `v_k`, each code binned into 20 equal-width histogram bins ([`discretize`](super::mutual_info::discretize)).
//! Range [0, 1]; 1 when each factor is captured by one code alone.

use serde::{Deserialize, Serialize};

use super::MetricError;
use super::mutual_info::mi_matrix;
use super::sampling::{GroundTruth, Points, draw_points, require_factors, varying_factors};

/// Sizes and seed; `Default` is disentanglement_lib's `mig.gin`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MigConfig {
    pub seed: u64,
    pub num_train: usize,
    pub num_bins: usize,
}

impl Default for MigConfig {
    fn default() -> Self {
        Self { seed: 0, num_train: 10_000, num_bins: 20 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MigScore {
    pub mig: f64,
    /// The normalised gap of each factor in `factors_used`.
    pub gaps: Vec<f64>,
    /// The factors scored (those that vary, see the module docs of `disentanglement`); others are left out of the mean.
    pub factors_used: Vec<usize>,
    /// The seed the points were drawn with; `None` when they were given.
    pub seed: Option<u64>,
    pub num_points: usize,
    pub num_bins: usize,
}

/// MIG on `config.num_train` points drawn from `data`.
pub fn mig<G: GroundTruth>(data: &mut G, config: &MigConfig) -> Result<MigScore, MetricError> {
    let sizes = data.factor_sizes().to_vec();
    let points = draw_points(data, config.num_train, config.seed)?;
    Ok(MigScore { seed: Some(config.seed), ..mig_of_points(&points, &sizes, config.num_bins)? })
}

/// MIG of given points (at least 2 codes; factors that do not vary are left out).
pub fn mig_of_points(points: &Points, factor_sizes: &[usize], num_bins: usize) -> Result<MigScore, MetricError> {
    let matrix = mi_matrix(points, factor_sizes, num_bins)?;
    if matrix.mi.len() < 2 {
        return Err(MetricError::TooFew { what: "codes", needed: 2, got: matrix.mi.len() });
    }
    let factors_used = varying_factors(&points.factors, factor_sizes);
    require_factors(&factors_used, 1)?;
    let gaps: Vec<f64> = factors_used
        .iter()
        .map(|&j| {
            let mut column: Vec<f64> = matrix.mi.iter().map(|row| row[j]).collect();
            column.sort_by(|a, b| b.total_cmp(a));
            (column[0] - column[1]) / matrix.factor_entropy[j]
        })
        .collect();
    let mig = gaps.iter().sum::<f64>() / gaps.len() as f64;
    Ok(MigScore { mig, gaps, factors_used, seed: None, num_points: points.len(), num_bins })
}
