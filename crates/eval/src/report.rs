//! Scoring a run: draw n samples from its generator, label them with the cached MNIST
//! classifier, and measure what the codes control and how close the samples are to real digits.

use std::ops::Range;
use std::path::{Path, PathBuf};

use burn::data::dataset::Dataset;
use burn::prelude::*;
use hsic_infogan_data::mnist::{self, MnistKind, Split};
use hsic_infogan_data::{DatasetSpec, ImageSet, unit_tensor};
use hsic_infogan_models::{Generator, LatentConfig, Rng};
use hsic_infogan_train::{files, run};
use ndarray::Array2;

use crate::EvalError;
use crate::classifier::{self, Classifier, FEATURES};
use crate::factors::{slant, thickness};
use crate::fid::{Gaussian, frechet_distance};
use crate::hungarian::max_weight_assignment;
use crate::stats::{entropy_bits, spearman};

/// |Spearman rho| from which a continuous code is said to capture a factor.
pub const CAPTURE_THRESHOLD: f64 = 0.3;

/// The fewest samples an evaluation draws: one per digit.
pub const MIN_SAMPLES: usize = 10;

/// Images per forward pass.
const CHUNK: usize = 500;

/// What one categorical code controls.
#[derive(Config, Debug)]
pub struct CategoricalScore {
    /// Fraction of samples whose predicted digit is the one their code value is matched to
    /// (the best one-to-one matching, Hungarian algorithm).
    pub accuracy: f64,
    /// `mapping[v]`: the digit matched to code value v (`None` past the tenth value).
    pub mapping: Vec<Option<usize>>,
    /// `confusion[v][d]`: samples drawn with code value v that the classifier calls digit d.
    pub confusion: Vec<Vec<usize>>,
}

/// What one continuous code controls.
#[derive(Config, Debug)]
pub struct ContinuousScore {
    /// Spearman correlation of the code value with the slant (degrees, top leaning right > 0).
    pub slant_spearman: f64,
    /// Spearman correlation of the code value with the stroke thickness.
    pub thickness_spearman: f64,
    /// `slant`, `thickness`, or `none` when neither |rho| reaches [`CAPTURE_THRESHOLD`].
    pub captures: String,
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
    /// One per continuous code.
    pub continuous: Vec<ContinuousScore>,
    /// Entropy in bits of the predicted-digit histogram: log2(10) = 3.32 when every digit is
    /// generated equally often, lower under mode collapse.
    pub class_coverage: f64,
    /// Samples per predicted digit.
    pub class_histogram: Vec<usize>,
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
}

/// The run's `eval.json`.
pub fn report_path(run: &Path) -> PathBuf {
    run.join("eval.json")
}

/// Evaluates the checkpoint in `run`, an MNIST run.
pub fn evaluate(run: &Path, options: &EvalOptions) -> Result<EvalReport, EvalError> {
    if options.samples < MIN_SAMPLES {
        return Err(EvalError::TooFewSamples(options.samples));
    }
    let run::TrainedGenerator { config, state, generator, device } = run::load_generator(run, options.device.as_deref())?;
    if config.dataset != DatasetSpec::Mnist || state.image != [1, 28, 28] {
        return Err(EvalError::NotMnist { run: run.to_path_buf(), dataset: config.dataset.to_string() });
    }
    let classifier_dir = match &options.classifier {
        Some(dir) => dir.clone(),
        None => classifier::cache_dir()?,
    };
    let (classifier, info) = classifier::load(&classifier_dir, &device)?;
    let data_dir = options.data_dir.clone().or(config.data_dir.as_ref().map(PathBuf::from));
    let files = mnist::find(MnistKind::Mnist, data_dir.as_deref())?;
    let (train, test) = (files.load(Split::Train)?, files.load(Split::Test)?);

    let real = Gaussian::fit(real_features(&classifier, &test, 0..test.len(), &device).view());
    let floor = Gaussian::fit(real_features(&classifier, &train, 0..options.samples.min(train.len()), &device).view());
    let samples = generate(&generator, &config.latent, &classifier, options, &device)?;
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
            let code: Vec<f64> = samples.continuous.iter().skip(j).step_by(config.latent.continuous).map(|&v| f64::from(v)).collect();
            continuous_score(&code, &samples.slant, &samples.thickness)
        })
        .collect();
    Ok(EvalReport {
        iteration: state.iteration,
        epochs: state.iteration as f64 / state.iters_per_epoch.max(1) as f64,
        samples: options.samples,
        seed: options.seed,
        classifier_test_accuracy: info.test_accuracy,
        categorical,
        fid: frechet_distance(&real, &fake),
        fid_real: frechet_distance(&real, &floor),
        continuous,
        class_coverage: entropy_bits(&class_histogram),
        class_histogram,
    })
}

/// Writes `report` to `run/eval.json` through a temporary name.
pub fn save(report: &EvalReport, run: &Path) -> Result<PathBuf, EvalError> {
    let path = report_path(run);
    files::save_config(report, &path)?;
    Ok(path)
}

/// Reads `run/eval.json`.
pub fn load(run: &Path) -> Result<EvalReport, EvalError> {
    let path = report_path(run);
    if !path.is_file() {
        return Err(EvalError::NotEvaluated(run.to_path_buf()));
    }
    EvalReport::load(&path).map_err(|e| EvalError::Run(hsic_infogan_train::TrainError::run(path, e)))
}

fn host(tensor: Tensor<2>) -> Vec<f32> {
    tensor.into_data().convert::<f32>().try_into_vec().expect("f32 after convert")
}

