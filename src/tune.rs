//! `hsic-infogan tune`: the paper's tuning strategy as measurements and a few scored runs. The
//! paper picks a kernel width first (searching 2 to 10), then a weight lambda that puts the HSIC
//! term and G's loss on the same order of magnitude, and judges by eye.
//!
//! 1. Dependence signal, per (sigma_x, sigma_c): HSIC between images and codes with the true
//!    pairing and with the codes shuffled within the batch, on real batches and on batches of
//!    the initial generator. For real images the first categorical code is the image's class
//!    and the other codes are drawn from the prior: what HSIC sees once G has learnt the class.
//!    The signal is z = (paired - shuffled) / sd(shuffled); widths are ranked by the real z
//!    (by the generated z where the data have no classes).
//! 2. Lambda, two ways, each reported with the other's ratio:
//!    - the paper's loss rule, lambda * HSIC(G(z, c), c) = G loss at the start;
//!    - the gradient rule, lambda * |grad HSIC| / |grad adversarial| at G's output =
//!      [`target_ratio`], the one `tune` uses.
//! 3. Refinement: a few short runs ([`sweep::run`]) over the best sigma_x of each sigma_c (see
//!    [`shortlist`]) and lambda x 1, 1/2, 2, ranked by categorical accuracy.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use burn::prelude::*;
use hsic::Estimator;
use hsic_infogan_data::DatasetSpec;
use hsic_infogan_eval::EvalOptions;
use hsic_infogan_models::{Latent, Rng};
use hsic_infogan_train::losses::{HsicInputs, HsicTerms};
use hsic_infogan_train::{GradientNorms, Observer, TrainConfig, Trainer, TrainingData, mean_gradient_norm};

use crate::sweep::{self, Cell, CellResult, SweepError};

/// Host stream of the real batches, their codes and the shuffles.
const TUNE_STREAM: u64 = (1 << 40) + 3;

/// Multipliers of a width's lambda that the refinement tries, in this order.
pub const LAMBDA_FACTORS: [f64; 3] = [1.0, 0.5, 2.0];

/// The gradient ratio lambda |grad HSIC| / |grad adversarial| at G's output, for the initial
/// networks, that `tune` sets lambda to; measured on MNIST (README, "Tuning").
///
/// - CKA: 0.65. Under CKA the start ratio depends on lambda alone (0.32, 0.65, 1.3 for lambda
///   0.5, 1, 2 at every sigma of the 3 x 3 sweep) and no run collapsed, so this is not a safety
///   bound: it is the ratio of lambda 1, which had the best mean accuracy at a moderate FID.
/// - Biased and unbiased HSIC: 0.01, a factor 4 below the smallest start ratio that collapsed
///   (0.088 here at lambda 300; 0.04-0.27 in a reference study), next to ratios that survived
///   (0.0088 here at lambda 30, 0.004 there).
pub fn target_ratio(estimator: &Estimator) -> f64 {
    match estimator {
        Estimator::Normalized => 0.65,
        Estimator::Biased | Estimator::Unbiased => 0.01,
    }
}

/// HSIC averaged over batches with the true pairing and with the codes shuffled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signal {
    pub paired: f64,
    pub shuffled: f64,
    /// Standard deviation of the shuffled values over the batches.
    pub shuffled_sd: f64,
}

impl Signal {
    fn of(paired: &[f64], shuffled: &[f64]) -> Self {
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let shuffled_mean = mean(shuffled);
        let var = shuffled.iter().map(|s| (s - shuffled_mean).powi(2)).sum::<f64>() / (shuffled.len() - 1) as f64;
        Self { paired: mean(paired), shuffled: shuffled_mean, shuffled_sd: var.sqrt() }
    }

    /// How many standard deviations of the shuffled values the true pairing stands above them.
    pub fn z(&self) -> f64 {
        (self.paired - self.shuffled) / self.shuffled_sd
    }
}

