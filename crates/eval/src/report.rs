//! Scoring a run: draw n samples from its generator, label them with the cached MNIST
//! classifier, and measure what the codes control and how close the samples are to real digits;
//! then the literature's protocol: the codes the post-hoc encoder (and InfoGAN's Q) read from the
//! real test digits.

use std::cell::OnceCell;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::data::dataset::Dataset;
use burn::prelude::*;
use hsic_infogan_data::mnist::{self, MnistKind, Split};
use hsic_infogan_data::{DatasetSpec, ImageSet, unit_tensor};
use hsic_infogan_models::{Generator, Latent, LatentConfig, Rng};
use hsic_infogan_run::{self as run, files};
use ndarray::Array2;

use crate::EvalError;
use crate::classifier::{self, Classifier, FEATURES};
use crate::encoder::{self, EncoderConfig, EncoderScore};
use crate::factors::{slant, thickness};
use crate::fid::{Gaussian, frechet_distance};
use crate::scores::{
    CategoricalScore, ContinuousScore, RealDigitScore, categorical_score, continuous_score, real_digit_score,
};
use crate::stats::entropy_bits;

/// The fewest samples an evaluation draws: one per digit.
pub const MIN_SAMPLES: usize = 10;

/// The features the FIDs are computed on: not Inception-v3's, so the values are comparable
/// between runs scored here but not with FIDs published elsewhere.
pub const FID_FEATURES: &str = "hsic-infogan's MNIST classifier, penultimate layer (128 features); not Inception-v3";

/// Images per forward pass.
const CHUNK: usize = 500;

/// Latent draws over which [`EvalReport::digit_change`] is measured (fewer when `eval --n` is
/// smaller): at 1,000 its standard error is at most 1.6 points.
pub const CHANGE_DRAWS: usize = 1000;

/// The draws [`EvalReport::digit_change`] is measured over in an evaluation of `samples`.
pub fn change_draws(samples: usize) -> usize {
    CHANGE_DRAWS.min(samples)
}

/// Everything `eval` measures, saved as the run's `eval.json`.
#[derive(Config, Debug)]
pub struct EvalReport {
    /// The run's training iteration at the checkpoint evaluated.
    pub iteration: usize,
    /// `iteration` in epochs of the training set.
    pub epochs: f64,
    pub samples: usize,
    /// Seed of the latent samples.
    pub seed: u64,
    /// Test accuracy of the classifier that labelled the samples.
    pub classifier_test_accuracy: f64,
    /// One per categorical code.
    pub categorical: Vec<CategoricalScore>,
    /// FID between the classifier's penultimate features of the 10,000 MNIST test images and
    /// of the samples.
    pub fid: f64,
    /// FID of the first `samples` MNIST training images against the test images: what a
    /// generator of perfect digits would score with this many samples.
    pub fid_real: f64,
    /// What the FIDs are computed on: [`FID_FEATURES`] (`None` in files written before this
    /// field existed, measured the same way).
    pub fid_features: Option<String>,
    /// One per continuous code.
    pub continuous: Vec<ContinuousScore>,
    /// Per continuous code: the fraction of [`CHANGE_DRAWS`] latent draws whose digit (by the
    /// classifier) differs between the code at -1 and at +1, z and the other codes as drawn. A
    /// code that controls a style factor leaves the digit alone (near 0); one that also carries
    /// the digit's identity, as some traversals show, does not. `None` in files written before
    /// this field existed.
    pub digit_change: Option<Vec<f64>>,
    /// Entropy in bits of the predicted-digit histogram: log2(10) = 3.32 when every digit is
    /// generated equally often, lower under mode collapse.
    pub class_coverage: f64,
    /// Samples per predicted digit.
    pub class_histogram: Vec<usize>,
    /// The literature's protocol: accuracy of the post-hoc encoder's first categorical code on
    /// the 10,000 real MNIST test digits, matched to their labels (`None` when not measured).
    pub encoder_accuracy: Option<f64>,
    /// The encoder's recipe and all its scores on the real test digits.
    pub encoder: Option<EncoderScore>,
    /// InfoGAN only: the same score read by the run's own Q network.
    pub q_accuracy: Option<f64>,
    pub q: Option<RealDigitScore>,
}

