//! Gradient-boosted trees, scikit-learn's `GradientBoostingClassifier()` with its defaults as DCI trains it:
//! log-loss, 100 stages, learning rate 0.1, regression trees of depth 3 (see the `tree` module), no
//! subsampling (Friedman 2001, "Greedy Function Approximation", Algorithm 6).
//!
//! Raw scores start at the log class priors (the log-odds for two classes). Each stage takes the negative
//! gradient `r_ik = y_ik - p_ik` of the current probabilities (softmax; the sigmoid for two classes, one
//! tree) and, per class, grows a tree on it and sets each leaf to one Newton step
//! `(K - 1)/K * sum r / sum p (1 - p)` over its samples (without the `(K - 1)/K` for two classes; 0 when the
//! denominator is below 1e-150), adding 0.1 times the leaf to the raw scores. `feature_importances` averages
//! the trees' unnormalised importances over the trees with a split and normalises them to sum 1
//! (scikit-learn >= 1.1; older versions normalised each tree first).

use super::encode_classes;
use super::tree::{Presorted, Tree, grow};
use crate::disentanglement::MetricError;
use crate::disentanglement::rng::SplitMix64;

pub const STAGES: usize = 100;
pub const LEARNING_RATE: f64 = 0.1;
pub const MAX_DEPTH: usize = 3;

#[derive(Debug, Clone)]
pub struct GradientBoosting {
    classes: Vec<usize>,
    /// The initial raw score of each tree column (one column for two classes).
    init: Vec<f64>,
    /// `stages[s][k]`: stage s's tree for column k.
    stages: Vec<Vec<Tree>>,
    importances: Vec<f64>,
}

impl GradientBoosting {
    /// Fits rows `x` (all one length) to labels `y`, which need two or more distinct values; `seed` breaks
    /// ties between features as scikit-learn's `random_state` does.
    pub fn fit(x: &[Vec<f64>], y: &[usize], seed: u64) -> Result<Self, MetricError> {
        let mut rng = SplitMix64::new(seed);
        let (classes, encoded) = encode_classes(y);
        let k = classes.len();
        if k < 2 {
            return Err(MetricError::TooFew { what: "classes", needed: 2, got: k });
        }
        let n = y.len();
        let data = Presorted::new(x);
        let mut counts = vec![0usize; k];
        encoded.iter().for_each(|&e| counts[e] += 1);
        let priors: Vec<f64> = counts.iter().map(|&c| c as f64 / n as f64).collect();
        let init = if k == 2 { vec![(priors[1] / priors[0]).ln()] } else { priors.iter().map(|p| p.ln()).collect() };
        let columns = init.len();
        let mut raw: Vec<f64> = (0..n).flat_map(|_| init.iter().copied()).collect();
        let mut stages = Vec::with_capacity(STAGES);
        let (mut importance_sum, mut relevant_trees) = (vec![0.0; data.dim()], 0usize);
        let shrink = if k == 2 { 1.0 } else { (k as f64 - 1.0) / k as f64 };
        for _ in 0..STAGES {
            let probabilities = probabilities(&raw, columns);
            let mut stage = Vec::with_capacity(columns);
            for column in 0..columns {
                let class = if k == 2 { 1 } else { column };
                let truth: Vec<f64> = encoded.iter().map(|&e| f64::from(u8::from(e == class))).collect();
                let residual: Vec<f64> = (0..n).map(|i| truth[i] - probabilities[i * columns + column]).collect();
                let mut grown = grow(&data, &residual, MAX_DEPTH, &mut rng);
                let leaves: Vec<usize> = grown.tree.leaves().collect();
                let mut sums = vec![(0.0, 0.0, 0usize); grown.tree.node_count()];
                for i in 0..n {
                    let p = truth[i] - residual[i];
                    let entry = &mut sums[grown.leaf_of[i]];
                    *entry = (entry.0 + residual[i], entry.1 + p * (1.0 - p), entry.2 + 1);
                }
                let mut values = vec![0.0; grown.tree.node_count()];
                for leaf in leaves {
                    let (numerator, denominator, count) = sums[leaf];
                    let (numerator, denominator) = (shrink * numerator / count as f64, denominator / count as f64);
                    values[leaf] = if denominator.abs() < 1e-150 { 0.0 } else { numerator / denominator };
                    grown.tree.set_leaf(leaf, values[leaf]);
                }
                for i in 0..n {
                    raw[i * columns + column] += LEARNING_RATE * values[grown.leaf_of[i]];
                }
                if grown.tree.node_count() > 1 {
                    relevant_trees += 1;
                    importance_sum.iter_mut().zip(&grown.importance).for_each(|(s, v)| *s += v);
                }
                stage.push(grown.tree);
            }
            stages.push(stage);
        }
        let mean: Vec<f64> = importance_sum.iter().map(|s| s / relevant_trees.max(1) as f64).collect();
        let total: f64 = mean.iter().sum();
        let importances = mean.iter().map(|m| if total > 0.0 { m / total } else { 0.0 }).collect();
        Ok(Self { classes, init, stages, importances })
    }

    /// The predicted class of `x`: the largest raw score (the first on ties); for two classes class 1 when the
    /// raw score is at least 0.
    pub fn predict(&self, x: &[f64]) -> usize {
        let mut raw = self.init.clone();
        for stage in &self.stages {
            raw.iter_mut().zip(stage).for_each(|(r, tree)| *r += LEARNING_RATE * tree.predict(x));
        }
        if let [score] = raw[..] {
            return self.classes[usize::from(score >= 0.0)];
        }
        self.classes[raw.iter().enumerate().fold(0, |best, (k, &v)| if v > raw[best] { k } else { best })]
    }

    /// The impurity-based importance of each feature, summing to 1 (all 0 when no tree split).
    pub fn feature_importances(&self) -> &[f64] {
        &self.importances
    }
}

/// Class probabilities per sample from raw scores: softmax over the columns, or the sigmoid of one column.
fn probabilities(raw: &[f64], columns: usize) -> Vec<f64> {
    if columns == 1 {
        return raw.iter().map(|r| 1.0 / (1.0 + (-r).exp())).collect();
    }
    raw.chunks(columns)
        .flat_map(|row| {
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let exps: Vec<f64> = row.iter().map(|r| (r - max).exp()).collect();
            let total: f64 = exps.iter().sum();
            exps.into_iter().map(move |e| e / total)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_threshold_rule_and_credits_its_feature() {
        let x: Vec<Vec<f64>> = (0..200).map(|i| vec![((i * 37) % 200) as f64, (i as f64 * 0.7).sin()]).collect();
        let y: Vec<usize> = x.iter().map(|row| usize::from(row[0] >= 120.0) + usize::from(row[0] >= 60.0)).collect();
        let model = GradientBoosting::fit(&x, &y, 0).unwrap();
        assert!(x.iter().zip(&y).all(|(row, &label)| model.predict(row) == label));
        assert!(model.feature_importances()[0] > 0.99, "{:?}", model.feature_importances());
    }
}