/// What `tune` measured for one pair of kernel widths.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub sigma_x: f64,
    pub sigma_c: f64,
    /// On real images paired with their class (`None` where the data have no classes).
    pub real: Option<Signal>,
    /// On the initial generator's images paired with their codes.
    pub generated: Signal,
    /// G's adversarial loss at the start (the same for every width).
    pub g_loss: f64,
    /// |grad adversarial| and |grad HSIC| at G's output, at lambda 1.
    pub gradients: GradientNorms,
}

impl Measurement {
    /// The signal widths are ranked by: real if measured, else generated.
    pub fn signal(&self) -> Signal {
        self.real.unwrap_or(self.generated)
    }

    /// The paper's rule: lambda * HSIC(G(z, c), c) = G loss.
    pub fn lambda_by_loss(&self) -> f64 {
        self.g_loss / self.generated.paired
    }

    /// The gradient rule: lambda * |grad HSIC| / |grad adversarial| = `target_ratio`.
    pub fn lambda_by_gradient(&self, target_ratio: f64) -> f64 {
        target_ratio / self.gradients.ratio()
    }

    /// lambda * |grad HSIC| / |grad adversarial| at the start for this `lambda`.
    pub fn gradient_ratio(&self, lambda: f64) -> f64 {
        lambda * self.gradients.ratio()
    }

    /// lambda * HSIC / G loss at the start for this `lambda`.
    pub fn loss_ratio(&self, lambda: f64) -> f64 {
        lambda * self.generated.paired / self.g_loss
    }
}

/// The widths measured and the refinement's budget.
#[derive(Debug, Clone)]
pub struct TuneOptions {
    pub sigma_x: Vec<f64>,
    pub sigma_c: Vec<f64>,
    /// Batches every measurement averages over (at least 2, for the spread of the shuffled
    /// values).
    pub batches: usize,
    /// Refinement runs (0: measure only).
    pub runs: usize,
    /// Training iterations of each refinement run.
    pub iters: usize,
    /// How the refinement runs are scored.
    pub eval: EvalOptions,
}

impl TuneOptions {
    fn check(&self) -> Result<(), SweepError> {
        let bad = |msg: &str| Err(SweepError::Config(msg.into()));
        if self.sigma_x.is_empty() || self.sigma_c.is_empty() {
            return bad("--sigma-x and --sigma-c need at least one value each");
        }
        if self.batches < 2 {
            return bad("--batches must be at least 2 (the spread of the shuffled HSIC needs two)");
        }
        if self.runs > 0 && self.iters == 0 {
            return bad("--budget must give each refinement run at least one iteration");
        }
        Ok(())
    }
}

/// What `tune` found.
#[derive(Debug, Clone)]
pub struct Tuned {
    /// Best signal first.
    pub measurements: Vec<Measurement>,
    /// Best categorical accuracy first; failed runs last.
    pub refined: Vec<CellResult>,
    /// The recommended widths and lambda, and `base` with them.
    pub cell: Cell,
    pub config: TrainConfig,
}