/// Settings of an evaluation.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Number of generated samples (at least [`MIN_SAMPLES`]).
    pub samples: usize,
    pub seed: u64,
    /// Backend [default: the run's].
    pub device: Option<String>,
    /// Folder with the MNIST test files, searched before the run's own and the standard places.
    pub data_dir: Option<PathBuf>,
    /// Folder of the cached classifier [default: the user cache].
    pub classifier: Option<PathBuf>,
    /// The post-hoc encoder's recipe; `None` skips the encoder (InfoGAN's Q is scored anyway).
    pub encoder: Option<EncoderConfig>,
}

/// What the evaluations of several runs share: the classifier, the MNIST sets, the real digits'
/// Gaussians and factors. Built at the first run and kept for every later one that reads the same
/// data on the same device (a run's epoch snapshots, a sweep's cells), so that each further run
/// costs only its own samples.
pub struct Evaluator {
    options: EvalOptions,
    reference: Option<Reference>,
}

/// The real side of every score, for one device and one MNIST folder.
struct Reference {
    device: Device,
    data_dir: Option<PathBuf>,
    classifier: Classifier,
    test_accuracy: f64,
    test: ImageSet,
    /// Fitted to the features of the 10,000 test digits.
    real: Gaussian,
    /// Fitted to the features of the first `samples` training digits.
    floor: Gaussian,
    /// The test digits' slant and thickness, measured at the first code predictor's score.
    factors: OnceCell<(Vec<f64>, Vec<f64>)>,
}

impl Reference {
    fn load(options: &EvalOptions, data_dir: Option<PathBuf>, device: &Device) -> Result<Self, EvalError> {
        let classifier_dir = classifier::dir_or_cache(options.classifier.as_deref())?;
        let (classifier, info) = classifier::load(&classifier_dir, device)?;
        let files = mnist::find(MnistKind::Mnist, data_dir.as_deref())?;
        let (train, test) = (files.load(Split::Train)?, files.load(Split::Test)?);
        let real = Gaussian::fit(real_features(&classifier, &test, 0..test.len(), device).view());
        let floor =
            Gaussian::fit(real_features(&classifier, &train, 0..options.samples.min(train.len()), device).view());
        Ok(Self {
            device: device.clone(),
            data_dir,
            classifier,
            test_accuracy: info.test_accuracy,
            test,
            real,
            floor,
            factors: OnceCell::new(),
        })
    }
}

impl Evaluator {
    pub fn new(options: EvalOptions) -> Self {
        Self { options, reference: None }
    }

    pub fn options(&self) -> &EvalOptions {
        &self.options
    }

    /// Evaluates the checkpoint in `run`, an MNIST run, calling `on_encoder_step(step)` after each
    /// step of the encoder's training.
    pub fn evaluate(&mut self, run: &Path, on_encoder_step: &mut dyn FnMut(usize)) -> Result<EvalReport, EvalError> {
        let options = &self.options;
        if options.samples < MIN_SAMPLES {
            return Err(EvalError::TooFewSamples(options.samples));
        }
        if let Some(recipe) = &options.encoder
            && (recipe.steps == 0 || recipe.batch_size == 0)
        {
            return Err(EvalError::Config(format!(
                "the encoder needs at least one step of at least one image, got {} steps of {}",
                recipe.steps, recipe.batch_size
            )));
        }
        let trained = run::load_generator(run, options.device.as_deref())?;
        if trained.config.dataset != DatasetSpec::Mnist || trained.state.image != [1, 28, 28] {
            return Err(EvalError::NotMnist { run: run.to_path_buf(), dataset: trained.config.dataset.to_string() });
        }
        let data_dir = options.data_dir.clone().or(trained.config.data_dir.clone());
        let reference = match self.reference.take() {
            Some(kept) if kept.device == trained.device && kept.data_dir == data_dir => kept,
            _ => Reference::load(options, data_dir, &trained.device)?,
        };
        let report = score(run, options, &reference, &trained, on_encoder_step);
        self.reference = Some(reference);
        report
    }
}

