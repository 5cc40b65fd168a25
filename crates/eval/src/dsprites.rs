//! Scoring a dSprites run (`--dataset shapes`) against its five known factors, the way the field
//! scores disentanglement (Locatello et al. 2019): the six metrics of [`disentanglement`] on a
//! representation r(x) of real, rendered dSprites images, for two representations:
//!
//! - InfoGAN's Q network (D's trunk with its Q head), for the runs that have one;
//! - for every model, a post-hoc encoder trained on fresh pairs (G(z, c), c) from the run's
//!   generator in eval mode (InfoGAN's L_I surrogate with continuous weight 1, as on MNIST). Its
//!   network for 64 x 64 images is InfoGAN-CR's dSprites D with a Q head, trained from scratch.
//!
//! Each representation is the network's whole output (for dSprites' default layout, the five
//! continuous codes). The points-based metrics (MIG, SAP, DCI, Modularity) and the codes x
//! factors mutual-information matrix share one draw of training points (and SAP and DCI one of
//! test points); BetaVAE and FactorVAE draw their own batches. Every draw comes from the
//! [`MetricSizes`]' seed, so an evaluation repeats exactly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::prelude::*;
use hsic_infogan_data::DatasetSpec;
use hsic_infogan_data::shapes::{Factor, Factors, SHAPES_SIZE, render_batch};
use hsic_infogan_models::{Discriminator, DiscriminatorConfig, Latent, Networks, Rng};
use hsic_infogan_run::{self as run, files};
use serde::{Deserialize, Serialize};

use crate::EvalError;
use crate::disentanglement::beta_vae::{BetaVaeConfig, BetaVaeScore, beta_vae};
use crate::disentanglement::dci::{DciScore, dci_of_points};
use crate::disentanglement::factor_vae::{FactorVaeConfig, FactorVaeScore, factor_vae};
use crate::disentanglement::mig::{MigScore, mig_of_points};
use crate::disentanglement::modularity::{ModularityScore, modularity_of_points};
use crate::disentanglement::mutual_info::{MiMatrix, mi_matrix};
use crate::disentanglement::sap::{SapScore, sap_of_points};
use crate::disentanglement::{GroundTruth, draw_points};
use crate::encoder::{self, EncoderConfig};
use crate::factor_classifier::{self, FactorClassifier, FactorClassifierInfo};
use crate::fid::{Gaussian, frechet_distance};

/// The metrics' sample sizes and seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSizes {
    /// Seeds every draw (BetaVAE and FactorVAE take it as theirs; the shared training points
    /// are drawn from it, the test points from `seed + 1`).
    pub seed: u64,
    pub beta_vae: BetaVaeConfig,
    pub factor_vae: FactorVaeConfig,
    /// Training points of MIG, Modularity, SAP, DCI and the mutual-information matrix.
    pub num_train: usize,
    /// Test points of SAP and DCI.
    pub num_test: usize,
    /// Histogram bins of each code for the mutual information (MIG, Modularity).
    pub num_bins: usize,
}

impl MetricSizes {
    /// disentanglement_lib's default sizes (its `.gin` files): 1.3 M images for BetaVAE and
    /// 0.65 M for FactorVAE, about 20 minutes of rendering and forward passes on a 2-core CPU.
    pub fn literature(seed: u64) -> Self {
        Self {
            seed,
            beta_vae: BetaVaeConfig { seed, ..BetaVaeConfig::default() },
            factor_vae: FactorVaeConfig { seed, ..FactorVaeConfig::default() },
            num_train: 10_000,
            num_test: 5_000,
            num_bins: 20,
        }
    }

    /// The default of `eval`: a tenth of the literature's BetaVAE and FactorVAE votes (their
    /// standard error grows from about 0.5 to 1.5 points), the literature's point counts.
    pub fn fast(seed: u64) -> Self {
        Self::literature(seed).with_votes(1_000)
    }

    /// `votes` training votes of BetaVAE and FactorVAE, half as many to evaluate, and five
    /// images per vote for FactorVAE's variance estimate.
    pub fn with_votes(self, votes: usize) -> Self {
        let eval = (votes / 2).max(1);
        Self {
            beta_vae: BetaVaeConfig { num_train: votes, num_eval: eval, ..self.beta_vae },
            factor_vae: FactorVaeConfig {
                num_train: votes,
                num_eval: eval,
                num_variance_estimate: 5 * votes,
                ..self.factor_vae
            },
            ..self
        }
    }

