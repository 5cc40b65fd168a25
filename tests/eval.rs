//! `hsic-infogan eval` and `compare` end to end on two briefly trained MNIST runs, with a
//! classifier trained for the test. The runs are trained and scored once, then each test checks
//! one part; a test that changes a run works on its own copy.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hsic_infogan_eval::report::{self, EvalReport};

mod common;

use common::{MNIST_DIR, fail, mnist_present, small_classifier, succeed};

/// Two runs of 2 iterations (HSIC-InfoGAN and InfoGAN), a classifier, and each run scored by
/// `eval` on 300 samples with a 20-step encoder ([`ENCODER`]).
struct Fixture {
    hsic: PathBuf,
    infogan: PathBuf,
    classifier: PathBuf,
    /// What `eval` printed for the HSIC-InfoGAN run.
    printed: String,
    /// The HSIC-InfoGAN run's scores.
    scores: EvalReport,
}

/// The shared runs, made by the first test that asks, in a folder under cargo's scratch space
/// (a run's checkpoint is 150 MB: a temporary folder in a static would never be removed);
/// `None`, after printing `SKIPPED`, without MNIST.
fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    if !mnist_present() {
        return None;
    }
    Some(FIXTURE.get_or_init(|| {
        let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("eval");
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).unwrap();
        let (hsic, infogan, classifier) = (work.join("hsic"), work.join("infogan"), work.join("classifier"));
        for (model, out) in [("hsic", &hsic), ("infogan", &infogan)] {
            let out = out.display().to_string();
            succeed(&[
                "train",
                "--model",
                model,
                "--data-dir",
                MNIST_DIR,
                "--max-iters",
                "2",
                "--quiet",
                "--out",
                &out,
            ]);
        }
        small_classifier(&classifier);
        let printed = eval(&hsic, &classifier, ENCODER);
        eval(&infogan, &classifier, ENCODER);
        let scores = report::load(&hsic).unwrap();
        Fixture { hsic, infogan, classifier, printed, scores }
    }))
}

/// The encoder the fixture's runs are scored with.
const ENCODER: &[&str] = &["--encoder-steps", "20"];

/// `eval` of `run` on 300 samples with the flags `extra`.
fn eval_args(run: &Path, classifier: &Path, extra: &[&str]) -> Vec<String> {
    let (run, classifier) = (run.display().to_string(), classifier.display().to_string());
    let args = ["eval", "--run", &run, "--n", "300", "--classifier", &classifier, "--data-dir", MNIST_DIR];
    args.iter().chain(extra).map(|arg| arg.to_string()).collect()
}