/// The scores of `trained`'s checkpoint (from `run`) against `reference`.
fn score(
    run: &Path,
    options: &EvalOptions,
    reference: &Reference,
    trained: &run::TrainedGenerator,
    on_encoder_step: &mut dyn FnMut(usize),
) -> Result<EvalReport, EvalError> {
    let q_network = run::load_q(run, trained)?;
    let run::TrainedGenerator { config, state, generator, device } = trained;
    let classifier = &reference.classifier;
    let codes = RealCodes { set: &reference.test, layout: &config.latent, device, factors: &reference.factors };
    let q = q_network.map(|d| codes.score(|images| d.forward(images).q.expect("InfoGAN's D has a Q head")));
    let encoder = match &options.encoder {
        Some(recipe) if config.latent.code_size() > 0 => match encoder::cached(run, state.iteration, recipe) {
            Some(score) => Some(score),
            None => Some(train_encoder(run, trained, recipe, &codes, on_encoder_step)?),
        },
        _ => None,
    };
    let samples = generate(generator, &config.latent, classifier, options, device)?;
    let digit_change = digit_change(
        &config.latent,
        change_draws(options.samples),
        &mut Rng::new(options.seed),
        |latent| generator.forward(latent.input(device)),
        |images| digits(classifier, images),
    );
    let fake = Gaussian::fit(samples.features.view());

    let mut class_histogram = vec![0usize; 10];
    samples.predicted.iter().for_each(|&d| class_histogram[d] += 1);
    let groups = config.latent.categorical.len();
    let categorical = (0..groups)
        .map(|g| {
            let values = samples.categories.iter().skip(g).step_by(groups).copied();
            categorical_score(values.zip(samples.predicted.iter().copied()), config.latent.categorical[g])
        })
        .collect();
    let continuous = (0..config.latent.continuous)
        .map(|j| {
            let code: Vec<f64> =
                samples.continuous.iter().skip(j).step_by(config.latent.continuous).map(|&v| f64::from(v)).collect();
            continuous_score(&code, &samples.slant, &samples.thickness)
        })
        .collect();
    Ok(EvalReport {
        iteration: state.iteration,
        epochs: state.iteration as f64 / state.iters_per_epoch.max(1) as f64,
        samples: options.samples,
        seed: options.seed,
        classifier_test_accuracy: reference.test_accuracy,
        categorical,
        fid: frechet_distance(&reference.real, &fake),
        fid_real: frechet_distance(&reference.real, &reference.floor),
        fid_features: Some(FID_FEATURES.into()),
        continuous,
        digit_change: Some(digit_change),
        class_coverage: entropy_bits(&class_histogram),
        class_histogram,
        encoder_accuracy: encoder.as_ref().and_then(|e| e.real.categorical.first()).map(|s| s.accuracy),
        encoder,
        q_accuracy: q.as_ref().and_then(|q| q.categorical.first()).map(|s| s.accuracy),
        q,
    })
}

/// Trains the post-hoc encoder on `trained`'s generator, scores it on the real test digits and
/// caches the score in `run/encoder.json`.
fn train_encoder(
    run: &Path,
    trained: &run::TrainedGenerator,
    recipe: &EncoderConfig,
    codes: &RealCodes,
    on_step: &mut dyn FnMut(usize),
) -> Result<EncoderScore, EvalError> {
    let start = Instant::now();
    let draw = |latent: &Latent| trained.generator.forward(latent.input(&trained.device));
    let (encoder, final_loss) = encoder::train(&trained.config.latent, recipe, &trained.device, draw, on_step);
    let score = EncoderScore {
        recipe: recipe.clone(),
        iteration: trained.state.iteration,
        final_loss,
        train_seconds: start.elapsed().as_secs_f64(),
        real: codes.score(|images| encoder.forward(images)),
    };
    encoder::save(&score, run)?;
    Ok(score)
}

/// Writes `report` to `run/eval.json` through a temporary name.
pub fn save(report: &EvalReport, run: &Path) -> Result<PathBuf, EvalError> {
    let path = run::eval_report_path(run);
    files::save_config(report, &path)?;
    Ok(path)
}

