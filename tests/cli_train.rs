//! `hsic-infogan train` and `sample` end to end, on a small image folder (and MNIST when present).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use burn::config::Config;
use common::{MNIST_DIR, fail, hsic_infogan, mnist_present, text};
use hsic_infogan_train::TrainConfig;

/// A folder of 24 random 8x8 grey PNGs.
fn image_folder(dir: &Path) -> String {
    let mut state = 1u32;
    for i in 0..24 {
        let image = image::GrayImage::from_fn(8, 8, |_, _| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            image::Luma([(state >> 24) as u8])
        });
        image.save(dir.join(format!("{i:02}.png"))).unwrap();
    }
    format!("folder:{}", dir.display())
}

fn tiny(dataset: &str, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["train", "--dataset", dataset, "--image-size", "8", "--batch-size", "4"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(["--noise", "4", "--categorical", "3", "--out"].iter().map(|s| s.to_string()));
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run(args: &[String]) -> Output {
    hsic_infogan(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn metric_rows(run: &Path) -> usize {
    std::fs::read_to_string(run.join("metrics.csv")).map(|t| t.lines().count().saturating_sub(1)).unwrap_or(0)
}

/// Reads an `.npy` header: (descr, shape).
fn npy_header(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    String::from_utf8(bytes[10..10 + len].to_vec()).unwrap()
}

#[test]
fn train_resume_and_sample_a_run() {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    let first = run(&tiny(&dataset, &out, &["--model", "gan", "--max-iters", "3", "--quiet"]));
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("Trained 3 iterations"), "{}", text(&first));
    for file in ["config.json", "metrics.csv", "checkpoint/state.json", "traverse_c1.png", "samples.png", "losses.png"] {
        assert!(out.join(file).is_file(), "missing {file}");
    }
    assert_eq!(metric_rows(&out), 3);

    let again = run(&tiny(&dataset, &out, &["--max-iters", "3"]));
    assert!(!again.status.success());
    assert!(text(&again).contains("already holds a run"), "{}", text(&again));

    let out_str = out.display().to_string();
    let resumed = hsic_infogan(&["train", "--resume", &out_str, "--max-iters", "5", "--quiet"]);
    assert!(resumed.status.success(), "{}", text(&resumed));
    assert_eq!(metric_rows(&out), 5);

    let npy = work.path().join("gen.npy");
    let npy_str = npy.display().to_string();
    let sampled = hsic_infogan(&["sample", "--run", &out_str, "--n", "7", "--npy", &npy_str]);
    assert!(sampled.status.success(), "{}", text(&sampled));
    assert!(npy_header(&npy).contains("'descr': '<f4', 'fortran_order': False, 'shape': (7, 1, 8, 8)"));
    assert!(npy_header(&work.path().join("gen_codes.npy")).contains("'shape': (7, 5)"));
    assert!(npy_header(&work.path().join("gen_categories.npy")).contains("'<i8'"));
    assert_eq!(std::fs::metadata(&npy).unwrap().len() as usize, 128 + 7 * 64 * 4);
}

#[test]
fn bad_flags_fail_with_a_message() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("never").display().to_string();
    let cases: [(&[&str], &str); 6] = [
        (&["train", "--model", "vae"], "unknown model `vae`"),
        (&["train", "--lambda", "-1", "--out", &out], "lambda must be a finite number >= 0, got -1"),
        (
            &["train", "--estimator", "unbiased", "--batch-size", "3", "--out", &out],
            "batch size 3 is below the unbiased HSIC estimator's minimum of 4",
        ),
        (&["train", "--dataset", "folder:/nonexistent/images", "--out", &out], "/nonexistent/images"),
        (&["sample", "--run", "/nonexistent/run"], "not a run folder"),
        (&["classifier", "train", "--epochs", "0"], "--epochs must be at least 1"),
    ];
    for (args, needle) in cases {
        let output = hsic_infogan(args);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(text(&output).contains(needle), "{args:?}: `{}` lacks `{needle}`", text(&output));
    }
    assert!(!work.path().join("never").exists(), "a refused run must not leave a folder");
}

#[test]
fn ctrl_c_writes_a_checkpoint_and_says_how_to_resume() {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    let args = tiny(&dataset, &out, &["--model", "hsic", "--epochs", "100000", "--quiet"]);
    let child = Command::new(env!("CARGO_BIN_EXE_hsic-infogan"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while metric_rows(&out) < 2 {
        assert!(start.elapsed() < Duration::from_secs(120), "training did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("Continue with: hsic-infogan train --resume"), "{}", text(&output));
    let state = std::fs::read_to_string(out.join("checkpoint/state.json")).unwrap();
    assert!(state.contains(&format!("\"iteration\": {}", metric_rows(&out))), "{state}");
}

#[test]
fn mnist_training_writes_the_papers_traversal_layout() {
    if !mnist_present() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run").display().to_string();
    let args = ["train", "--model", "infogan", "--data-dir", MNIST_DIR, "--max-iters", "2", "--out", &out];
    let output = hsic_infogan(&args);
    assert!(output.status.success(), "{}", text(&output));
    // 10 digits x 10 code values of 28x28 images with 2-pixel gaps.
    let figure = image::open(Path::new(&out).join("traverse_c2.png")).unwrap();
    assert_eq!((figure.width(), figure.height()), (302, 302));
}

#[test]
fn a_config_file_sets_a_new_run_and_the_allowed_flags_change_it() {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let (first, second) = (work.path().join("first"), work.path().join("second"));
    let output = run(&tiny(&dataset, &first, &["--max-iters", "2", "--lambda", "3", "--quiet"]));
    assert!(output.status.success(), "{}", text(&output));
    let file = first.join("config.json").display().to_string();
    let out = second.display().to_string();
    let output = hsic_infogan(&["train", "--config", &file, "--seed", "7", "--max-iters", "3", "--quiet", "--out", &out]);
    assert!(output.status.success(), "{}", text(&output));
    let (a, b) = (TrainConfig::load(first.join("config.json")).unwrap(), TrainConfig::load(second.join("config.json")).unwrap());
    assert_eq!((b.seed, b.max_iters, b.regularizer.hsic_terms()[0].lambda), (7, Some(3), 3.0));
    let expected = TrainConfig { seed: 7, max_iters: Some(3), ..a };
    assert_eq!(format!("{expected:?}"), format!("{b:?}"));
    assert_eq!(metric_rows(&second), 3);

    let third = work.path().join("third").display().to_string();
    // Setting flags are refused beside --config: one of its own and the shared --device.
    for flag in [["--lambda", "2"], ["--device", "flex"]] {
        let conflict = fail(&["train", "--config", &file, flag[0], flag[1], "--out", &third]);
        assert!(conflict.contains("cannot be used with") && conflict.contains(flag[0]), "{conflict}");
    }
    let missing = fail(&["train", "--config", "/nonexistent/config.json", "--out", &third]);
    assert!(missing.contains("/nonexistent/config.json"), "{missing}");
    assert!(!Path::new(&third).exists());
}