/// Measures every width pair of `options` on `base` (an HSIC-InfoGAN config with one HSIC term,
/// whose widths and lambda are replaced), calling `on_pair(k, total, widths)` before each; best
/// signal first.
pub fn measure(
    base: &TrainConfig,
    data: &TrainingData,
    options: &TuneOptions,
    mut on_pair: impl FnMut(usize, usize, &Cell),
) -> Result<Vec<Measurement>, SweepError> {
    options.check()?;
    sweep::check_base(base)?;
    let widths: Vec<Cell> = options
        .sigma_x
        .iter()
        .flat_map(|&sigma_x| {
            options.sigma_c.iter().map(move |&sigma_c| Cell { sigma_x, sigma_c, lambda: 1.0, seed: 0 })
        })
        .collect();
    let configs = widths
        .iter()
        .map(|w| {
            let config = w.config(base);
            config.validate().map_err(|e| SweepError::Config(format!("σx {} σc {}: {e}", w.sigma_x, w.sigma_c)))?;
            Ok(config)
        })
        .collect::<Result<Vec<_>, SweepError>>()?;

    // The initial networks do not depend on the widths or lambda.
    let probes = Trainer::new(base.clone(), data.clone())?.probe(options.batches);
    let device = probes[0].fake.device();
    let n = probes.len() as f64;
    let g_loss = probes.iter().map(|p| f64::from(p.adversarial.clone().into_scalar::<f32>())).sum::<f64>() / n;
    let adversarial = mean_gradient_norm(&probes, |p| p.adversarial.clone());
    let mut rng = Rng::fork(base.seed, TUNE_STREAM);
    let real = real_batches(base, data, options.batches, &device, &mut rng);
    let orders: Vec<Vec<usize>> = (0..options.batches).map(|_| rng.permutation(base.batch_size)).collect();

    let mut measurements: Vec<Measurement> = widths
        .iter()
        .zip(&configs)
        .enumerate()
        .map(|(k, (width, config))| {
            on_pair(k, widths.len(), width);
            let terms = HsicTerms::new(config.regularizer.hsic_terms());
            let hsic = |x: Tensor<4>, latent: &Latent| terms.forward(HsicInputs::pixels(x), latent, 0.0).unweighted;
            let scalar = |t: Tensor<1>| f64::from(t.into_scalar::<f32>());
            let real = real.as_ref().map(|batches| {
                let (paired, shuffled): (Vec<f64>, Vec<f64>) = batches
                    .iter()
                    .zip(&orders)
                    .map(|((x, latent), order)| {
                        (scalar(hsic(x.clone(), latent)), scalar(hsic(x.clone(), &shuffled(latent, order))))
                    })
                    .unzip();
                Signal::of(&paired, &shuffled)
            });
            let mut paired = Vec::new();
            let grad = mean_gradient_norm(&probes, |probe| {
                let value = hsic(probe.fake.clone(), &probe.latent);
                paired.push(scalar(value.clone()));
                value
            });
            let mixed: Vec<f64> = probes
                .iter()
                .zip(&orders)
                .map(|(probe, order)| scalar(hsic(probe.fake.clone().detach(), &shuffled(&probe.latent, order))))
                .collect();
            Measurement {
                sigma_x: width.sigma_x,
                sigma_c: width.sigma_c,
                real,
                generated: Signal::of(&paired, &mixed),
                g_loss,
                gradients: GradientNorms { adversarial, hsic: grad },
            }
        })
        .collect();
    measurements.sort_by(|a, b| b.signal().z().total_cmp(&a.signal().z()));
    Ok(measurements)
}

/// `batches` real batches with codes whose first categorical code is the image's class; `None`
/// if the data have no classes or more classes than that code has values.
fn real_batches(
    base: &TrainConfig,
    data: &TrainingData,
    batches: usize,
    device: &Device,
    rng: &mut Rng,
) -> Option<Vec<(Tensor<4>, Latent)>> {
    let labels = data.labels()?;
    let values = *base.latent.categorical.first()?;
    if labels.iter().any(|&label| label >= values) {
        return None;
    }
    let groups = base.latent.categorical.len();
    let order = rng.permutation(data.len());
    let batch = base.batch_size;
    Some(
        order
            .chunks_exact(batch)
            .take(batches)
            .map(|indices| {
                let mut latent = base.latent.sample(batch, rng);
                for (b, &i) in indices.iter().enumerate() {
                    latent.categories[b * groups] = labels[i];
                }
                (data.batch(indices, device), latent)
            })
            .collect(),
    )
}

/// `latent` with its codes (not its noise) reordered: row `b` takes the codes of row `order[b]`.
fn shuffled(latent: &Latent, order: &[usize]) -> Latent {
    let mut out = latent.clone();
    out.categories = rows(&latent.categories, latent.layout.categorical.len(), order);
    out.continuous = rows(&latent.continuous, latent.layout.continuous, order);
    out
}

/// The rows `order` of a row-major matrix `width` wide.
fn rows<T: Copy>(values: &[T], width: usize, order: &[usize]) -> Vec<T> {
    order.iter().flat_map(|&r| &values[r * width..(r + 1) * width]).copied().collect()
}

/// `x` to two significant digits, so lambdas read (and name cell folders) cleanly.
fn two_digits(x: f64) -> f64 {
    format!("{x:.1e}").parse().expect("a formatted float parses")
}

