//! The BetaVAE score (Higgins et al. 2017, "beta-VAE: Learning Basic Visual Concepts with a Constrained
//! Variational Framework"), as disentanglement_lib's `beta_vae.py` computes it. One sample: draw a factor k
//! uniformly, two batches of `batch_size` factor rows that agree on k (all else uniform), and take
//!
//! `z_diff = 1/B sum_b |r(x_b^1) - r(x_b^2)|`   (per code),
//!
//! labelled k. A linear classifier ([`LogisticRegression`], multinomial, `C = 1`) is trained on `num_train`
//! samples; the score is its accuracy on `num_eval` fresh ones. Range [1/K, 1] for K factors in practice.
//!
//! Sampling (one [`SplitMix64`] stream, seeded with `seed`, the training samples then the evaluation ones):
//! per sample one `below(K)` for the position of k among the factors of size above 1, then the first batch and
//! the second batch as in [`super::sampling`], whose column k is then overwritten with the first batch's.

use serde::{Deserialize, Serialize};

use super::MetricError;
use super::learners::{accuracy, logistic::LogisticRegression};
use super::rng::{SplitMix64, below};
use super::sampling::{GroundTruth, REPRESENT_ROWS, represent, require_factors, sample_factors};

/// Sizes and seed; `Default` is disentanglement_lib's `beta_vae_sklearn.gin`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BetaVaeConfig {
    pub seed: u64,
    pub batch_size: usize,
    pub num_train: usize,
    pub num_eval: usize,
}

impl Default for BetaVaeConfig {
    fn default() -> Self {
        Self { seed: 0, batch_size: 64, num_train: 10_000, num_eval: 5_000 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BetaVaeScore {
    pub train_accuracy: f64,
    pub eval_accuracy: f64,
    /// The factors held fixed in turn: those of size above 1.
    pub factors_used: Vec<usize>,
    pub learner: String,
    pub seed: u64,
    pub batch_size: usize,
    pub num_train: usize,
    pub num_eval: usize,
}

/// The BetaVAE score of `data`'s representation (needs two factors of size above 1).
pub fn beta_vae<G: GroundTruth>(data: &mut G, config: &BetaVaeConfig) -> Result<BetaVaeScore, MetricError> {
    let sizes = data.factor_sizes().to_vec();
    let factors_used: Vec<usize> = (0..sizes.len()).filter(|&j| sizes[j] > 1).collect();
    require_factors(&factors_used, 2)?;
    for (what, got) in [("points per batch", config.batch_size), ("training samples", config.num_train)] {
        if got == 0 {
            return Err(MetricError::TooFew { what, needed: 1, got });
        }
    }
    let mut rng = SplitMix64::new(config.seed);
    let (train_x, train_y) = samples(data, &sizes, &factors_used, config.batch_size, config.num_train, &mut rng)?;
    let model = LogisticRegression::fit(&train_x, &train_y, 1.0)?;
    let train_accuracy = accuracy(train_x.iter().map(|x| model.predict(x)), &train_y);
    let (eval_x, eval_y) = samples(data, &sizes, &factors_used, config.batch_size, config.num_eval, &mut rng)?;
    let eval_accuracy =
        if eval_y.is_empty() { 0.0 } else { accuracy(eval_x.iter().map(|x| model.predict(x)), &eval_y) };
    Ok(BetaVaeScore {
        train_accuracy,
        eval_accuracy,
        factors_used,
        learner: "LogisticRegression: multinomial, L2, C = 1, Newton's method to convergence \
                  (faithful to scikit-learn's LogisticRegression)"
            .into(),
        seed: config.seed,
        batch_size: config.batch_size,
        num_train: config.num_train,
        num_eval: config.num_eval,
    })
}

/// `count` samples `(z_diff, k)`, represented a group of samples per call.
fn samples<G: GroundTruth>(
    data: &mut G,
    sizes: &[usize],
    used: &[usize],
    batch: usize,
    count: usize,
    rng: &mut SplitMix64,
) -> Result<(Vec<Vec<f64>>, Vec<usize>), MetricError> {
    let per_call = (REPRESENT_ROWS / (2 * batch)).max(1);
    let (mut features, mut labels) = (Vec::with_capacity(count), Vec::with_capacity(count));
    while labels.len() < count {
        let group = per_call.min(count - labels.len());
        let mut rows = Vec::with_capacity(2 * batch * group);
        for _ in 0..group {
            let k = used[below(rng, used.len())];
            let first = sample_factors(sizes, batch, rng);
            let mut second = sample_factors(sizes, batch, rng);
            second.iter_mut().zip(&first).for_each(|(b, a)| b[k] = a[k]);
            labels.push(k);
            rows.extend(first);
            rows.extend(second);
        }
        let codes = represent(data, &rows)?;
        for pair in codes.chunks(2 * batch) {
            let (first, second) = pair.split_at(batch);
            let dim = first[0].len();
            let mut diff = vec![0.0; dim];
            for (a, b) in first.iter().zip(second) {
                diff.iter_mut().zip(a.iter().zip(b)).for_each(|(d, (x, y))| *d += (x - y).abs());
            }
            features.push(diff.into_iter().map(|d| d / batch as f64).collect());
        }
    }
    Ok((features, labels))
}