/// Adds the scores of `reports` (the run's and its epoch snapshots') to the run's TensorBoard log
/// (`run/tb/`), each at its checkpoint's iteration, in a file of their own: `eval/categorical_cK`,
/// `eval/fid`, `eval/class_coverage`, `eval/encoder_accuracy`, `eval/q_accuracy` and per
/// continuous code `eval/cK_slant_rho`, `eval/cK_thickness_rho`, `eval/cK_digit_change`.
pub fn log_to_tensorboard(run: &Path, reports: &[EvalReport]) -> Result<(), EvalError> {
    let mut writer = run::tensorboard::EventWriter::create(run::tensorboard_path(run)).map_err(run::RunError::from)?;
    let mut reports: Vec<&EvalReport> = reports.iter().collect();
    // TensorBoard's data server drops a tag's points at and after a step it reads again.
    reports.sort_by_key(|r| r.iteration);
    for report in reports {
        let mut values: Vec<(String, f64)> =
            vec![("eval/fid".into(), report.fid), ("eval/class_coverage".into(), report.class_coverage)];
        for (k, score) in report.categorical.iter().enumerate() {
            values.push((format!("eval/categorical_c{}", k + 1), score.accuracy));
        }
        values.extend(report.encoder_accuracy.map(|a| ("eval/encoder_accuracy".into(), a)));
        values.extend(report.q_accuracy.map(|a| ("eval/q_accuracy".into(), a)));
        for (k, score) in report.continuous.iter().enumerate() {
            values.push((format!("eval/c{}_slant_rho", k + 1), score.slant_spearman));
            values.push((format!("eval/c{}_thickness_rho", k + 1), score.thickness_spearman));
        }
        for (k, change) in report.digit_change.iter().flatten().enumerate() {
            values.push((format!("eval/c{}_digit_change", k + 1), *change));
        }
        let values: Vec<(&str, f32)> = values.iter().map(|(tag, v)| (tag.as_str(), *v as f32)).collect();
        writer.scalars(report.iteration as i64, &values).map_err(run::RunError::from)?;
    }
    Ok(writer.flush().map_err(run::RunError::from)?)
}

/// Reads `run/eval.json`.
pub fn load(run: &Path) -> Result<EvalReport, EvalError> {
    let path = run::eval_report_path(run);
    if !path.is_file() {
        return Err(EvalError::NotEvaluated(run.to_path_buf()));
    }
    Ok(files::load_json(&path)?)
}

/// The run's epoch snapshots from before its checkpoint at `iteration` (a snapshot at that
/// iteration holds the checkpoint's own networks), oldest first.
pub fn snapshots_before(run: &Path, iteration: usize) -> Result<Vec<PathBuf>, EvalError> {
    let mut earlier = Vec::new();
    for (_, snapshot) in run::epoch_snapshots(run)? {
        if run::checkpoint::load_state(&run::checkpoint::find(&snapshot)?)?.iteration < iteration {
            earlier.push(snapshot);
        }
    }
    Ok(earlier)
}

/// Scores averaged over a run's last epochs: its checkpoint and the epoch snapshots before it
/// (`train --keep-epochs`), each evaluated on the same samples.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochMeans {
    /// The epochs averaged over, oldest first.
    pub epochs: Vec<f64>,
    pub fid: f64,
    /// Per categorical code.
    pub accuracy: Vec<f64>,
}

/// The means over the `eval.json` of `run` and of its snapshots before its checkpoint; `None`
/// when the run kept no earlier snapshot. A snapshot scored on other samples than the run (or
/// not scored) is an error that says to evaluate the run again.
pub fn epoch_means(run: &Path) -> Result<Option<EpochMeans>, EvalError> {
    let last = load(run)?;
    let mut reports = Vec::new();
    for snapshot in snapshots_before(run, last.iteration)? {
        let report = load(&snapshot)?;
        if (report.samples, report.seed) != (last.samples, last.seed) {
            return Err(EvalError::Config(format!(
                "{}: scored on {} samples (seed {}), the run on {} (seed {}): evaluate the run again, which scores its snapshots too",
                snapshot.display(),
                report.samples,
                report.seed,
                last.samples,
                last.seed
            )));
        }
        // Averaged code by code below: a damaged eval.json must not hold more or fewer codes.
        if report.categorical.len() != last.categorical.len() {
            return Err(EvalError::Run(run::RunError::run(
                run::eval_report_path(&snapshot),
                format!(
                    "scores {} categorical codes, the run's eval.json {}: evaluate the run again",
                    report.categorical.len(),
                    last.categorical.len()
                ),
            )));
        }
        reports.push(report);
    }
    if reports.is_empty() {
        return Ok(None);
    }
    reports.push(last);
    let mean = |value: &dyn Fn(&EvalReport) -> f64| reports.iter().map(value).sum::<f64>() / reports.len() as f64;
    Ok(Some(EpochMeans {
        epochs: reports.iter().map(|r| r.epochs).collect(),
        fid: mean(&|r| r.fid),
        accuracy: (0..reports[0].categorical.len()).map(|k| mean(&|r| r.categorical[k].accuracy)).collect(),
    }))
}