    /// `points` training points of MIG, SAP, DCI, Modularity and the mutual information, half
    /// as many test points.
    pub fn with_points(self, points: usize) -> Self {
        Self { num_train: points, num_test: (points / 2).max(1), ..self }
    }
}

/// The six metrics and the mutual-information matrix of one representation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub beta_vae: BetaVaeScore,
    pub factor_vae: FactorVaeScore,
    pub mig: MigScore,
    pub sap: SapScore,
    pub dci: DciScore,
    pub modularity: ModularityScore,
    /// Codes x factors (in [`Factor::ALL`] order).
    pub mutual_information: MiMatrix,
    /// Per code, the factor it captures most by normalised mutual information (`none` when it
    /// captures none).
    pub captures: Vec<String>,
    /// Wall time of each part: `beta_vae`, `factor_vae`, `points` (drawing and representing the
    /// shared points), `mig`, `sap`, `dci`, `modularity`, `mutual_information`.
    pub seconds: BTreeMap<String, f64>,
}

impl Scores {
    /// Wall time of all the metrics.
    pub fn total_seconds(&self) -> f64 {
        self.seconds.values().sum()
    }
}

/// The post-hoc encoder's scores for one checkpoint, saved as the run's `encoder.json` and
/// reused while the checkpoint, the recipe and the sizes stay the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderScores {
    pub recipe: EncoderConfig,
    pub iteration: usize,
    pub sizes: MetricSizes,
    /// Mean loss over the last 10% of the steps (on generated images).
    pub final_loss: f64,
    pub train_seconds: f64,
    pub scores: Scores,
}

/// Everything `eval` measures on a dSprites run, saved as its `eval.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DspritesReport {
    pub iteration: usize,
    pub epochs: f64,
    /// The factors' names, in the order of every factor index below.
    pub factors: Vec<String>,
    pub sizes: MetricSizes,
    pub disentanglement: Disentanglement,
    /// FID on the factor classifier's features; `None` without a classifier (and in the files
    /// written before the score existed).
    #[serde(default)]
    pub image_quality: Option<ImageQuality>,
}

/// The generated shapes' image quality: FID between Gaussians fitted to the
/// [factor classifier](factor_classifier)'s features of real and of generated images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageQuality {
    /// FID of `samples` generated images (latents drawn with the metrics' seed) against as many
    /// real ones (factors drawn with [`REAL_SEED`]).
    pub fid: f64,
    /// FID between that real draw and a second one (seed `REAL_SEED + 1`): the score of a
    /// generator that draws dSprites exactly, at this sample size.
    pub fid_floor: f64,
    pub samples: usize,
    /// The classifier's test accuracy per factor, in the report's factor order.
    pub classifier_accuracy: Vec<f64>,
    pub seconds: f64,
}

/// Seed of the real images the generated ones are compared with.
pub const REAL_SEED: u64 = 0;

/// The scores of each representation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disentanglement {
    /// InfoGAN's Q network; `None` for the models without one.
    pub q: Option<Scores>,
    /// The post-hoc encoder; `None` when skipped.
    pub encoder: Option<EncoderScores>,
}

/// Settings of a dSprites evaluation.
#[derive(Debug, Clone)]
pub struct DspritesOptions {
    pub sizes: MetricSizes,
    /// The post-hoc encoder's recipe; `None` skips the encoder.
    pub encoder: Option<EncoderConfig>,
    /// The factor classifier and the number of samples for the image-quality score; `None`
    /// skips it.
    pub quality: Option<QualityOptions>,
}

/// What the image-quality score needs.
#[derive(Debug, Clone)]
pub struct QualityOptions {
    pub classifier: FactorClassifier,
    pub info: FactorClassifierInfo,
    pub samples: usize,
}

/// Rendered dSprites images seen through a network: the metrics' ground truth.
struct Rendered<'a> {
    sizes: [usize; 5],
    network: &'a dyn Fn(Tensor<4>) -> Tensor<2>,
    device: &'a Device,
}

