//! Discrete mutual information between histogram-binned codes and factors, as disentanglement_lib computes
//! it for MIG and Modularity (`utils.py`: `_histogram_discretize`, `discrete_mutual_info`,
//! `discrete_entropy`), and the codes x factors matrix drawn as a heat map.

use serde::{Deserialize, Serialize};

use super::MetricError;
use super::sampling::{Points, check_points, column, varying_factors};

/// Bin indices `0..num_bins` of `values` in `num_bins` equal-width bins spanning `[min, max]`: numpy's
/// `np.digitize(v, np.histogram(v, num_bins)[1][:-1]) - 1`. Edge `i` is `min + i * ((max - min) / num_bins)`
/// (numpy's `linspace`), a value goes to the last edge at or below it, the maximum to the last bin; a constant
/// input goes to the middle bin (numpy widens its range by 0.5 each side).
pub fn discretize(values: &[f64], num_bins: usize) -> Vec<usize> {
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo == hi { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
    let step = (hi - lo) / num_bins as f64;
    let edges: Vec<f64> = (0..num_bins).map(|i| i as f64 * step + lo).collect();
    values.iter().map(|&v| edges.partition_point(|&e| e <= v).max(1) - 1).collect()
}

/// Mutual information in nats between two labellings of the same points, from their contingency table:
/// `I = sum_ij (n_ij / n) ln(n n_ij / (a_i b_j))` (scikit-learn's `mutual_info_score`; 0 when either side has
/// a single label, never below 0).
pub fn mutual_information(a: &[usize], b: &[usize]) -> f64 {
    assert_eq!(a.len(), b.len(), "mutual information needs paired labels");
    let (rows, cols) = (a.iter().max().map_or(0, |m| m + 1), b.iter().max().map_or(0, |m| m + 1));
    let mut table = vec![0usize; rows * cols];
    let (mut row_sums, mut col_sums) = (vec![0usize; rows], vec![0usize; cols]);
    for (&i, &j) in a.iter().zip(b) {
        table[i * cols + j] += 1;
        row_sums[i] += 1;
        col_sums[j] += 1;
    }
    if row_sums.iter().filter(|&&c| c > 0).count() < 2 || col_sums.iter().filter(|&&c| c > 0).count() < 2 {
        return 0.0;
    }
    let n = a.len() as f64;
    let mut mi = 0.0;
    for i in 0..rows {
        for j in 0..cols {
            let count = table[i * cols + j];
            if count > 0 {
                let c = count as f64;
                mi += c / n * (n * c / (row_sums[i] as f64 * col_sums[j] as f64)).ln();
            }
        }
    }
    mi.max(0.0)
}

/// Entropy in nats of a labelling (`I(y; y)`, disentanglement_lib's `discrete_entropy`).
pub fn entropy(labels: &[usize]) -> f64 {
    mutual_information(labels, labels)
}

/// The codes x factors mutual information of a set of points, each code binned into `num_bins` bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MiMatrix {
    /// `mi[i][j]` = I(binned code i; factor j) in nats, for every factor (0 for one that does not vary).
    pub mi: Vec<Vec<f64>>,
    /// `normalized[i][j]` = `mi[i][j] / H(factor j)`, the fraction of factor j's entropy code i captures (as MIG
    /// normalises); 0 for a factor of zero entropy.
    pub normalized: Vec<Vec<f64>>,
    /// H(factor j) in nats over the points.
    pub factor_entropy: Vec<f64>,
    /// Per code, the factor it captures most by `normalized` (first on ties); `None` when it captures none.
    pub best_factor: Vec<Option<usize>>,
    pub num_bins: usize,
    pub num_points: usize,
}

/// The mutual information matrix of `points` (factor values in `0..factor_sizes[j]`), codes binned as in
/// [`discretize`].
pub fn mi_matrix(points: &Points, factor_sizes: &[usize], num_bins: usize) -> Result<MiMatrix, MetricError> {
    let num_codes = check_points(points, factor_sizes, 1)?;
    if num_bins == 0 {
        return Err(MetricError::TooFew { what: "histogram bins", needed: 1, got: 0 });
    }
    let binned: Vec<Vec<usize>> = (0..num_codes)
        .map(|i| discretize(&points.codes.iter().map(|row| row[i]).collect::<Vec<_>>(), num_bins))
        .collect();
    let varying = varying_factors(&points.factors, factor_sizes);
    let factors: Vec<Vec<usize>> = (0..factor_sizes.len()).map(|j| column(&points.factors, j)).collect();
    let factor_entropy: Vec<f64> = factors.iter().map(|f| entropy(f)).collect();
    let mi: Vec<Vec<f64>> = binned
        .iter()
        .map(|code| {
            (0..factor_sizes.len())
                .map(|j| if varying.contains(&j) { mutual_information(code, &factors[j]) } else { 0.0 })
                .collect()
        })
        .collect();
    let normalized: Vec<Vec<f64>> = mi
        .iter()
        .map(|row| row.iter().zip(&factor_entropy).map(|(&m, &h)| if h > 0.0 { m / h } else { 0.0 }).collect())
        .collect();
    let best_factor = normalized
        .iter()
        .map(|row: &Vec<f64>| {
            let (best, value) = row.iter().enumerate().fold((0, 0.0), |b, (j, &v)| if v > b.1 { (j, v) } else { b });
            (value > 0.0).then_some(best)
        })
        .collect();
    Ok(MiMatrix { mi, normalized, factor_entropy, best_factor, num_bins, num_points: points.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_like_numpy() {
        // np.digitize(v, np.histogram(v, 4)[1][:-1]) - 1 for v = [0, 1, 2, 3, 4, 2.5]: edges 0, 1, 2, 3.
        assert_eq!(discretize(&[0.0, 1.0, 2.0, 3.0, 4.0, 2.5], 4), vec![0, 1, 2, 3, 3, 2]);
        assert_eq!(discretize(&[5.0; 3], 20), vec![10; 3]); // the range widened to [4.5, 5.5]
    }

    #[test]
    fn information_of_known_tables() {
        let a = [0, 0, 1, 1];
        assert!((mutual_information(&a, &a) - 2f64.ln()).abs() < 1e-15);
        assert_eq!(mutual_information(&a, &[0, 1, 0, 1]), 0.0);
        assert_eq!(mutual_information(&a, &[3, 3, 3, 3]), 0.0);
        assert!((entropy(&[0, 1, 2, 3]) - 4f64.ln()).abs() < 1e-15);
    }
}
