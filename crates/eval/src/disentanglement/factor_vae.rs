//! The FactorVAE score (Kim & Mnih 2018, "Disentangling by Factorising", arXiv 1802.05983), as
//! disentanglement_lib's `factor_vae.py` computes it. Each code is divided by its standard deviation over
//! `num_variance_estimate` points; codes with standard deviation below `prune_threshold` (collapsed to the
//! prior) are left out. One sample: draw a factor k uniformly, a batch of `batch_size` points sharing k's
//! value (the first row's; all else uniform), and vote for
//!
//! `argmin_d Var_batch(z_d) / Var_all(z_d)`   over the active codes d (sample variances, denominator B - 1).
//!
//! The classifier is the paper's majority vote: each code predicts the factor that voted for it most (the first
//! on ties) over `num_train` samples; the score is that classifier's accuracy on `num_eval` fresh samples.
//! With no active code both accuracies are 0. Range [0, 1].
//!
//! Sampling (one [`SplitMix64`] stream, seeded with `seed`): the variance points as in [`super::sampling`],
//! then per training, then evaluation, sample one `below(K)` for the position of k among the factors of size
//! above 1 and the batch, whose column k is then set to its first row's value.

use serde::{Deserialize, Serialize};

use super::MetricError;
use super::rng::{SplitMix64, below};
use super::sampling::{GroundTruth, REPRESENT_ROWS, represent, require_factors, sample_factors};

/// Sizes, threshold and seed; `Default` is disentanglement_lib's `factor_vae_metric.gin`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorVaeConfig {
    pub seed: u64,
    pub batch_size: usize,
    pub num_train: usize,
    pub num_eval: usize,
    pub num_variance_estimate: usize,
    pub prune_threshold: f64,
}

impl Default for FactorVaeConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            batch_size: 64,
            num_train: 10_000,
            num_eval: 5_000,
            num_variance_estimate: 10_000,
            prune_threshold: 0.05,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorVaeScore {
    pub train_accuracy: f64,
    pub eval_accuracy: f64,
    /// The codes whose standard deviation is positive and at least `prune_threshold`. (disentanglement_lib's
    /// `num_active_dims` reports the number of all codes.)
    pub active_codes: Vec<usize>,
    /// The factors held fixed in turn: those of size above 1.
    pub factors_used: Vec<usize>,
    pub learner: String,
    pub seed: u64,
    pub batch_size: usize,
    pub num_train: usize,
    pub num_eval: usize,
    pub num_variance_estimate: usize,
    pub prune_threshold: f64,
}

/// Sample variance (denominator n - 1) of each column.
fn variances(codes: &[Vec<f64>]) -> Vec<f64> {
    let n = codes.len() as f64;
    (0..codes[0].len())
        .map(|d| {
            let mean = codes.iter().map(|row| row[d]).sum::<f64>() / n;
            codes.iter().map(|row| (row[d] - mean).powi(2)).sum::<f64>() / (n - 1.0)
        })
        .collect()
}

/// The FactorVAE score of `data`'s representation (needs two factors of size above 1, batches and the variance
/// estimate of at least 2 points).
pub fn factor_vae<G: GroundTruth>(data: &mut G, config: &FactorVaeConfig) -> Result<FactorVaeScore, MetricError> {
    let sizes = data.factor_sizes().to_vec();
    let factors_used: Vec<usize> = (0..sizes.len()).filter(|&j| sizes[j] > 1).collect();
    require_factors(&factors_used, 2)?;
    for (what, got) in
        [("points per batch", config.batch_size), ("points for the variances", config.num_variance_estimate)]
    {
        if got < 2 {
            return Err(MetricError::TooFew { what, needed: 2, got });
        }
    }
    let mut rng = SplitMix64::new(config.seed);
    let global = variances(&represent(data, &sample_factors(&sizes, config.num_variance_estimate, &mut rng))?);
    let active_codes: Vec<usize> =
        (0..global.len()).filter(|&d| global[d] > 0.0 && global[d].sqrt() >= config.prune_threshold).collect();
    let mut score = FactorVaeScore {
        train_accuracy: 0.0,
        eval_accuracy: 0.0,
        active_codes,
        factors_used,
        learner: "majority vote per code (the paper's classifier, as disentanglement_lib)".into(),
        seed: config.seed,
        batch_size: config.batch_size,
        num_train: config.num_train,
        num_eval: config.num_eval,
        num_variance_estimate: config.num_variance_estimate,
        prune_threshold: config.prune_threshold,
    };
    if score.active_codes.is_empty() {
        return Ok(score);
    }
    let mut sampler =
        Sampler { sizes: &sizes, used: &score.factors_used, global: &global, active: &score.active_codes };
    let train = sampler.votes(data, config.batch_size, config.num_train, &mut rng)?;
    let classifier: Vec<usize> = (0..global.len())
        .map(|d| (0..sizes.len()).fold(0, |best, k| if train[k][d] > train[best][d] { k } else { best }))
        .collect();
    let accuracy = |votes: &[Vec<usize>]| {
        let total: usize = votes.iter().flatten().sum();
        let correct: usize = classifier.iter().enumerate().map(|(d, &k)| votes[k][d]).sum();
        if total == 0 { 0.0 } else { correct as f64 / total as f64 }
    };
    score.train_accuracy = accuracy(&train);
    let eval = sampler.votes(data, config.batch_size, config.num_eval, &mut rng)?;
    score.eval_accuracy = accuracy(&eval);
    Ok(score)
}

struct Sampler<'a> {
    sizes: &'a [usize],
    used: &'a [usize],
    global: &'a [f64],
    active: &'a [usize],
}

impl Sampler<'_> {
    /// `votes[k][d]`: how many of `count` samples fixing factor k voted for code d.
    fn votes<G: GroundTruth>(
        &mut self,
        data: &mut G,
        batch: usize,
        count: usize,
        rng: &mut SplitMix64,
    ) -> Result<Vec<Vec<usize>>, MetricError> {
        let mut votes = vec![vec![0usize; self.global.len()]; self.sizes.len()];
        let per_call = (REPRESENT_ROWS / batch).max(1);
        let mut done = 0;
        while done < count {
            let group = per_call.min(count - done);
            let (mut rows, mut fixed) = (Vec::with_capacity(batch * group), Vec::with_capacity(group));
            for _ in 0..group {
                let k = self.used[below(rng, self.used.len())];
                let mut factors = sample_factors(self.sizes, batch, rng);
                let value = factors[0][k];
                factors.iter_mut().for_each(|row| row[k] = value);
                fixed.push(k);
                rows.extend(factors);
            }
            let codes = represent(data, &rows)?;
            for (k, batch_codes) in fixed.into_iter().zip(codes.chunks(batch)) {
                let local = variances(batch_codes);
                let ratio = |d: usize| local[d] / self.global[d];
                let best =
                    self.active.iter().copied().fold(self.active[0], |b, d| if ratio(d) < ratio(b) { d } else { b });
                votes[k][best] += 1;
            }
            done += group;
        }
        Ok(votes)
    }
}