fn host(tensor: Tensor<2>) -> Vec<f32> {
    tensor.into_data().convert::<f32>().try_into_vec().expect("f32 after convert")
}

/// `network`'s outputs for the real 28x28 images `range` of `set`, row-major.
fn on_real(set: &ImageSet, range: Range<usize>, device: &Device, network: impl Fn(Tensor<4>) -> Tensor<2>) -> Vec<f32> {
    let mut outputs = Vec::new();
    for start in range.clone().step_by(CHUNK) {
        let end = (start + CHUNK).min(range.end);
        let images =
            unit_tensor(set.pixels()[start * 784..end * 784].iter().copied(), [end - start, 1, 28, 28], device);
        outputs.extend(host(network(images)));
    }
    outputs
}

/// Penultimate features `[n, FEATURES]` of the real 28x28 images `range` of `set`.
fn real_features(classifier: &Classifier, set: &ImageSet, range: Range<usize>, device: &Device) -> Array2<f32> {
    let rows = range.len();
    let features = on_real(set, range, device, |images| classifier.features(images));
    Array2::from_shape_vec((rows, FEATURES), features).expect("rows of FEATURES")
}

/// The real test digits with what a code predictor is scored against: labels, and slant and
/// thickness, measured at the first score (an evaluation without Q or a new encoder needs none).
struct RealCodes<'a> {
    set: &'a ImageSet,
    layout: &'a LatentConfig,
    device: &'a Device,
    factors: &'a OnceCell<(Vec<f64>, Vec<f64>)>,
}

impl RealCodes<'_> {
    /// What `predictor` (images -> `[B, code_size]`, laid out like the codes) reads from them.
    fn score(&self, predictor: impl Fn(Tensor<4>) -> Tensor<2>) -> RealDigitScore {
        let outputs = on_real(self.set, 0..self.set.len(), self.device, predictor);
        let labels = self.set.labels().expect("MNIST has labels");
        let (slants, thicknesses) = self.factors.get_or_init(|| {
            (0..self.set.len())
                .map(|i| {
                    let image: Vec<f32> = self.set.image(i).iter().map(|&b| f32::from(b) / 255.0).collect();
                    (slant(&image, 28), thickness(&image, 28))
                })
                .unzip()
        });
        real_digit_score(&outputs, self.layout, labels, slants, thicknesses)
    }
}

/// Generated samples, reduced to what the scores need.
struct Samples {
    /// `[n, FEATURES]`.
    features: Array2<f32>,
    /// Classifier's digit per sample.
    predicted: Vec<usize>,
    /// `[n, categorical codes]` and `[n, continuous codes]`, as drawn.
    categories: Vec<usize>,
    continuous: Vec<f32>,
    slant: Vec<f64>,
    thickness: Vec<f64>,
}

fn generate(
    generator: &Generator,
    latent: &LatentConfig,
    classifier: &Classifier,
    options: &EvalOptions,
    device: &Device,
) -> Result<Samples, EvalError> {
    let n = options.samples;
    let mut features = Vec::with_capacity(n * FEATURES);
    let (mut predicted, mut categories, mut continuous) = (Vec::new(), Vec::new(), Vec::new());
    let (mut slants, mut thicknesses) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for (draw, images) in generator.sample_chunks(latent, n, CHUNK, &mut Rng::new(options.seed), device) {
        let pixels = host(images.clone().reshape([draw.batch, 784]));
        for image in pixels.chunks(784) {
            slants.push(slant(image, 28));
            thicknesses.push(thickness(image, 28));
        }
        let batch_features = classifier.features(images);
        predicted.extend(argmax_rows(classifier.logits(batch_features.clone())));
        features.extend(host(batch_features));
        categories.extend(draw.categories);
        continuous.extend(draw.continuous);
    }
    if features.iter().any(|v| !v.is_finite()) {
        return Err(EvalError::NonFinite("the generator's samples give non-finite classifier features".into()));
    }
    let features = Array2::from_shape_vec((n, FEATURES), features).expect("rows of FEATURES");
    Ok(Samples { features, predicted, categories, continuous, slant: slants, thickness: thicknesses })
}