/// Runs [`eval_args`], which must succeed; what it printed.
fn eval(run: &Path, classifier: &Path, extra: &[&str]) -> String {
    let args = eval_args(run, classifier, extra);
    succeed(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// A copy of the run `from` as `work/name`: the checkpoint's files hard-linked (training replaces
/// them, never writes into them), the rest copied.
fn copy_run(from: &Path, work: &Path, name: &str) -> PathBuf {
    fn copy_dir(from: &Path, to: &Path, link: bool) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy_dir(&path, &target, link || path.ends_with("checkpoint"));
            } else if link {
                std::fs::hard_link(&path, &target).unwrap();
            } else {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }
    let to = work.join(name);
    copy_dir(from, &to, false);
    to
}

/// A folder for a test's copies, on the fixture's file system (hard links need it).
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

#[test]
fn eval_matches_code_values_to_digits_and_scores_fid_and_the_continuous_codes() {
    let Some(Fixture { printed, scores, .. }) = fixture() else { return };
    assert!(printed.contains("categorical code 1: accuracy") && printed.contains("FID"), "{printed}");
    assert_eq!((scores.iteration, scores.samples, scores.seed, scores.classifier_test_accuracy), (2, 300, 0, 0.5));
    let categorical = &scores.categorical[0];
    let mut digits: Vec<usize> = categorical.mapping.iter().map(|d| d.unwrap()).collect();
    digits.sort_unstable();
    assert_eq!(digits, (0..10).collect::<Vec<_>>(), "the mapping is one-to-one");
    assert_eq!(categorical.confusion.iter().flatten().sum::<usize>(), 300);
    assert_eq!(scores.class_histogram.iter().sum::<usize>(), 300);
    // The accuracy is what the matching picks out of the confusion matrix.
    let matched: usize =
        categorical.mapping.iter().enumerate().map(|(v, d)| categorical.confusion[v][d.unwrap()]).sum();
    assert!((categorical.accuracy - matched as f64 / 300.0).abs() < 1e-12, "{}", categorical.accuracy);
    // Per digit, the confusion matrix's columns add up to the class histogram.
    for digit in 0..10 {
        let column: usize = categorical.confusion.iter().map(|row| row[digit]).sum();
        assert_eq!(column, scores.class_histogram[digit], "digit {digit}");
    }
    // Coverage is the histogram's entropy in bits.
    let entropy: f64 = scores
        .class_histogram
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / 300.0;
            -p * p.log2()
        })
        .sum();
    assert!((scores.class_coverage - entropy).abs() < 1e-9, "{} vs {entropy}", scores.class_coverage);
    // Two iterations make noise, far from real digits, which score a small FID themselves.
    assert!(scores.fid.is_finite() && scores.fid > 5.0 * scores.fid_real, "{} vs {}", scores.fid, scores.fid_real);
    assert_eq!(scores.fid_features.as_deref(), Some(report::FID_FEATURES));
    // Each continuous code names the factor its |rho| says, at the 0.3 threshold.
    assert_eq!(scores.continuous.len(), 2);
    for code in &scores.continuous {
        let (s, t) = (code.slant_spearman.abs(), code.thickness_spearman.abs());
        let expected = if s.max(t) < hsic_infogan_eval::scores::CAPTURE_THRESHOLD {
            "none"
        } else if s >= t {
            "slant"
        } else {
            "thickness"
        };
        assert_eq!(code.captures, expected, "{code:?}");
    }
    // Per continuous code, a share of the (here 300) draws whose digit changes along it.
    let change = scores.digit_change.as_ref().expect("measured");
    assert!(
        change.len() == 2
            && change.iter().all(|c| (0.0..=1.0).contains(c) && ((c * 300.0).round() - c * 300.0).abs() < 1e-9),
        "{change:?}"
    );
    assert!(
        printed.contains("continuous code 2: digit changes from -1 to +1") && printed.contains("of 300 draws"),
        "{printed}"
    );
}

/// The literature's protocol: the encoder's code values for the 10,000 real test digits,
/// matched to their labels; HSIC-InfoGAN has no Q to score.
#[test]
fn the_encoder_reads_the_real_test_digits() {
    let Some(Fixture { printed, scores, .. }) = fixture() else { return };
    assert!(printed.contains("training the encoder on generated digits: step 20/20"), "{printed}");
    assert!(printed.contains("encoder on real digits, categorical code 1: accuracy"), "{printed}");
    let encoder = scores.encoder.as_ref().expect("the encoder is on by default");
    assert_eq!((encoder.recipe.steps, encoder.iteration), (20, 2));
    let real = &encoder.real.categorical[0];
    assert_eq!(real.confusion.len(), 10);
    assert_eq!(real.confusion.iter().flatten().sum::<usize>(), 10_000);
    assert_eq!(Some(real.accuracy), scores.encoder_accuracy);
    let matched: usize = real.mapping.iter().enumerate().map(|(v, d)| real.confusion[v][d.unwrap()]).sum();
    assert!((real.accuracy - matched as f64 / 10_000.0).abs() < 1e-12);
    // Per digit, the columns add up to the test set's label counts.
    let labels = hsic_infogan_data::mnist::load_split(
        hsic_infogan_data::mnist::MnistKind::Mnist,
        hsic_infogan_data::mnist::Split::Test,
        Path::new(MNIST_DIR),
    )
    .unwrap();
    for digit in 0..10 {
        let column: usize = real.confusion.iter().map(|row| row[digit]).sum();
        assert_eq!(column, labels.labels().unwrap().iter().filter(|&&l| l == digit).count(), "digit {digit}");
    }
    assert_eq!(encoder.real.continuous.len(), 2);
    assert!(encoder.final_loss.is_finite() && encoder.train_seconds > 0.0, "{encoder:?}");
    assert!(scores.q.is_none() && scores.q_accuracy.is_none());
}