/// The width pairs the refinement tries: for each sigma_c, the sigma_x with the strongest
/// signal, in signal order. The signal ranks sigma_x but cannot judge sigma_c: the real images
/// have no counterpart of the continuous codes, so a narrow code kernel, which turns their random
/// values into noise on the code side, looks weak, yet the narrowest sigma_c trained best in the
/// README's runs. So every sigma_c goes to the refinement.
pub fn shortlist(measurements: &[Measurement]) -> Vec<&Measurement> {
    let mut by_signal: Vec<&Measurement> = measurements.iter().collect();
    by_signal.sort_by(|a, b| b.signal().z().total_cmp(&a.signal().z()));
    let mut best: Vec<&Measurement> = Vec::new();
    for m in by_signal {
        if best.iter().all(|b| b.sigma_c != m.sigma_c) {
            best.push(m);
        }
    }
    best
}

/// The refinement's cells: shortlisted pair i with lambda factor j of [`LAMBDA_FACTORS`], taken
/// in order of i + j (then j), the first `runs` of them.
pub fn candidates(measurements: &[Measurement], target_ratio: f64, runs: usize, seed: u64) -> Vec<Cell> {
    let pairs = shortlist(measurements);
    let mut cells = Vec::new();
    for rank in 0..pairs.len() + LAMBDA_FACTORS.len() {
        for (j, factor) in LAMBDA_FACTORS.iter().enumerate().take(rank + 1) {
            if let Some(m) = pairs.get(rank - j) {
                let lambda = two_digits(factor * m.lambda_by_gradient(target_ratio));
                cells.push(Cell { sigma_x: m.sigma_x, sigma_c: m.sigma_c, lambda, seed });
            }
        }
    }
    cells.truncate(runs);
    cells
}

