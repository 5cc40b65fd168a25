//! `hsic-infogan eval` and `compare` end to end on two briefly trained MNIST runs, with a
//! classifier trained for the test.

use std::path::Path;

use hsic_infogan_eval::report;

mod common;

use common::{MNIST_DIR, fail, mnist_present, small_classifier, succeed};

#[test]
fn eval_scores_runs_and_compare_tabulates_them() {
    if !mnist_present() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let path = |name: &str| work.path().join(name).display().to_string();
    let (hsic, infogan, classifier_dir) = (path("hsic"), path("infogan"), path("classifier"));
    for (model, out) in [("hsic", &hsic), ("infogan", &infogan)] {
        succeed(&["train", "--model", model, "--data-dir", MNIST_DIR, "--max-iters", "2", "--quiet", "--out", out]);
    }
    small_classifier(Path::new(&classifier_dir));

    let eval = |run: &str| {
        let args = ["eval", "--run", run, "--n", "300", "--classifier", &classifier_dir, "--data-dir", MNIST_DIR];
        succeed(&[&args[..], &["--encoder-steps", "20"]].concat())
    };
    let printed = eval(&hsic);
    assert!(printed.contains("categorical code 1: accuracy") && printed.contains("FID"), "{printed}");
    assert!(printed.contains("training the encoder on generated digits: step 20/20"), "{printed}");
    assert!(printed.contains("encoder on real digits, categorical code 1: accuracy"), "{printed}");
    let scores = report::load(Path::new(&hsic)).unwrap();
    assert_eq!((scores.iteration, scores.samples, scores.classifier_test_accuracy), (2, 300, 0.5));
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

    // The literature's protocol: the encoder's code values for the 10,000 real test digits,
    // matched to their labels; HSIC-InfoGAN has no Q to score.
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
    // The encoder is cached per checkpoint and recipe: scoring again reuses it, another
    // recipe trains a new one, and `--no-encoder` leaves it out.
    let cache = Path::new(&hsic).join("encoder.json");
    let cached = std::fs::read(&cache).unwrap();
    let again = eval(&hsic);
    assert!(!again.contains("training the encoder"), "{again}");
    assert_eq!(std::fs::read(&cache).unwrap(), cached);
    assert_eq!(report::load(Path::new(&hsic)).unwrap().encoder_accuracy, scores.encoder_accuracy);
    let base = ["eval", "--run", hsic.as_str(), "--n", "300", "--classifier", &classifier_dir, "--data-dir", MNIST_DIR];
    let other = succeed(&[&base[..], &["--encoder-steps", "21"]].concat());
    assert!(other.contains("step 21/21"), "{other}");
    succeed(&[&base[..], &["--no-encoder"]].concat());
    let without = report::load(Path::new(&hsic)).unwrap();
    assert!(without.encoder.is_none() && without.encoder_accuracy.is_none());
    assert!(fail(&[&base[..], &["--encoder-steps", "0"]].concat()).contains("the encoder needs at least one step"));
    eval(&hsic);

    // The same run scored on another backend than the one that trained it gives the same scores,
    // up to float rounding in the classifier.
    #[cfg(feature = "ndarray")]
    {
        let start = std::time::Instant::now();
        // The encoder's score is cached for this checkpoint, so ndarray does not train one.
        succeed(&[
            "eval",
            "--run",
            &hsic,
            "--n",
            "300",
            "--classifier",
            &classifier_dir,
            "--data-dir",
            MNIST_DIR,
            "--device",
            "ndarray",
            "--encoder-steps",
            "20",
        ]);
        let other = report::load(Path::new(&hsic)).unwrap();
        println!("eval on ndarray: {:.1} s", start.elapsed().as_secs_f64());
        let moved: usize = other.class_histogram.iter().zip(&scores.class_histogram).map(|(a, b)| a.abs_diff(*b)).sum();
        assert!(moved <= 2, "{:?} on ndarray vs {:?} on flex", other.class_histogram, scores.class_histogram);
        assert!(
            (other.categorical[0].accuracy - categorical.accuracy).abs() <= 2.0 / 300.0,
            "{} vs {}",
            other.categorical[0].accuracy,
            categorical.accuracy
        );
        assert!(
            (other.fid - scores.fid).abs() < 1e-3 * scores.fid,
            "FID {} on ndarray vs {} on flex",
            other.fid,
            scores.fid
        );
    }

    // compare needs eval.json in every run, and says how to get it.
    let table_file = path("compare.md");
    let missing = fail(&["compare", &hsic, &infogan, "--out", &table_file]);
    assert!(missing.contains(&format!("hsic-infogan eval --run {infogan}")), "{missing}");
    assert!(!Path::new(&table_file).exists());
    eval(&infogan);
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

    // An epoch snapshot from before the checkpoint (`train --keep-epochs`; made here by hand
    // at iteration 2, then the run trains on): eval scores it too and prints the means over
    // both, which compare tabulates beside the last scores.
    let hsic_run = Path::new(&hsic);
    let hsic_config = hsic_infogan_train::run::load_config(hsic_run).unwrap();
    hsic_infogan_train::run::save_epoch_snapshot(hsic_run, &hsic_config, 1).unwrap();
    succeed(&["train", "--resume", &hsic, "--max-iters", "3", "--quiet"]);
    let printed = eval(&hsic);
    let (earlier, last) = (report::load(&hsic_run.join("epochs/epoch-1")).unwrap(), report::load(hsic_run).unwrap());
    assert_eq!((earlier.iteration, last.iteration, earlier.samples), (2, 3, 300));
    let means = report::epoch_means(hsic_run).unwrap().expect("one snapshot before the checkpoint");
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
    succeed(&[
        "eval",
        "--run",
        &hsic_run.join("epochs/epoch-1").display().to_string(),
        "--n",
        "200",
        "--classifier",
        &classifier_dir,
        "--data-dir",
        MNIST_DIR,
        "--no-encoder",
    ]);
    let mixed = fail(&["compare", &hsic, "--out", &table_file]);
    assert!(
        mixed.contains("scored on 200 samples (seed 0), the run on 300") && mixed.contains("evaluate the run again"),
        "{mixed}"
    );

    // Bad input names the problem.
    assert!(fail(&["eval", "--run", &hsic, "--n", "5"]).contains("--n must be at least 10"));
    let no_classifier = fail(&["eval", "--run", &hsic, "--classifier", &path("none"), "--data-dir", MNIST_DIR]);
    assert!(no_classifier.contains("hsic-infogan classifier train"), "{no_classifier}");
    let config = Path::new(&infogan).join("config.json");
    let json = std::fs::read_to_string(&config).unwrap().replace("\"mnist\"", "\"fashion-mnist\"");
    std::fs::write(&config, json).unwrap();
    let fashion = fail(&["eval", "--run", &infogan, "--classifier", &classifier_dir]);
    assert!(fashion.contains("trained on `fashion-mnist`"), "{fashion}");
}