/// The encoder is cached per checkpoint and recipe: scoring again reuses it, another recipe
/// (steps or seed) trains a new one, and `--no-encoder` leaves it out.
#[test]
fn the_encoder_is_cached_per_checkpoint_and_recipe() {
    let Some(fixture) = fixture() else { return };
    let work = scratch();
    let classifier = &fixture.classifier;
    let hsic = copy_run(&fixture.hsic, work.path(), "hsic");
    let cache = hsic.join("encoder.json");
    let cached = std::fs::read(&cache).unwrap();
    let again = eval(&hsic, classifier, ENCODER);
    assert!(!again.contains("training the encoder"), "{again}");
    assert_eq!(std::fs::read(&cache).unwrap(), cached);
    assert_eq!(report::load(&hsic).unwrap().encoder_accuracy, fixture.scores.encoder_accuracy);
    let other = eval(&hsic, classifier, &["--encoder-steps", "21"]);
    assert!(other.contains("step 21/21"), "{other}");
    let seeded = eval(&hsic, classifier, &["--encoder-steps", "20", "--encoder-seed", "1"]);
    assert!(seeded.contains("step 20/20"), "another encoder seed trains another encoder: {seeded}");
    let seeded = report::load(&hsic).unwrap().encoder.unwrap();
    let first = fixture.scores.encoder.as_ref().unwrap();
    assert_eq!((seeded.recipe.seed, seeded.recipe.steps), (1, 20));
    assert_ne!(seeded.final_loss, first.final_loss, "seeds 0 and 1 train the same encoder");
    eval(&hsic, classifier, &["--no-encoder"]);
    let without = report::load(&hsic).unwrap();
    assert!(without.encoder.is_none() && without.encoder_accuracy.is_none());
    let no_steps = eval_args(&hsic, classifier, &["--encoder-steps", "0"]);
    let no_steps = fail(&no_steps.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(no_steps.contains("the encoder needs at least one step"), "{no_steps}");
}

/// `--seed` draws other samples (another FID) and is recorded with the scores.
#[test]
fn the_seed_draws_other_samples_and_is_recorded() {
    let Some(fixture) = fixture() else { return };
    let work = scratch();
    let hsic = copy_run(&fixture.hsic, work.path(), "hsic");
    eval(&hsic, &fixture.classifier, &["--seed", "5", "--no-encoder"]);
    let seeded = report::load(&hsic).unwrap();
    assert_eq!((seeded.seed, seeded.samples), (5, 300));
    assert!(seeded.fid != fixture.scores.fid, "FID {} with seeds 0 and 5", seeded.fid);
}

/// The same run scored on another backend than the one that trained it gives the same scores,
/// up to float rounding in the classifier.
#[cfg(feature = "ndarray")]
#[test]
fn ndarray_scores_a_run_as_flex_does() {
    let Some(fixture) = fixture() else { return };
    let work = scratch();
    let hsic = copy_run(&fixture.hsic, work.path(), "hsic");
    let start = std::time::Instant::now();
    // The encoder's score is cached for this checkpoint, so ndarray does not train one.
    eval(&hsic, &fixture.classifier, &[ENCODER, &["--device", "ndarray"]].concat());
    println!("eval on ndarray: {:.1} s", start.elapsed().as_secs_f64());
    let (other, scores) = (report::load(&hsic).unwrap(), &fixture.scores);
    let moved: usize = other.class_histogram.iter().zip(&scores.class_histogram).map(|(a, b)| a.abs_diff(*b)).sum();
    assert!(moved <= 2, "{:?} on ndarray vs {:?} on flex", other.class_histogram, scores.class_histogram);
    let (accuracy, flex_accuracy) = (other.categorical[0].accuracy, scores.categorical[0].accuracy);
    assert!((accuracy - flex_accuracy).abs() <= 2.0 / 300.0, "{accuracy} vs {flex_accuracy}");
    assert!(
        (other.fid - scores.fid).abs() < 1e-3 * scores.fid,
        "FID {} on ndarray vs {} on flex",
        other.fid,
        scores.fid
    );
}

#[test]
fn compare_tabulates_scored_runs_and_names_an_unscored_one() {
    let Some(Fixture { hsic, infogan, scores, .. }) = fixture() else { return };
    let work = scratch();
    let (hsic, infogan) = (hsic.display().to_string(), infogan.display().to_string());
    let table_file = work.path().join("compare.md").display().to_string();

    // compare needs eval.json in every run, and says how to get it.
    let unscored = copy_run(Path::new(&infogan), work.path(), "unscored");
    std::fs::remove_file(unscored.join("eval.json")).unwrap();
    let unscored = unscored.display().to_string();
    let missing = fail(&["compare", &hsic, &unscored, "--out", &table_file]);
    assert!(missing.contains(&format!("hsic-infogan eval --run {unscored}")), "{missing}");
    assert!(!Path::new(&table_file).exists());

    // InfoGAN's own Q reads the real digits too, scored the same way.
    let infogan_scores = report::load(Path::new(&infogan)).unwrap();
    let q = infogan_scores.q.as_ref().expect("InfoGAN's Q is scored");
    assert_eq!(q.categorical[0].confusion.iter().flatten().sum::<usize>(), 10_000);
    assert_eq!(infogan_scores.q_accuracy, Some(q.categorical[0].accuracy));
    assert!(infogan_scores.encoder_accuracy.is_some());
    succeed(&["compare", &hsic, &infogan, "--out", &table_file]);
    let table = std::fs::read_to_string(&table_file).unwrap();
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(rows.len(), 4, "header, rule and one row per run:\n{table}");
    assert!(rows[0].contains("categorical accuracy") && rows[0].contains("c2 captures"), "{table}");
    assert!(rows[0].contains("| encoder accuracy | Q accuracy |"), "{table}");
    let q_cell = format!("| {:.1}% |", 100.0 * q.categorical[0].accuracy);
    assert!(rows[3].contains(&q_cell) && rows[2].contains("| — |"), "{table}");
    assert!(
        rows[2].starts_with(
            "| hsic | hsic | categorical: CKA on D features σx median σc 1 λ 1 → 0.1λ after 4+3 ep; continuous: "
        ),
        "{table}"
    );
    assert!(rows[3].starts_with("| infogan | infogan | Q head"), "{table}");
    let change = scores.digit_change.as_ref().expect("measured");
    let digit_cell = format!("; digit {:.0}% |", 100.0 * change[1]);
    assert!(rows[2].ends_with(&digit_cell), "{digit_cell} in {table}");
    // Trainable parameters (counted by hand in the train crate's tests): only InfoGAN has a Q head.
    assert!(rows[0].contains("| parameters (G / D / Q) | s/iter |"), "{table}");
    assert!(rows[2].contains("| 6.65M / 6.56M / — |") && rows[3].contains("| 6.65M / 6.56M / 0.13M |"), "{table}");
    // s/iter: the median (here, of two steps: their mean) of metrics.csv's seconds.
    let metrics = std::fs::read_to_string(Path::new(&hsic).join("metrics.csv")).unwrap();
    let seconds: Vec<f64> = metrics.lines().skip(1).map(|l| l.rsplit(',').next().unwrap().parse().unwrap()).collect();
    assert_eq!(seconds.len(), 2);
    let median = format!("| {:.2} |", (seconds[0] + seconds[1]) / 2.0);
    assert!(rows[2].contains(&format!("/ — {median}")), "{median} in {table}");
}

/// An epoch snapshot from before the checkpoint (`train --keep-epochs`; made here by hand at
/// iteration 2, then the run trains on): eval scores it too and prints the means over both,
/// which compare tabulates beside the last scores.
#[test]
fn eval_scores_epoch_snapshots_and_compare_shows_their_mean() {
    let Some(fixture) = fixture() else { return };
    let work = scratch();
    let hsic_run = copy_run(&fixture.hsic, work.path(), "hsic");
    let (hsic, infogan) = (hsic_run.display().to_string(), fixture.infogan.display().to_string());
    let table_file = work.path().join("compare.md").display().to_string();
    let hsic_config = hsic_infogan_train::run::load_config(&hsic_run).unwrap();
    hsic_infogan_train::run::save_epoch_snapshot(&hsic_run, &hsic_config, 1).unwrap();
    succeed(&["train", "--resume", &hsic, "--max-iters", "3", "--quiet"]);
    let printed = eval(&hsic_run, &fixture.classifier, ENCODER);
    let (earlier, last) = (report::load(&hsic_run.join("epochs/epoch-1")).unwrap(), report::load(&hsic_run).unwrap());
    assert_eq!((earlier.iteration, last.iteration, earlier.samples), (2, 3, 300));
    // The snapshot was scored against the classifier and real digits loaded for the run; scored
    // on its own, it gets the same file (its encoder from the cache the first eval wrote).
    let report_file = |run: &Path| std::fs::read_to_string(hsic_infogan_train::run::eval_report_path(run)).unwrap();
    let shared = report_file(&hsic_run.join("epochs/epoch-1"));
    eval(&hsic_run.join("epochs/epoch-1"), &fixture.classifier, ENCODER);
    assert_eq!(shared, report_file(&hsic_run.join("epochs/epoch-1")));
    let means = report::epoch_means(&hsic_run).unwrap().expect("one snapshot before the checkpoint");
    assert!((means.fid - (earlier.fid + last.fid) / 2.0).abs() < 1e-12, "{means:?}");
    let accuracy = (earlier.categorical[0].accuracy + last.categorical[0].accuracy) / 2.0;
    assert!((means.accuracy[0] - accuracy).abs() < 1e-12, "{means:?}");
    assert!(
        printed.contains("mean over the last epochs") && printed.contains(&format!("{:.2}", means.fid)),
        "{printed}"
    );
    succeed(&["compare", &hsic, &infogan, "--out", &table_file]);
    let table = std::fs::read_to_string(&table_file).unwrap();
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with('|')).collect();
    assert!(rows[0].contains("| FID, last epochs' mean |"), "{table}");
    let (from, to) = (means.epochs[0], means.epochs[1]);
    let mean_cell = format!("| {:.2} (epochs {from:.0}-{to:.0}) |", means.fid);
    assert!(rows[2].contains(&mean_cell) && rows[3].contains("| — | — |"), "{mean_cell} in {table}");
    // A snapshot scored on other samples than the run is not averaged with it.
    let snapshot = hsic_run.join("epochs/epoch-1").display().to_string();
    let classifier = fixture.classifier.display().to_string();
    succeed(&[
        "eval",
        "--run",
        &snapshot,
        "--n",
        "200",
        "--classifier",
        &classifier,
        "--data-dir",
        MNIST_DIR,
        "--no-encoder",
    ]);
    let mixed = fail(&["compare", &hsic, "--out", &table_file]);
    assert!(
        mixed.contains("scored on 200 samples (seed 0), the run on 300") && mixed.contains("evaluate the run again"),
        "{mixed}"
    );
}

#[test]
fn bad_input_names_the_problem() {
    let Some(fixture) = fixture() else { return };
    let work = scratch();
    let hsic = fixture.hsic.display().to_string();
    assert!(fail(&["eval", "--run", &hsic, "--n", "5"]).contains("--n must be at least 10"));
    let none = work.path().join("none").display().to_string();
    let no_classifier = fail(&["eval", "--run", &hsic, "--classifier", &none, "--data-dir", MNIST_DIR]);
    assert!(no_classifier.contains("hsic-infogan classifier train"), "{no_classifier}");
    let infogan = copy_run(&fixture.infogan, work.path(), "infogan");
    let config = infogan.join("config.json");
    let json = std::fs::read_to_string(&config).unwrap().replace("\"mnist\"", "\"fashion-mnist\"");
    std::fs::write(&config, json).unwrap();
    let classifier = fixture.classifier.display().to_string();
    let fashion = fail(&["eval", "--run", &infogan.display().to_string(), "--classifier", &classifier]);
    assert!(fashion.contains("trained on `fashion-mnist`"), "{fashion}");
}
