//! `hsic-infogan tune`: the measurements on real MNIST, and the whole command on a tiny budget.

use std::path::Path;

use burn::config::Config;
use hsic::Kernel;
use hsic_infogan::sweep::Cell;
use hsic_infogan::tune::{TuneOptions, measure};
use hsic_infogan_eval::EvalOptions;
use hsic_infogan_train::{HsicTerm, Regularizer, TrainConfig, TrainingData};

mod common;

use common::{MNIST_DIR, fail, mnist_present, small_classifier, succeed};

fn options(sigma_x: &[f64], sigma_c: &[f64], runs: usize) -> TuneOptions {
    TuneOptions {
        sigma_x: sigma_x.to_vec(),
        sigma_c: sigma_c.to_vec(),
        batches: 4,
        runs,
        iters: 2,
        eval: EvalOptions { samples: 100, seed: 0, device: None, data_dir: None, classifier: None, encoder: None },
    }
}

#[test]
fn real_digits_depend_on_their_class_code_and_a_narrow_image_kernel_misses_it() {
    if !mnist_present() {
        return;
    }
    // tune measures the paper's one joint term on pixels.
    let joint = Regularizer::Hsic { terms: vec![HsicTerm::new()] };
    let base = TrainConfig::new().with_regularizer(joint).with_data_dir(Some(MNIST_DIR.into()));
    let data = TrainingData::load(&base).unwrap();
    let mut announced = Vec::new();
    let on_pair = |k, total, widths: &Cell| announced.push((k, total, widths.sigma_x));
    let measurements = measure(&base, &data, &options(&[2.0, 8.0], &[1.0], 0), on_pair).unwrap();
    assert_eq!(announced, [(0, 2, 2.0), (1, 2, 8.0)], "each pair announced before it is measured");
    // At sigma_x 2 distinct digits (distances around 10) have kernel values near 0, so K is close
    // to the identity and carries no class structure; at 8 the true pairing stands far above the
    // shuffled one.
    let (wide, narrow) = (&measurements[0], &measurements[1]);
    assert_eq!((wide.sigma_x, narrow.sigma_x), (8.0, 2.0), "{measurements:?}");
    let (real_wide, real_narrow) = (wide.real.unwrap(), narrow.real.unwrap());
    assert!(real_wide.z() > 5.0 && real_wide.paired > real_wide.shuffled, "{real_wide:?}");
    assert!(real_narrow.z() < real_wide.z() / 2.0, "{real_narrow:?}");
    // The adversarial side does not depend on the widths; the HSIC gradient is positive.
    assert_eq!(wide.g_loss, narrow.g_loss);
    assert_eq!(wide.gradients.adversarial, narrow.gradients.adversarial);
    assert!(wide.gradients.hsic > 0.0 && wide.lambda_by_gradient(0.65) > 0.0);

    let bad =
        measure(&base, &data, &TuneOptions { batches: 1, ..options(&[8.0], &[1.0], 0) }, |_, _, _| {}).unwrap_err();
    assert!(bad.to_string().contains("--batches"), "{bad}");
}

#[test]
fn tune_on_a_tiny_budget_recommends_searched_settings_that_train_reads() {
    if !mnist_present() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let classifier = work.path().join("classifier");
    small_classifier(&classifier);
    let out = work.path().join("tune");
    let (classifier, out_arg) = (classifier.display().to_string(), out.display().to_string());
    let printed = succeed(&[
        "tune",
        "--sigma-x",
        "2,4",
        "--sigma-c",
        "0.5,1",
        "--batches",
        "2",
        "--runs",
        "2",
        "--budget",
        "4",
        "--n",
        "100",
        "--quiet",
        "--data-dir",
        MNIST_DIR,
        "--classifier",
        &classifier,
        "--out",
        &out_arg,
    ]);
    assert!(printed.contains("## 1. Dependence signal") && printed.contains("## 3. Refinement"), "{printed}");
    assert!(printed.contains("Train with: hsic-infogan train --config"), "{printed}");

    let config = TrainConfig::load(out.join("tuned.json")).unwrap();
    let term = &config.regularizer.hsic_terms()[0];
    let (Kernel::Gaussian { sigma: sigma_x }, Kernel::Gaussian { sigma: sigma_c }) =
        (&term.hsic.kernel_x, &term.hsic.kernel_y)
    else {
        panic!("Gaussian kernels: {config:?}")
    };
    assert!([2.0, 4.0].contains(sigma_x) && [0.5, 1.0].contains(sigma_c), "{config:?}");
    assert!(term.lambda.is_finite() && term.lambda > 0.0, "{config:?}");
    assert_eq!((config.epochs, config.max_iters), (100, None), "a config for a full run, not the refinement's");
    let cells: Vec<_> = std::fs::read_dir(out.join("cells")).unwrap().collect();
    assert_eq!(cells.len(), 2, "two refinement runs");
    let report = std::fs::read_to_string(out.join("tune.md")).unwrap();
    assert!(report.contains("## Recommendation") && report.contains(&config.regularizer.summary()), "{report}");

    // train --config reads it.
    let run = work.path().join("run");
    succeed(&[
        "train",
        "--config",
        &out.join("tuned.json").display().to_string(),
        "--max-iters",
        "1",
        "--quiet",
        "--out",
        &run.display().to_string(),
    ]);
    assert_eq!(TrainConfig::load(run.join("config.json")).unwrap().regularizer.hsic_terms()[0].lambda, term.lambda);

    // --seed reaches the recommended config, and --config-out puts it elsewhere (measuring only).
    assert_eq!(config.seed, 0);
    let tuned = std::fs::read(out.join("tuned.json")).unwrap();
    let elsewhere = work.path().join("elsewhere.json");
    let elsewhere_arg = elsewhere.display().to_string();
    let printed = succeed(&[
        "tune",
        "--sigma-x",
        "4",
        "--sigma-c",
        "1",
        "--batches",
        "2",
        "--runs",
        "0",
        "--seed",
        "3",
        "--quiet",
        "--data-dir",
        MNIST_DIR,
        "--out",
        &out_arg,
        "--config-out",
        &elsewhere_arg,
    ]);
    assert!(printed.contains(&format!("Train with: hsic-infogan train --config {elsewhere_arg}")), "{printed}");
    assert_eq!(TrainConfig::load(&elsewhere).unwrap().seed, 3);
    assert_eq!(std::fs::read(out.join("tuned.json")).unwrap(), tuned, "OUT/tuned.json is left as it was");

    let bad = fail(&["tune", "--sigma-x", "0", "--runs", "0", "--data-dir", MNIST_DIR, "--out", &out_arg]);
    assert!(bad.contains("σx 0") && bad.contains("sigma"), "{bad}");
    assert!(Path::new(&out).join("tuned.json").is_file(), "a failed tune leaves the last recommendation");
}