/// The classifier's digit for each image.
fn digits(classifier: &Classifier, images: Tensor<4>) -> Vec<usize> {
    argmax_rows(classifier.logits(classifier.features(images)))
}

/// The index of each row's largest value.
fn argmax_rows(values: Tensor<2>) -> Vec<usize> {
    let [rows, _] = values.dims();
    let indices: Vec<i64> =
        values.argmax(1).reshape([rows]).into_data().convert::<i64>().try_into_vec().expect("i64 after convert");
    indices.into_iter().map(|i| i as usize).collect()
}

/// [`EvalReport::digit_change`] over `draws` draws from `rng`: `generate` maps latents to images,
/// `digits` images to digits.
fn digit_change(
    layout: &LatentConfig,
    draws: usize,
    rng: &mut Rng,
    generate: impl Fn(&Latent) -> Tensor<4>,
    digits: impl Fn(Tensor<4>) -> Vec<usize>,
) -> Vec<f64> {
    let codes = layout.continuous;
    let mut changed = vec![0usize; codes];
    let mut done = 0;
    while done < draws {
        let latent = layout.sample(CHUNK.min(draws - done), rng);
        done += latent.batch;
        for (j, count) in changed.iter_mut().enumerate() {
            let [low, high] = [-1.0, 1.0].map(|value| {
                let mut end = latent.clone();
                end.continuous.iter_mut().skip(j).step_by(codes).for_each(|c| *c = value);
                digits(generate(&end))
            });
            *count += low.iter().zip(&high).filter(|(a, b)| a != b).count();
        }
    }
    changed.into_iter().map(|count| count as f64 / draws.max(1) as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_change_counts_the_draws_whose_digit_flips_between_the_ends_of_a_code() {
        // A stand-in generator: one pixel holding c1 + 0.5 c2; the "digit" is 1 where it is
        // positive. c1 at -1 gives at most -0.5 (digit 0) and at +1 at least 0.5 (digit 1), so
        // every draw flips. c2 decides only where |c1| < 0.5, the draws with c1 in (-0.5, 0.5)
        // flipping: half of them under U(-1, 1).
        let layout = LatentConfig::new().with_noise(3).with_categorical(vec![4]).with_continuous(2);
        let device = Device::default();
        let generate = |latent: &Latent| {
            let pixel: Vec<f32> = latent.continuous.chunks(2).map(|c| c[0] + 0.5 * c[1]).collect();
            Tensor::<1>::from_floats(pixel.as_slice(), &device).reshape([latent.batch, 1, 1, 1])
        };
        let digits = |images: Tensor<4>| -> Vec<usize> {
            let values: Vec<f32> = images.into_data().try_into_vec().unwrap();
            values.into_iter().map(|v| usize::from(v > 0.0)).collect()
        };
        let change = digit_change(&layout, 1700, &mut Rng::new(3), generate, digits);
        assert_eq!(change[0], 1.0);
        assert!((change[1] - 0.5).abs() < 0.05, "{change:?}");
        // Each draw counts once: fewer draws than a chunk, and none.
        assert_eq!(digit_change(&layout, 7, &mut Rng::new(3), generate, digits)[0], 1.0);
        assert_eq!(digit_change(&layout, 0, &mut Rng::new(3), generate, digits), vec![0.0, 0.0]);
    }

    #[test]
    fn an_eval_json_written_before_the_encoder_existed_still_loads() {
        let json = r#"{"iteration": 1800, "epochs": 3.0, "samples": 10000, "seed": 0,
            "classifier_test_accuracy": 0.99, "categorical": [], "fid": 19.6, "fid_real": 0.3,
            "continuous": [], "class_coverage": 3.3, "class_histogram": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}"#;
        let report = EvalReport::load_binary(json.as_bytes()).unwrap();
        assert_eq!((report.iteration, report.fid), (1800, 19.6));
        assert!(report.encoder.is_none() && report.encoder_accuracy.is_none() && report.q.is_none());
        assert_eq!((report.fid_features, report.digit_change), (None, None));
        assert!(FID_FEATURES.contains("not Inception"));
    }
}