impl GroundTruth for Rendered<'_> {
    type Error = std::convert::Infallible;

    fn factor_sizes(&self) -> &[usize] {
        &self.sizes
    }

    fn represent(&mut self, factors: &[Vec<usize>]) -> Result<Vec<Vec<f64>>, Self::Error> {
        let factors: Vec<Factors> = factors.iter().map(|row| Factors(std::array::from_fn(|k| row[k]))).collect();
        let codes = (self.network)(render_batch(&factors, self.device));
        let [_, width] = codes.dims();
        let values: Vec<f32> = codes.into_data().try_to_vec().expect("f32 codes");
        Ok(values.chunks(width).map(|row| row.iter().map(|&v| f64::from(v)).collect()).collect())
    }
}

/// The six metrics and the mutual-information matrix of `network`'s codes of real dSprites images.
pub fn score(
    network: &dyn Fn(Tensor<4>) -> Tensor<2>,
    sizes: &MetricSizes,
    device: &Device,
) -> Result<Scores, EvalError> {
    let factor_sizes = Factor::ALL.map(Factor::count);
    let mut data = Rendered { sizes: factor_sizes, network, device };
    let mut seconds = BTreeMap::new();
    let beta_vae = timed(&mut seconds, "beta_vae", || beta_vae(&mut data, &sizes.beta_vae))?;
    let factor_vae = timed(&mut seconds, "factor_vae", || factor_vae(&mut data, &sizes.factor_vae))?;
    let (train, test) = timed(&mut seconds, "points", || {
        Ok::<_, EvalError>((
            draw_points(&mut data, sizes.num_train, sizes.seed)?,
            draw_points(&mut data, sizes.num_test, sizes.seed.wrapping_add(1))?,
        ))
    })?;
    let bins = sizes.num_bins;
    let mutual_information = timed(&mut seconds, "mutual_information", || mi_matrix(&train, &factor_sizes, bins))?;
    let captures = mutual_information
        .best_factor
        .iter()
        .map(|best| best.map_or("none", |j| Factor::ALL[j].name()).to_string())
        .collect();
    Ok(Scores {
        beta_vae,
        factor_vae,
        mig: timed(&mut seconds, "mig", || mig_of_points(&train, &factor_sizes, bins))?,
        sap: timed(&mut seconds, "sap", || sap_of_points(&train, &test, &factor_sizes))?,
        dci: timed(&mut seconds, "dci", || dci_of_points(&train, &test, &factor_sizes, sizes.seed))?,
        modularity: timed(&mut seconds, "modularity", || modularity_of_points(&train, &factor_sizes, bins))?,
        mutual_information,
        captures,
        seconds,
    })
}

/// `f()`, with its wall time recorded under `name`.
fn timed<T>(seconds: &mut BTreeMap<String, f64>, name: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let result = f();
    seconds.insert(name.to_string(), start.elapsed().as_secs_f64());
    result
}

/// Evaluates `trained`, the checkpoint in `run` (a dSprites run, loaded by
/// [`run::load_generator`]); `on_encoder_step(step)` after each step of the encoder's training.
pub fn evaluate(
    run: &Path,
    trained: &run::TrainedGenerator,
    options: &DspritesOptions,
    on_encoder_step: &mut dyn FnMut(usize),
) -> Result<DspritesReport, EvalError> {
    let side = SHAPES_SIZE;
    if trained.config.dataset != DatasetSpec::Shapes || trained.state.image != [1, side, side] {
        return Err(EvalError::Config(format!(
            "{}: the dSprites metrics score runs trained on `shapes` ({side} x {side}); this one was trained on `{}`",
            run.display(),
            trained.config.dataset
        )));
    }
    let device = &trained.device;
    let q = match run::load_q(run, trained)? {
        Some(d) => Some(score(&|images| q_codes(&d, images), &options.sizes, device)?),
        None => None,
    };
    let encoder = match &options.encoder {
        Some(recipe) if trained.config.latent.code_size() > 0 => {
            match cached(run, trained.state.iteration, recipe, &options.sizes) {
                Some(scores) => Some(scores),
                None => Some(train_encoder(run, trained, recipe, &options.sizes, on_encoder_step)?),
            }
        }
        _ => None,
    };
    let image_quality = match &options.quality {
        Some(quality) => Some(image_quality(trained, quality, options.sizes.seed)?),
        None => None,
    };
    Ok(DspritesReport {
        iteration: trained.state.iteration,
        epochs: trained.state.iteration as f64 / trained.state.iters_per_epoch.max(1) as f64,
        factors: Factor::ALL.iter().map(|f| f.name().to_string()).collect(),
        sizes: options.sizes.clone(),
        disentanglement: Disentanglement { q, encoder },
        image_quality,
    })
}