/// How far the measurements of [`run`] have come.
pub enum Measuring<'a> {
    /// Before the width pair `k` (from 0) of `total`.
    Pair { k: usize, total: usize, widths: &'a Cell },
    /// All pairs measured, best signal first.
    Done(&'a [Measurement]),
}

/// Measures (telling `on_measuring` how far it has come), refines with `options.runs` short runs
/// in `out/cells` (a stopped tune resumes them) and recommends; `None` when `stop` was set during
/// the refinement.
pub fn run(
    base: &TrainConfig,
    options: &TuneOptions,
    out: &Path,
    stop: &AtomicBool,
    observer: &mut dyn Observer,
    mut on_measuring: impl FnMut(Measuring),
    on_cell: impl FnMut(usize, usize, &Cell),
) -> Result<Option<Tuned>, SweepError> {
    if options.runs > 0 && base.dataset != DatasetSpec::Mnist {
        return Err(SweepError::Config(format!(
            "tune ranks its refinement runs by MNIST categorical accuracy, which dataset `{}` has no \
             classifier for: pass --runs 0 to measure only",
            base.dataset
        )));
    }
    let data = TrainingData::load_with(base, &mut |progress| observer.download(progress))?;
    let measurements =
        measure(base, &data, options, |k, total, widths| on_measuring(Measuring::Pair { k, total, widths }))?;
    on_measuring(Measuring::Done(&measurements));
    let target = target_ratio(&base.regularizer.hsic_terms()[0].hsic.estimator);
    let cells = candidates(&measurements, target, options.runs.max(1), base.seed);
    let mut refined = Vec::new();
    if options.runs > 0 {
        let short = base.clone().with_max_iters(Some(options.iters));
        let Some(results) = sweep::run(&short, &cells, out, &options.eval, stop, observer, on_cell)? else {
            return Ok(None);
        };
        refined = results;
        refined.sort_by(|a, b| accuracy(b).total_cmp(&accuracy(a)));
    }
    let best = refined.first().filter(|r| r.outcome.is_ok()).map_or(cells[0], |r| r.cell);
    Ok(Some(Tuned { measurements, refined, cell: best, config: best.config(base) }))
}

/// The first categorical code's accuracy; -1 for a failed run.
fn accuracy(result: &CellResult) -> f64 {
    match &result.outcome {
        Ok(report) => report.categorical.first().map_or(0.0, |s| s.accuracy),
        Err(_) => -1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measurement(sigma_x: f64, sigma_c: f64, z: f64, ratio: f64) -> Measurement {
        let signal = Signal { paired: 0.1 + z, shuffled: 0.1, shuffled_sd: 1.0 };
        Measurement {
            sigma_x,
            sigma_c,
            real: Some(signal),
            generated: Signal { paired: 0.2, shuffled: 0.1, shuffled_sd: 0.05 },
            g_loss: 0.7,
            gradients: GradientNorms { adversarial: 1.0, hsic: ratio },
        }
    }

    #[test]
    fn signal_is_the_gap_in_shuffled_standard_deviations() {
        // Shuffled 1, 2, 3: mean 2, sample sd 1; paired mean 5 -> z = 3.
        let signal = Signal::of(&[4.0, 6.0], &[1.0, 2.0, 3.0]);
        assert_eq!(signal, Signal { paired: 5.0, shuffled: 2.0, shuffled_sd: 1.0 });
        assert_eq!(signal.z(), 3.0);
    }

    #[test]
    fn lambda_rules_and_their_ratios_agree() {
        let m = measurement(4.0, 1.0, 3.0, 0.2);
        // Loss rule: 0.7 / 0.2; gradient rule: 0.65 / 0.2.
        assert!((m.lambda_by_loss() - 3.5).abs() < 1e-12);
        assert!((m.lambda_by_gradient(0.65) - 3.25).abs() < 1e-12);
        assert!((m.loss_ratio(m.lambda_by_loss()) - 1.0).abs() < 1e-12);
        assert!((m.gradient_ratio(m.lambda_by_gradient(0.65)) - 0.65).abs() < 1e-12);
    }

    #[test]
    fn candidates_pair_the_best_sigma_x_of_each_sigma_c_with_lambda_factors() {
        // Not in signal order: for each sigma_c the best sigma_x comes after a worse one.
        let ms = [
            measurement(4.0, 1.0, 4.0, 0.25),
            measurement(2.0, 0.5, 1.0, 1.0),
            measurement(8.0, 2.0, 8.0, 0.5),
            measurement(8.0, 1.0, 5.0, 0.25),
            measurement(4.0, 2.0, 9.0, 0.5),
        ];
        let pairs: Vec<(f64, f64)> = shortlist(&ms).iter().map(|m| (m.sigma_x, m.sigma_c)).collect();
        assert_eq!(pairs, [(4.0, 2.0), (8.0, 1.0), (2.0, 0.5)]);
        let cells = candidates(&ms, 0.65, 5, 3);
        let got: Vec<(f64, f64, f64)> = cells.iter().map(|c| (c.sigma_x, c.sigma_c, c.lambda)).collect();
        // Rank sum 0: (p0, x1); 1: (p1, x1), (p0, x0.5); 2: (p2, x1), (p1, x0.5).
        assert_eq!(got, [(4.0, 2.0, 1.3), (8.0, 1.0, 2.6), (4.0, 2.0, 0.65), (2.0, 0.5, 0.65), (8.0, 1.0, 1.3)]);
        assert!(cells.iter().all(|c| c.seed == 3));
        assert_eq!(candidates(&ms, 0.65, 100, 0).len(), 9, "every shortlisted pair x factor once");
    }

    #[test]
    fn shuffling_moves_codes_but_not_noise() {
        let layout =
            hsic_infogan_models::LatentConfig::new().with_noise(1).with_categorical(vec![3, 2]).with_continuous(1);
        let latent = layout.sample(3, &mut Rng::new(1));
        let moved = shuffled(&latent, &[2, 0, 1]);
        assert_eq!(moved.noise, latent.noise);
        assert_eq!(moved.categories[0..2], latent.categories[4..6]);
        assert_eq!(moved.categories[2..4], latent.categories[0..2]);
        assert_eq!(moved.continuous, [latent.continuous[2], latent.continuous[0], latent.continuous[1]]);
    }

    #[test]
    fn two_digits_rounds_to_two_significant_figures() {
        assert_eq!(two_digits(1.2345), 1.2);
        assert_eq!(two_digits(0.03456), 0.035);
        assert_eq!(two_digits(345.6), 350.0);
    }
}