/// Penultimate features `[n, FEATURES]` of the real 28x28 images `range` of `set`.
fn real_features(classifier: &Classifier, set: &ImageSet, range: Range<usize>, device: &Device) -> Array2<f32> {
    let rows = range.len();
    let mut features = Vec::with_capacity(rows * FEATURES);
    for start in range.clone().step_by(CHUNK) {
        let end = (start + CHUNK).min(range.end);
        let images = unit_tensor(set.pixels()[start * 784..end * 784].iter().copied(), [end - start, 1, 28, 28], device);
        features.extend(host(classifier.features(images)));
    }
    Array2::from_shape_vec((rows, FEATURES), features).expect("rows of FEATURES")
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
        let digits = classifier.logits(batch_features.clone()).argmax(1).reshape([draw.batch]);
        let digits: Vec<i64> = digits.into_data().convert::<i64>().try_into_vec().expect("i64 after convert");
        predicted.extend(digits.iter().map(|&d| d as usize));
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

/// Confusion matrix of (code value, predicted digit) pairs and its best one-to-one matching.
/// With more than 10 code values, the extra values match nothing and count as wrong.
fn categorical_score(pairs: impl Iterator<Item = (usize, usize)>, values: usize) -> CategoricalScore {
    let mut confusion = vec![vec![0usize; 10]; values];
    let mut total = 0;
    for (value, digit) in pairs {
        confusion[value][digit] += 1;
        total += 1;
    }
    // Zero columns past the tenth give every value a distinct column.
    let weights: Vec<Vec<f64>> = confusion
        .iter()
        .map(|row| row.iter().map(|&c| c as f64).chain(std::iter::repeat_n(0.0, values.saturating_sub(10))).collect())
        .collect();
    let mapping: Vec<Option<usize>> = max_weight_assignment(&weights).into_iter().map(|d| (d < 10).then_some(d)).collect();
    let correct: usize = mapping.iter().enumerate().filter_map(|(v, d)| d.map(|d| confusion[v][d])).sum();
    CategoricalScore { accuracy: correct as f64 / total.max(1) as f64, mapping, confusion }
}

fn continuous_score(code: &[f64], slant: &[f64], thickness: &[f64]) -> ContinuousScore {
    let (s, t) = (spearman(code, slant), spearman(code, thickness));
    let captures = if s.abs().max(t.abs()) < CAPTURE_THRESHOLD {
        "none"
    } else if s.abs() >= t.abs() {
        "slant"
    } else {
        "thickness"
    };
    ContinuousScore { slant_spearman: s, thickness_spearman: t, captures: captures.into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::stroke;

    #[test]
    fn categorical_score_matches_codes_to_digits() {
        // Code value v makes digit (v + 3) mod 10 eight times in ten, (v + 4) mod 10 otherwise.
        let mut pairs = Vec::new();
        for v in 0..10 {
            pairs.extend(std::iter::repeat_n((v, (v + 3) % 10), 8));
            pairs.extend(std::iter::repeat_n((v, (v + 4) % 10), 2));
        }
        let score = categorical_score(pairs.into_iter(), 10);
        assert_eq!(score.mapping, (0..10).map(|v| Some((v + 3) % 10)).collect::<Vec<_>>());
        assert!((score.accuracy - 0.8).abs() < 1e-12);
        assert_eq!(score.confusion[2][5], 8);
    }

    #[test]
    fn extra_code_values_match_nothing() {
        // 12 values: 10 make distinct digits, values 10 and 11 repeat digit 0.
        let pairs = (0..12).map(|v| (v, v % 10));
        let score = categorical_score(pairs, 12);
        assert_eq!(score.mapping.iter().filter(|d| d.is_none()).count(), 2);
        assert!((score.accuracy - 10.0 / 12.0).abs() < 1e-12);
    }

    #[test]
    fn continuous_score_names_the_stronger_factor() {
        let code: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let rising: Vec<f64> = code.iter().map(|v| v * v).collect();
        let flat: Vec<f64> = code.iter().map(|v| (v * 7.0) % 13.0).collect();
        assert_eq!(continuous_score(&code, &rising, &flat).captures, "slant");
        assert_eq!(continuous_score(&code, &flat, &rising).captures, "thickness");
        assert_eq!(continuous_score(&code, &flat, &flat).captures, "none");
    }

    #[test]
    fn a_code_that_sets_the_stroke_slant_captures_slant_and_an_ignored_code_none() {
        // A synthetic generator: code 1 sets the slant of a drawn stroke (-30 to 30 degrees),
        // code 2 is drawn but ignored, and the stroke width varies on its own.
        let mut rng = Rng::new(4);
        let (mut c1, mut c2, mut slants, mut thicknesses) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..200 {
            let (a, b) = (2.0 * rng.uniform() - 1.0, 2.0 * rng.uniform() - 1.0);
            let image = stroke(30.0 * a, 18.0, 1.5 + 2.0 * rng.uniform());
            c1.push(a);
            c2.push(b);
            slants.push(slant(&image, 28));
            thicknesses.push(thickness(&image, 28));
        }
        let first = continuous_score(&c1, &slants, &thicknesses);
        assert_eq!(first.captures, "slant", "{first:?}");
        assert!(first.slant_spearman > 0.95, "{first:?}");
        let second = continuous_score(&c2, &slants, &thicknesses);
        assert_eq!(second.captures, "none", "{second:?}");
    }

    #[test]
    fn a_categorical_code_the_images_ignore_scores_near_chance() {
        // The classifier's digits drawn independently of the code's values.
        let mut rng = Rng::new(5);
        let pairs: Vec<(usize, usize)> = (0..2000).map(|i| (i % 10, rng.below(10))).collect();
        let score = categorical_score(pairs.into_iter(), 10);
        // Chance is 1/10; the best of the 10! matchings picks up some of the noise on top.
        assert!((0.1..0.13).contains(&score.accuracy), "{}", score.accuracy);
    }
}