/// FID of `quality.samples` images of the run's generator (latents drawn with `seed`).
fn image_quality(
    trained: &run::TrainedGenerator,
    quality: &QualityOptions,
    seed: u64,
) -> Result<ImageQuality, EvalError> {
    let start = Instant::now();
    let (classifier, n, device) = (&quality.classifier, quality.samples, &trained.device);
    let real = factor_classifier::real_gaussian(classifier, n, REAL_SEED, device)?;
    let floor = factor_classifier::real_gaussian(classifier, n, REAL_SEED + 1, device)?;
    let layout = &trained.config.latent;
    let mut rng = Rng::new(seed);
    let chunks = trained.generator.sample_chunks(layout, n, 500, &mut rng, device).map(|(_, images)| images);
    let fake = Gaussian::fit(factor_classifier::features(classifier, chunks)?.view());
    Ok(ImageQuality {
        fid: frechet_distance(&real, &fake),
        fid_floor: frechet_distance(&real, &floor),
        samples: n,
        classifier_accuracy: quality.info.test_accuracy.clone(),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The dSprites encoder's recipe: 1,000 steps at Adam 1e-3, never shifted (position is one of the
/// factors), as the dSprites numbers in the docs were measured. MNIST's was shortened after
/// measuring it on MNIST runs ([`encoder::mnist_recipe`]).
pub fn encoder_recipe() -> EncoderConfig {
    EncoderConfig::new().with_steps(1000).with_learning_rate(1e-3)
}

fn q_codes(d: &Discriminator, images: Tensor<4>) -> Tensor<2> {
    d.forward(images).q.expect("a Q network has a Q head")
}

fn train_encoder(
    run: &Path,
    trained: &run::TrainedGenerator,
    recipe: &EncoderConfig,
    sizes: &MetricSizes,
    on_step: &mut dyn FnMut(usize),
) -> Result<EncoderScores, EvalError> {
    let start = Instant::now();
    let layout = &trained.config.latent;
    let autodiff = trained.device.clone().autodiff();
    let network = DiscriminatorConfig::new(trained.state.image)
        .with_q_outputs(Some(layout.code_size()))
        .with_networks(Networks::Dsprites)
        .init(&mut Rng::new(recipe.seed), &autodiff);
    let draw = |latent: &Latent| trained.generator.forward(latent.input(&trained.device));
    let (network, final_loss) = encoder::fit(network, q_codes, layout, recipe, draw, on_step);
    let train_seconds = start.elapsed().as_secs_f64();
    let scores = score(&|images| q_codes(&network, images), sizes, &trained.device)?;
    let result = EncoderScores {
        recipe: recipe.clone(),
        iteration: trained.state.iteration,
        sizes: sizes.clone(),
        final_loss,
        train_seconds,
        scores,
    };
    files::write_atomic(&run::encoder_path(run), to_json(&result))?;
    Ok(result)
}

/// The cached encoder scores of `run` for this checkpoint, recipe and sizes, if there are some.
fn cached(run: &Path, iteration: usize, recipe: &EncoderConfig, sizes: &MetricSizes) -> Option<EncoderScores> {
    let text = std::fs::read_to_string(run::encoder_path(run)).ok()?;
    serde_json::from_str::<EncoderScores>(&text)
        .ok()
        .filter(|s| s.iteration == iteration && &s.recipe == recipe && &s.sizes == sizes)
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("scores serialise")
}

/// Writes `report` to `run/eval.json` through a temporary name.
pub fn save(report: &DspritesReport, run: &Path) -> Result<PathBuf, EvalError> {
    let path = run::eval_report_path(run);
    files::write_atomic(&path, to_json(report))?;
    Ok(path)
}

/// The `eval.json` of a dSprites run.
pub fn load(run: &Path) -> Result<DspritesReport, EvalError> {
    let path = run::eval_report_path(run);
    let text = std::fs::read_to_string(&path).map_err(|_| EvalError::NotEvaluated(path.clone()))?;
    serde_json::from_str(&text)
        .map_err(|e| EvalError::Run(run::RunError::run(&path, format!("not a dSprites eval.json: {e}"))))
}
